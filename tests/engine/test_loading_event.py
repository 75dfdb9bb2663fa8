"""A model that is not in memory yet is announced (Loading) before the first step, and a
cancel given while it loads ends the job without a picture, keeping the model for next time."""

from __future__ import annotations

import threading

from f1studio.engine.events import Cancelled, Finished, Loading, Started
from f1studio.engine.models import ModelCache
from f1studio.engine.request import GenerationRequest
from f1studio.engine.runner import run


def _request(tiny_models) -> GenerationRequest:
    return GenerationRequest(
        "a red car", model=str(tiny_models["pipeline"]), width=64, height=64, steps=2, device="cpu"
    )


def test_loading_is_announced_once_then_the_model_is_reused(tiny_models):
    cache = ModelCache()
    events: list = []
    run(_request(tiny_models), events.append, cache=cache)
    kinds = [type(e) for e in events]
    assert kinds[0] is Loading and Started in kinds and kinds[-1] is Finished
    assert events[0] == Loading("model", tiny_models["pipeline"].name)
    again: list = []
    run(_request(tiny_models), again.append, cache=cache)
    assert not any(isinstance(e, Loading) for e in again)


def test_a_cancel_during_loading_gives_no_picture_and_keeps_the_model(tiny_models):
    cache = ModelCache()
    cancel = threading.Event()
    events: list = []

    def on_event(event) -> None:
        events.append(event)
        if isinstance(event, Loading):
            cancel.set()  # the user pressed Esc while the model loaded

    result = run(_request(tiny_models), on_event, cancel, cache)
    assert result is None
    assert isinstance(events[-1], Cancelled)
    assert not any(isinstance(e, (Started, Finished)) for e in events)
    assert cache.has_base(str(tiny_models["pipeline"]), "cpu", False)
