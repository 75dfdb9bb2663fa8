"""The adaptive sampler on the UNet families (SD1.5 and SDXL): the UNet loop's guided model
evaluation (classifier-free guidance, ControlNets with their step ranges, references, regions,
9-channel inpainting inputs) driven by ``engine.adaptive_sampler`` over the model's own
variance-preserving schedule (epsilon or v-prediction, zero terminal SNR included)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from f1studio.engine.adaptive_sampler import AdaptiveRun, vp_levels
from f1studio.engine.differential import Differential
from f1studio.engine.families.adaptive_progress import (
    EvaluationProgress,
    renoised_keep,
    run_adaptive,
)
from f1studio.engine.families.base import StepCallback
from f1studio.engine.request import GenerationRequest


@dataclass(frozen=True)
class UNetRun:
    """What the UNet loop hands to the adaptive sampler."""

    scheduler: Any  # the loop's DPM-Solver++ (its alphas; its timesteps give img2img's start)
    start: Any  # the loop's first timestep (img2img and partial inpaint start there)
    prediction: str  # "epsilon" or "v_prediction"
    request: GenerationRequest
    # (latents, timestep, step, total) -> (model input, guided output): one NFE
    guided: Callable[[Any, Any, int, int], tuple[Any, Any]]
    preview: Callable[[Any], np.ndarray]  # a clean latent -> the preview picture


def sample_unet(
    run: UNetRun,
    latents: Any,
    renoise: Any | None,
    on_step: StepCallback,
    should_stop: Callable[[], bool],
    record: AdaptiveRun | None = None,
    differential: Differential | None = None,
) -> Any:
    """The clean latents of an adaptive run from ``latents`` at the loop's start (with the
    original kept outside a re-noised inpaint mask: ``renoise`` has ``latent_mask``,
    ``image_latents`` and ``noise``)."""
    req = run.request
    levels = vp_levels(run.scheduler.alphas_cumprod.to("cpu").numpy())
    last_time = float(levels.model_times[-1])
    tau_start = float(run.start) / last_time if req.starts_from_init else 1.0
    total = req.steps_per_image()
    progress = EvaluationProgress(total, on_step, should_stop)
    keep = None
    if renoise is not None:
        keep = renoised_keep(
            renoise.latent_mask, renoise.image_latents, renoise.noise, levels.alpha_sigma
        )
    if differential is not None:  # each pixel held to the init image above its strength
        times = run.scheduler.timesteps.cpu().numpy().astype(np.float64) / last_time
        keep = differential.keep(levels.alpha_sigma, levels.tau, np.append(times, 0.0))

    def model(x: Any, t: Any, step: int, grid: int) -> Any:
        return run.guided(x, t, step, grid)[1]

    latents = run_adaptive(
        levels,
        tau_start,
        latents,
        model,
        run.prediction,
        run.preview,
        progress,
        req.adaptive_tolerance,
        keep,
        renoise,
        record,
    )
    return latents if differential is None else differential.settled(latents, total)
