"""Schedulers by name, each built with ``from_config`` of the model's own scheduler config."""

from __future__ import annotations

from typing import Any

from f1studio.engine.request import SCHEDULERS

SAMPLER_LABELS = {
    "dpmpp-2m": "DPM++ 2M",
    "dpmpp-2m-karras": "DPM++ 2M Karras",
    "euler": "Euler",
    "euler-a": "Euler a",
    "ddim": "DDIM",
}


def make_scheduler(name: str, config: Any) -> Any:
    """A fresh scheduler instance for ``name`` built from a model's scheduler ``config``."""
    from diffusers import (
        DDIMScheduler,
        DPMSolverMultistepScheduler,
        EulerAncestralDiscreteScheduler,
        EulerDiscreteScheduler,
    )

    if name == "dpmpp-2m":
        return DPMSolverMultistepScheduler.from_config(
            config, algorithm_type="dpmsolver++", solver_order=2, use_karras_sigmas=False
        )
    if name == "dpmpp-2m-karras":
        return DPMSolverMultistepScheduler.from_config(
            config, algorithm_type="dpmsolver++", solver_order=2, use_karras_sigmas=True
        )
    if name == "euler":
        return EulerDiscreteScheduler.from_config(config)
    if name == "euler-a":
        return EulerAncestralDiscreteScheduler.from_config(config)
    if name == "ddim":
        return DDIMScheduler.from_config(config)
    raise ValueError(f"unknown scheduler {name!r} (choose from {', '.join(SCHEDULERS)})")
