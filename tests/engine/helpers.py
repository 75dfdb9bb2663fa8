"""Small helpers shared by the engine tests."""

from __future__ import annotations

import numpy as np

from f1studio.engine.events import Failed, Finished
from f1studio.engine.runner import run


def render(request, cache, events=None):
    """Run a request and return the images, failing the test with the engine's message."""
    events = [] if events is None else events
    result = run(request, events.append, cache=cache)
    if result is None:
        failed = [e for e in events if isinstance(e, Failed)]
        raise AssertionError(f"render failed: {failed or events[-1:]}")
    assert isinstance(events[-1], Finished)
    return result.images


def to_u8(float_images) -> np.ndarray:
    """diffusers' float output -> uint8 the way its numpy_to_pil does it."""
    return (np.asarray(float_images[0]) * 255).round().astype(np.uint8)


def max_diff(a: np.ndarray, b: np.ndarray) -> int:
    return int(np.abs(a.astype(np.int16) - b.astype(np.int16)).max())


def unet_pipeline(path, family: str):
    """diffusers' own SD1.5 or SDXL pipeline of a tiny model folder, for reference renders."""
    from diffusers import StableDiffusionPipeline, StableDiffusionXLPipeline

    cls = StableDiffusionXLPipeline if family == "sdxl" else StableDiffusionPipeline
    extra = {} if family == "sdxl" else {"safety_checker": None, "requires_safety_checker": False}
    pipe = cls.from_pretrained(str(path), **extra)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def failure(request, cache=None) -> Failed:
    """The Failed event a request ends with (the test fails if it renders)."""
    events: list = []
    assert run(request, events.append, cache=cache) is None
    assert isinstance(events[-1], Failed), events[-1]
    return events[-1]


def spy_controlnet_images(monkeypatch) -> list:
    """From now on in the test, every ControlNet evaluation's control image (a float copy)
    is appended to the returned list."""
    from diffusers import ControlNetModel

    seen: list = []
    forward = ControlNetModel.forward

    def spy(self, *args, **kwargs):
        seen.append(kwargs["controlnet_cond"].detach().float().clone())
        return forward(self, *args, **kwargs)

    monkeypatch.setattr(ControlNetModel, "forward", spy)
    return seen
