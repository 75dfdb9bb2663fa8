"""What the adaptive sampler's runs share on every family: cancel before each model evaluation,
one Progress event after it, progress counted by the share of the run done (the number of
evaluations is not known in advance), the inpaint outside kept at each noise level, and the
run itself (:func:`run_adaptive`) around the family's one model evaluation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from f1studio.engine.adaptive import settled_latents
from f1studio.engine.adaptive_sampler import AdaptiveRun, NoiseLevels, grid_step, sample
from f1studio.engine.families.base import JobCancelled, StepCallback

#: (latents in the model's dtype, timestep, step, grid) -> the model's guided output: one NFE
ModelOutput = Callable[[Any, Any, int, int], Any]


class EvaluationProgress:
    """Progress of one adaptive run reported on the request's ``total`` steps of one image."""

    def __init__(self, total: int, on_step: StepCallback, should_stop: Callable[[], bool]) -> None:
        self.total = max(1, total)
        self.on_step = on_step
        self.should_stop = should_stop
        self.done = 0  # steps reported so far; never goes back when a step is retried

    def check(self) -> None:
        """Raise :class:`JobCancelled` when the job was cancelled (before an evaluation)."""
        if self.should_stop():
            raise JobCancelled(self.done)

    def report(self, fraction: float, preview: np.ndarray | None) -> None:
        """After an evaluation at ``fraction`` of the run. The sampler decides after it
        whether it was the last, so the count reaches ``total`` only with the Finished event
        (one Progress event per model evaluation)."""
        self.done = max(self.done, min(self.total - 1, int(fraction * self.total)))
        self.on_step(self.done, self.total, preview)


def renoised_keep(
    latent_mask: Any, image_latents: Any, noise: Any, alpha_sigma: Callable[[float], Any]
) -> Callable[[Any, float], Any]:
    """Masked re-noising for the sampler's ``keep``: outside the mask, the original latents
    noised to each level (``alpha x0 + sigma noise``); inside, the sampler's own point."""

    def keep(x: Any, lam: float) -> Any:
        alpha, sigma = alpha_sigma(lam)
        original = alpha * image_latents.to(x.dtype) + sigma * noise.to(x.dtype)
        m = latent_mask.to(x.dtype)
        return (1 - m) * original + m * x

    return keep


def run_adaptive(
    levels: NoiseLevels,
    tau_start: float,
    latents: Any,
    model: ModelOutput,
    prediction: str,
    preview: Callable[[Any], np.ndarray],
    progress: EvaluationProgress,
    tolerance: float,
    keep: Callable[[Any, float], Any] | None,
    renoise: Any | None,
    record: AdaptiveRun | None,
) -> Any:
    """The clean latents (in ``latents``' dtype, the inpaint outside restored from ``renoise``)
    of an adaptive run from ``latents`` at ``tau_start``: ``model``'s output read as
    ``prediction`` ("epsilon", "v_prediction" or "flow"), a preview after each evaluation."""
    import torch

    dtype = latents.dtype

    def denoise(x: Any, lam: float, fraction: float) -> Any:
        progress.check()
        t = torch.tensor(levels.model_time(lam), device=x.device, dtype=torch.float32)
        step, grid = grid_step(fraction)
        output = model(x.to(dtype), t, step, grid)
        x0 = levels.x0_from(x, output.float(), lam, prediction)
        progress.report(fraction, preview(x0.to(dtype)))
        return x0

    x0 = sample(
        latents.float(),
        levels,
        tau_start,
        denoise,
        max_nfe=progress.total,
        tolerance=tolerance,
        keep=keep,
        record=record,
    )
    return settled_latents(x0, latents, renoise)
