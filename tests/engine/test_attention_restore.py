"""A job's attention processors never outlive it: after a regional job whose guides share one
ControlNet, the next job renders exactly as it would in a fresh process."""

from __future__ import annotations

import numpy as np

from f1studio.engine.models import ModelCache
from f1studio.engine.request import ControlKind, ControlSpec, GenerationRequest, Pixels, RegionSpec
from tests.engine.helpers import render

SIZE = 64


def _lines(horizontal: bool) -> np.ndarray:
    guide = np.zeros((SIZE, SIZE), np.uint8)
    if horizontal:
        guide[20:23, :] = 255
    else:
        guide[:, 40:43] = 255
    return guide


def _regions() -> tuple[RegionSpec, ...]:
    left = np.zeros((SIZE, SIZE), np.uint8)
    left[:, : SIZE // 2] = 255
    return (RegionSpec(Pixels.of(left), "a red car"), RegionSpec(Pixels.of(255 - left), "sky"))


def _shared_guides(controlnet: str) -> tuple[ControlSpec, ...]:
    """An edge and a depth guide driven by the same ControlNet (a union model on FLUX.1)."""
    return (
        ControlSpec(ControlKind.EDGE, Pixels.of(_lines(True)), controlnet, 0.9),
        ControlSpec(ControlKind.DEPTH, Pixels.of(_lines(False)), controlnet, 0.7),
    )


def _after_a_regional_job_equals_a_fresh_cache(
    pipeline: str, controlnet: str, **family_settings: object
) -> None:
    """A job with regions and two guides on ``controlnet``, then the same job without regions:
    it must equal that plain job rendered in a fresh cache."""
    plain = GenerationRequest(
        prompt="a photo",
        width=SIZE,
        height=SIZE,
        model=pipeline,
        steps=3,
        seed=5,
        device="cpu",
        controls=_shared_guides(controlnet),
        **family_settings,
    )
    cache = ModelCache()  # its own cache: the job after the regional one must be its next
    render(plain.with_changes(regions=_regions()), cache)
    reused = render(plain, cache)[0]
    fresh = render(plain, ModelCache())[0]
    assert np.array_equal(reused, fresh)


def test_flux_union_controlnet_shared_by_two_guides_is_restored(tiny_flux):
    _after_a_regional_job_equals_a_fresh_cache(
        str(tiny_flux["pipeline"]),
        str(tiny_flux["controlnet-union"]),
        guidance_scale=3.5,
        scheduler="flow-euler",
    )


def test_sd15_controlnet_shared_by_two_guides_is_restored(tiny_models):
    _after_a_regional_job_equals_a_fresh_cache(
        str(tiny_models["pipeline"]), str(tiny_models["controlnet-edge"])
    )
