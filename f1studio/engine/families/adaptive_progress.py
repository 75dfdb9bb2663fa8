"""What the adaptive sampler's runs share on every family: cancel before each model evaluation,
one Progress event after it, progress counted by the share of the run done (the number of
evaluations is not known in advance), and the inpaint outside kept at each noise level."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from f1studio.engine.families.base import JobCancelled, StepCallback


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
