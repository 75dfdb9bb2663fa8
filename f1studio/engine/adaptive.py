"""``steps: auto``: stop denoising once the predicted clean image has settled.

The request's ``steps`` is then the most the engine will take. After every step the family
reports the clean latent the model predicts; once its relative change from the previous
step stays below :data:`TOLERANCE` for :data:`PATIENCE` steps in a row (and at least
:data:`MIN_FRACTION` of the plan has run), the engine stops and decodes that prediction.
The threshold was chosen with ``f1studio eval`` (see the README's figures).
"""

from __future__ import annotations

from typing import Any

TOLERANCE = 0.02
PATIENCE = 2
MIN_FRACTION = 0.25


class Settling:
    """Watches the predicted clean latent step by step; :meth:`settled` says when to stop."""

    def __init__(
        self,
        enabled: bool,
        total: int,
        tolerance: float | None = None,
        patience: int | None = None,
        min_fraction: float | None = None,
    ) -> None:
        self.enabled = enabled
        self.total = total
        self.tolerance = TOLERANCE if tolerance is None else tolerance
        self.patience = PATIENCE if patience is None else patience
        fraction = MIN_FRACTION if min_fraction is None else min_fraction
        self.min_steps = max(2, round(total * fraction))
        self.changes: list[float] = []
        self._previous: Any = None
        self._calm = 0

    def settled(self, x0: Any) -> bool:
        """Record this step's prediction; True when the remaining steps can be skipped."""
        if not self.enabled or x0 is None:
            return False
        x = x0.detach().float()
        if self._previous is not None:
            scale = float(x.pow(2).mean().sqrt().clamp_min(1e-6))
            change = float((x - self._previous).pow(2).mean().sqrt()) / scale
            self.changes.append(change)
            self._calm = self._calm + 1 if change < self.tolerance else 0
        self._previous = x
        steps = len(self.changes) + 1
        return steps >= self.min_steps and self._calm >= self.patience and steps < self.total


def settled_latents(x0: Any, latents: Any, inpaint: Any | None) -> Any:
    """What to decode when the engine stops early: the predicted clean latent, with the
    original latents kept outside a re-noised inpaint mask (``inpaint`` has ``image_latents``
    and ``latent_mask``; ``None`` when the family does no masked re-noising)."""
    out = x0.to(latents.dtype)
    if inpaint is not None:
        m = inpaint.latent_mask
        out = (1 - m) * inpaint.image_latents + m * out
    return out
