"""steps: auto — the model's measured step plan, or a stop once the predicted image settles."""

from __future__ import annotations

import shutil
from dataclasses import replace

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


def test_step_plans_are_read_written_and_checked(tmp_path) -> None:
    assert adaptive.read_step_plan(tmp_path) is None
    adaptive.write_step_plan(tmp_path, {"dpmpp-2m": 15, "euler": None}, 5.0, 0.01)
    plan = adaptive.read_step_plan(tmp_path)
    assert plan["steps"] == {"dpmpp-2m": 15} and plan["guidance"] == 5.0
    for broken in ("{", '{"steps": {"euler": 0}, "guidance": 5}', '{"steps": 3}', "[]"):
        (tmp_path / adaptive.STEP_PLAN_FILE).write_text(broken)
        assert adaptive.read_step_plan(tmp_path) is None, broken


def test_a_plan_applies_only_to_auto_requests_it_shortens(tmp_path) -> None:
    adaptive.write_step_plan(tmp_path, {"dpmpp-2m": 15, "euler": 20}, 5.0, 0.01)
    source = str(tmp_path)
    base = GenerationRequest(prompt="x", steps=25, guidance_scale=5.0, auto_steps=True)
    planned = adaptive.planned_request(base, source)
    assert planned.steps == 15 and not planned.auto_steps  # the plan replaces settling
    for request in (
        replace(base, auto_steps=False),  # fixed steps are the user's
        replace(base, steps=12),  # already fewer than the plan
        replace(base, scheduler="ddim"),  # not measured
        replace(base, guidance_scale=12.0),  # much stronger guidance than measured
    ):
        assert adaptive.planned_request(request, source) == request
    assert adaptive.planned_request(base, str(tmp_path / "no-such-folder")) == base


def test_auto_steps_follow_the_model_step_plan(tiny_models, engine_cache, tmp_path) -> None:
    """With a measured plan, auto renders exactly the plan's fixed-step picture."""
    folder = tmp_path / "pipeline"
    shutil.copytree(tiny_models["pipeline"], folder)
    adaptive.write_step_plan(folder, {"dpmpp-2m": 4}, 7.5, 0.01)

    def make(**changes):
        return GenerationRequest(
            prompt="a red circle", model=str(folder), width=64, height=64, seed=3, **changes
        )

    auto, auto_steps = _render(make, engine_cache, steps=10, auto_steps=True)
    fixed, fixed_steps = _render(make, engine_cache, steps=4)
    assert auto_steps == fixed_steps == 4
    assert np.array_equal(auto, fixed)
