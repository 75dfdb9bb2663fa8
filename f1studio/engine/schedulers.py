"""Schedulers by name, each built with ``from_config`` of the model's own scheduler config.

The same names work on every family. On a flow-matching model (FLUX.1, whose scheduler config
is a ``FlowMatchEulerDiscreteScheduler`` one) "euler" and "flow-euler" are the model's own
FlowMatch Euler and "dpmpp-2m" is DPM-Solver++ 2M on flow sigmas with flow prediction; the
noise-prediction samplers ("euler-a", "ddim", and the few-step "lcm", "tcd",
"euler-trailing") and Karras sigmas have no flow version in
diffusers and are refused with a message naming what to choose instead. "adaptive" (the
error-controlled sampler of ``adaptive_sampler.py``, which runs its own loop) gets the scheduler
its start and img2img window are read from: DPM-Solver++ 2M, or the model's FlowMatch Euler.

Flow-matching timesteps depend on the image: :func:`set_flow_timesteps` computes FLUX.1's
resolution-dependent shift ``mu`` from the number of image tokens exactly as diffusers'
FluxPipeline does (``calculate_shift`` + ``retrieve_timesteps``).
"""

from __future__ import annotations

from typing import Any

from f1studio.engine.request import ADAPTIVE_SCHEDULER, SCHEDULER_LABELS, SCHEDULERS


def is_flow_config(config: Any) -> bool:
    """True for a flow-matching scheduler configuration (FLUX.1's FlowMatchEuler one)."""
    name = str(_get(config, "_class_name", "") or "")
    if name.startswith("FlowMatch"):
        return True
    return bool(_get(config, "use_flow_sigmas", False)) or (
        not name and _get(config, "base_image_seq_len", None) is not None
    )


def make_scheduler(name: str, config: Any) -> Any:
    """A fresh scheduler instance for ``name`` built from a model's scheduler ``config``."""
    if is_flow_config(config):
        return _make_flow_scheduler(name, config)
    from diffusers import (
        DDIMScheduler,
        DPMSolverMultistepScheduler,
        EulerAncestralDiscreteScheduler,
        EulerDiscreteScheduler,
    )

    if name in ("dpmpp-2m", ADAPTIVE_SCHEDULER):  # adaptive: the start and img2img window
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
    if name == "lcm":
        from diffusers import LCMScheduler

        return LCMScheduler.from_config(config)
    if name == "tcd":
        from diffusers import TCDScheduler

        return TCDScheduler.from_config(config)
    if name == "euler-trailing":
        return EulerDiscreteScheduler.from_config(config, timestep_spacing="trailing")
    if name == "flow-euler":
        raise ValueError("flow-euler works with FLUX.1 models; choose dpmpp-2m or euler")
    raise ValueError(f"unknown scheduler {name!r} (choose from {', '.join(SCHEDULERS)})")


def _make_flow_scheduler(name: str, config: Any) -> Any:
    from diffusers import DPMSolverMultistepScheduler, FlowMatchEulerDiscreteScheduler

    if name in ("flow-euler", "euler", ADAPTIVE_SCHEDULER):
        return FlowMatchEulerDiscreteScheduler.from_config(config)
    if name == "dpmpp-2m":
        # DPM-Solver++ on flow sigmas: the shift is the model's (FLUX.1-dev: exp(mu) per image
        # size through use_dynamic_shifting; schnell: its fixed shift)
        import inspect

        dynamic = bool(_get(config, "use_dynamic_shifting", False))
        accepted = inspect.signature(DPMSolverMultistepScheduler.__init__).parameters
        return DPMSolverMultistepScheduler.from_config(
            {k: v for k, v in dict(config).items() if k in accepted and k != "self"},
            algorithm_type="dpmsolver++",
            solver_order=2,
            prediction_type="flow_prediction",
            use_flow_sigmas=True,
            flow_shift=float(_get(config, "shift", 1.0) or 1.0),
            use_dynamic_shifting=dynamic,
            time_shift_type="exponential",
            use_karras_sigmas=False,
            final_sigmas_type="zero",
        )
    if name == "dpmpp-2m-karras":
        raise ValueError(
            "dpmpp-2m-karras has no flow-matching version for FLUX.1 models (diffusers' "
            "DPM-Solver++ cannot combine Karras and flow sigmas); choose dpmpp-2m or flow-euler"
        )
    if name in ("euler-a", "ddim", "lcm", "tcd", "euler-trailing"):
        label = SCHEDULER_LABELS[name]
        raise ValueError(
            f"{name} ({label}) is a noise-prediction sampler and does not work with FLUX.1's "
            "flow matching; choose flow-euler (or euler) or dpmpp-2m"
        )
    raise ValueError(f"unknown scheduler {name!r} (choose from {', '.join(SCHEDULERS)})")


def calculate_shift(image_seq_len: int, config: Any) -> float:
    """FLUX.1's timestep shift ``mu`` for ``image_seq_len`` packed image tokens: linear from
    ``base_shift`` at ``base_image_seq_len`` to ``max_shift`` at ``max_image_seq_len``."""
    base_len = _get(config, "base_image_seq_len", 256)
    max_len = _get(config, "max_image_seq_len", 4096)
    base_shift = _get(config, "base_shift", 0.5)
    max_shift = _get(config, "max_shift", 1.15)
    m = (max_shift - base_shift) / (max_len - base_len)
    b = base_shift - m * base_len
    return image_seq_len * m + b


def set_flow_timesteps(scheduler: Any, steps: int, image_seq_len: int, device: Any) -> None:
    """Set a flow scheduler's timesteps the way FluxPipeline does for ``steps`` steps."""
    import numpy as np

    mu = calculate_shift(image_seq_len, scheduler.config)
    if getattr(scheduler.config, "use_flow_sigmas", False):  # DPM-Solver++: its own flow sigmas
        dynamic = bool(getattr(scheduler.config, "use_dynamic_shifting", False))
        scheduler.set_timesteps(steps, device=device, mu=mu if dynamic else None)
        return
    sigmas = np.linspace(1.0, 1 / steps, steps)
    scheduler.set_timesteps(sigmas=sigmas, device=device, mu=mu)


def _get(config: Any, key: str, default: Any) -> Any:
    if hasattr(config, "get"):
        return config.get(key, default)
    return getattr(config, key, default)
