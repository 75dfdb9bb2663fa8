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


def test_each_guide_image_is_encoded_once_a_job_and_the_encoder_comes_back(tiny_models):
    """Two guides on one ControlNet: its hint encoder runs once per guide image in a job (the
    images do not change between steps), and after the job the model has its own encoder
    again (a later job with other images encodes those)."""
    import torch

    cache = ModelCache()
    request = GenerationRequest(
        prompt="a photo",
        width=SIZE,
        height=SIZE,
        model=str(tiny_models["pipeline"]),
        steps=4,
        seed=5,
        device="cpu",
        controls=_shared_guides(str(tiny_models["controlnet-edge"])),
    )
    first = render(request, cache)[0]
    (net,) = cache._controlnets.values()
    encoder = net.controlnet_cond_embedding
    assert isinstance(encoder, torch.nn.Module)
    assert net._modules["controlnet_cond_embedding"] is encoder
    calls: list[int] = []
    handle = encoder.register_forward_hook(lambda *_: calls.append(1))
    try:
        again = render(request, cache)[0]
    finally:
        handle.remove()
    assert len(calls) == 2  # two guides, four steps: each image encoded once
    assert np.array_equal(first, again)
    assert net.controlnet_cond_embedding is encoder
