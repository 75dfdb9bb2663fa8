"""Rendering a prompt set with any model through the normal engine, one setting at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from f1studio.evaluation.errors import EvaluationError
from f1studio.evaluation.prompt_file import PromptCase


@dataclass(frozen=True)
class Setting:
    """One combination of the settings compared: steps, guidance and sampler."""

    steps: int
    guidance: float
    scheduler: str

    @property
    def label(self) -> str:
        return f"{self.scheduler}, {self.steps} steps, guidance {self.guidance:g}"


def case_seeds(cases: list[PromptCase], per_prompt: int, first: int) -> list[list[int]]:
    """The seeds of each case's pictures: its own seed and the ones after it; for a case
    without one, ``first + index * per_prompt`` and the ones after it."""
    out = []
    for i, case in enumerate(cases):
        start = case.seed if case.seed is not None else first + i * per_prompt
        out.append([start + k for k in range(per_prompt)])
    return out


class CaseRenderer:
    """Renders cases with one model, keeping it loaded between pictures."""

    def __init__(self, model: str, width: int, height: int, device: str = "auto") -> None:
        from f1studio.engine.models import ModelCache

        self.model = model
        self.width = width
        self.height = height
        self.device = device
        self.cache = ModelCache()
        self.renders = 0

    def __call__(self, case: PromptCase, seed: int, setting: Setting) -> np.ndarray:
        """The RGB picture of ``case`` at ``seed`` with ``setting``."""
        from f1studio.engine.events import Failed, Finished
        from f1studio.engine.request import GenerationRequest, Pixels, RegionSpec
        from f1studio.engine.runner import run

        regions = tuple(
            RegionSpec(mask=Pixels.of(r.mask_at(self.width, self.height)), prompt=r.prompt)
            for r in case.regions
        )
        try:
            request = GenerationRequest(
                case.prompt,
                width=self.width,
                height=self.height,
                negative_prompt=case.negative,
                model=self.model,
                scheduler=setting.scheduler,
                steps=setting.steps,
                guidance_scale=setting.guidance,
                seed=seed,
                regions=regions,
                device=self.device,
            )
        except ValueError as e:
            raise EvaluationError(str(e)) from None
        events: list[Any] = []
        run(request, events.append, cache=self.cache)
        self.renders += 1
        for event in events:
            if isinstance(event, Failed):
                raise EvaluationError(f"render failed: {event.message}")
            if isinstance(event, Finished):
                return np.asarray(event.result.images[0])[..., :3]
        raise EvaluationError("the engine finished without a picture")
