"""The adaptive sampler on FLUX.1: the flux loop's model evaluation (guidance embedding,
ControlNets with their step ranges, Redux and IP-Adapter references, regions, Fill) driven by
``engine.adaptive_sampler`` over the model's own flow-matching schedule (its resolution
dependent shift included; FLUX.1 has no classifier-free guidance, so one NFE is one pass)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from f1studio.engine.adaptive_sampler import AdaptiveRun, flow_levels
from f1studio.engine.differential import Differential
from f1studio.engine.families.adaptive_progress import (
    EvaluationProgress,
    renoised_keep,
    run_adaptive,
)
from f1studio.engine.families.base import StepCallback
from f1studio.engine.request import GenerationRequest
from f1studio.engine.schedulers import make_scheduler, set_flow_timesteps

#: The time fractions the flow schedule is tabulated at (its sigmas, shifted as the model's).
TABLE_POINTS = 1000


@dataclass(frozen=True)
class FlowRun:
    """What the FLUX.1 loop hands to the adaptive sampler."""

    scheduler: Any  # the loop's FlowMatch scheduler (its sigmas give img2img's start)
    begin: int  # the first step of the img2img window
    image_tokens: int  # packed latent tokens (the shift depends on them)
    request: GenerationRequest
    velocity: Callable[[Any, Any, int, int], Any]  # (latents, timestep, step, total): one NFE
    preview: Callable[[Any], np.ndarray]  # a packed clean latent -> the preview picture


def sample_flow(
    run: FlowRun,
    latents: Any,
    noise: Any,
    renoise: Any | None,
    on_step: StepCallback,
    should_stop: Callable[[], bool],
    record: AdaptiveRun | None = None,
    differential: Differential | None = None,
) -> Any:
    """The packed clean latents of an adaptive run from ``latents`` at the loop's start (the
    original kept outside a re-noised inpaint mask: ``renoise`` has ``latent_mask`` and
    ``image_latents``; ``noise`` is the packed starting noise)."""
    req = run.request
    table = make_scheduler(req.scheduler, run.scheduler.config)
    set_flow_timesteps(table, TABLE_POINTS, run.image_tokens, "cpu")
    levels = flow_levels(table.sigmas.numpy())
    tau_start = 1.0
    if req.starts_from_init:
        sigma = float(run.scheduler.sigmas[run.begin])
        tau_start = float(np.interp(sigma, levels.model_times / 1000.0, levels.taus))
    total = req.steps_per_image(flow_matching=True)
    progress = EvaluationProgress(total, on_step, should_stop)
    keep = None
    if renoise is not None:
        keep = renoised_keep(renoise.latent_mask, renoise.image_latents, noise, levels.alpha_sigma)
    if differential is not None:  # each pixel held to the init image above its strength
        sigmas = run.scheduler.sigmas.cpu().numpy().astype(np.float64)
        times = np.interp(sigmas, levels.model_times / 1000.0, levels.taus)
        keep = differential.keep(levels.alpha_sigma, levels.tau, times)
    latents = run_adaptive(
        levels,
        tau_start,
        latents,
        run.velocity,
        "flow",
        run.preview,
        progress,
        req.adaptive_tolerance,
        keep,
        renoise,
        record,
    )
    return latents if differential is None else differential.settled(latents, total)
