"""``steps: auto``: plan as few steps as the model needs, or stop once the picture settles.

The request's ``steps`` is then the most the engine will take.

1. **Plan** (:func:`planned_request`): a model folder may carry ``step_plan.json``, the step
   count each sampler needs to come within a fixed distance of a 100-step picture, measured
   on that model by ``f1studio eval --write-step-plan``. When the request's sampler is in it
   (and its guidance is not much higher than the one measured), the job simply runs that many
   steps. Fewer planned steps beat stopping a longer plan early: a 25-step plan stopped after
   15 steps is still at a higher noise level than a 15-step plan is at its end.
2. **Settle** (:class:`Settling`), for models without a plan: after every step the family
   reports the clean latent the model predicts; once its relative change from the previous
   step stays below :data:`TOLERANCE` for :data:`PATIENCE` steps in a row (and at least
   :data:`MIN_FRACTION` of the plan has run), the engine stops and decodes that prediction.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from f1studio.engine.request import GenerationRequest

#: The per-model step counts ``f1studio eval --write-step-plan`` measures.
STEP_PLAN_FILE = "step_plan.json"
#: A plan holds up to this multiple of the guidance it was measured at (stronger guidance
#: bends the sampling path more and needs more steps).
PLAN_GUIDANCE_MARGIN = 1.5

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


def read_step_plan(folder: str | Path) -> dict[str, Any] | None:
    """A model folder's measured step plan, or ``None`` (missing or malformed files)."""
    try:
        plan = json.loads((Path(folder) / STEP_PLAN_FILE).read_text("utf-8"))
        steps = {str(k): int(v) for k, v in plan["steps"].items() if v is not None}
        guidance = float(plan["guidance"])
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    if not math.isfinite(guidance) or any(v < 1 for v in steps.values()):
        return None
    return {**plan, "steps": steps, "guidance": guidance}


def write_step_plan(
    folder: str | Path, steps: dict[str, int | None], guidance: float, target: float
) -> Path:
    """Write ``step_plan.json``: per sampler, the steps it needs to come within ``target``
    (mean absolute difference, fraction of full scale) of its 100-step picture."""
    path = Path(folder) / STEP_PLAN_FILE
    plan = {
        "steps": {k: v for k, v in steps.items() if v is not None},
        "guidance": guidance,
        "target": target,
        "measured_by": "f1studio eval --write-step-plan",
    }
    path.write_text(json.dumps(plan, indent=2) + "\n", encoding="utf-8")
    return path


def planned_request(request: GenerationRequest, source: str) -> GenerationRequest:
    """``request`` with the model's planned step count when ``steps: auto`` is on and the
    model folder ``source`` has a plan for its sampler; unchanged otherwise."""
    if not request.auto_steps or not Path(source).is_dir():
        return request
    plan = read_step_plan(source)
    if plan is None or request.scheduler not in plan["steps"]:
        return request
    if request.guidance_scale > plan["guidance"] * PLAN_GUIDANCE_MARGIN:
        return request
    steps = plan["steps"][request.scheduler]
    if steps >= request.steps:
        return request
    return replace(request, steps=steps, auto_steps=False)
