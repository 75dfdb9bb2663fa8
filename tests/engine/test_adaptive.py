"""steps: auto — the engine stops once the predicted clean image settles."""

from __future__ import annotations

import numpy as np
import torch

from f1studio.engine import adaptive
from f1studio.engine.adaptive import Settling
from f1studio.engine.events import Finished, Progress
from f1studio.engine.request import GenerationRequest
from f1studio.engine.runner import run


def _steps_taken(settling: Settling, predictions: list[torch.Tensor]) -> int:
    for i, x0 in enumerate(predictions):
        if settling.settled(x0):
            return i + 1
    return len(predictions)


def test_settling_stops_when_the_prediction_stops_changing() -> None:
    base = torch.ones(1, 4, 8, 8)
    # changes shrink geometrically: 50%, 25%, ... of the picture
    predictions = [base * (1 + 0.5**k) for k in range(30)]
    taken = _steps_taken(Settling(True, 30, tolerance=0.02, patience=2), predictions)
    assert 5 < taken < 12


def test_settling_never_stops_a_changing_picture_or_when_disabled() -> None:
    gen = torch.Generator().manual_seed(0)
    predictions = [torch.randn(1, 4, 8, 8, generator=gen) for _ in range(20)]
    assert _steps_taken(Settling(True, 20), predictions) == 20
    still = [torch.ones(1, 4, 8, 8)] * 20
    assert _steps_taken(Settling(False, 20), still) == 20


def test_settling_respects_the_minimum_share_of_the_plan() -> None:
    still = [torch.ones(1, 4, 8, 8)] * 40
    taken = _steps_taken(Settling(True, 40, min_fraction=0.5, patience=1), still)
    assert taken == 20


def _render(make_request, cache, **changes):
    events = []
    run(make_request(**changes), events.append, cache=cache)
    done = [e for e in events if isinstance(e, Finished)]
    assert done, events
    steps = len([e for e in events if isinstance(e, Progress)])
    return done[0].result.images[0], steps


def check_auto_steps(make_request, cache, monkeypatch, planned: int) -> None:
    """Shared by every family: auto never changes a render it does not shorten, and when
    it stops, it stops after the minimum share of the plan with a different (decoded) image."""
    fixed, fixed_steps = _render(make_request, cache)
    monkeypatch.setattr(adaptive, "TOLERANCE", 0.0)  # nothing settles: the full plan
    same, same_steps = _render(make_request, cache, auto_steps=True)
    assert fixed_steps == same_steps == planned
    assert np.array_equal(fixed, same)
    monkeypatch.setattr(adaptive, "TOLERANCE", 1e9)  # everything settles at once
    early, early_steps = _render(make_request, cache, auto_steps=True)
    # the minimum share of the plan, and the first change needs two predictions
    assert early_steps == max(2, round(planned * adaptive.MIN_FRACTION), adaptive.PATIENCE + 1)
    assert early.shape == fixed.shape
    assert not np.array_equal(early, fixed)


def test_auto_steps_sd15(tiny_models, engine_cache, monkeypatch) -> None:
    def make(**changes):
        return GenerationRequest(
            prompt="a red circle",
            model=str(tiny_models["pipeline"]),
            width=64,
            height=64,
            steps=12,
            seed=3,
            **changes,
        )

    check_auto_steps(make, engine_cache, monkeypatch, planned=12)
