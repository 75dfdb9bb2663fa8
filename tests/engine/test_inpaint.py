"""Inpaint regenerates only under the mask; everything outside stays bit-identical."""

from __future__ import annotations

import numpy as np
from PIL import Image

from f1studio.engine.inpaint import composite_inpaint, feather_inward
from f1studio.engine.request import GenerationRequest, InpaintSpec, Pixels
from tests.engine.helpers import render, spy_controlnet_images

SIZE = 128


def _photo():
    from skimage.data import coffee

    return np.asarray(Image.fromarray(coffee()).resize((SIZE, SIZE)))


def _request(models, mask, strength=1.0, feather=6):
    return GenerationRequest(
        "a red flower",
        SIZE,
        SIZE,
        model=str(models["pipeline"]),
        steps=8,
        seed=2,
        device="cpu",
        init_image=Pixels.of(_photo()),
        inpaint=InpaintSpec(Pixels.of(mask), strength, feather),
    )


def test_pixels_outside_the_mask_are_unchanged(tiny_models, engine_cache):
    mask = np.zeros((SIZE, SIZE), np.uint8)
    mask[32:96, 40:100] = 255
    out = render(_request(tiny_models, mask), engine_cache)[0]
    photo = _photo()
    outside = mask == 0
    assert np.array_equal(out[outside], photo[outside])
    inside = mask == 255
    assert np.abs(out[inside].astype(int) - photo[inside]).mean() > 10


def test_partial_strength_inpaint_keeps_outside_and_changes_less(tiny_models, engine_cache):
    mask = np.zeros((SIZE, SIZE), np.uint8)
    mask[20:70, 20:70] = 255
    photo = _photo().astype(int)
    strong = render(_request(tiny_models, mask, 1.0), engine_cache)[0]
    weak = render(_request(tiny_models, mask, 0.3), engine_cache)[0]
    assert np.array_equal(weak[mask == 0], photo[mask == 0])
    inside = mask == 255
    assert (
        np.abs(weak[inside] - photo[inside]).mean() < np.abs(strong[inside] - photo[inside]).mean()
    )


def test_feather_softens_inward_only():
    mask = np.zeros((40, 40), np.uint8)
    mask[10:30, 10:30] = 255
    soft = feather_inward(mask, 5)
    assert soft[mask == 0].max() == 0.0
    assert soft[20, 20] == 1.0 and 0.0 < soft[10, 20] < 1.0
    original = np.full((40, 40, 3), 50, np.uint8)
    generated = np.full((40, 40, 3), 200, np.uint8)
    out = composite_inpaint(original, generated, soft)
    assert np.array_equal(out[mask == 0], original[mask == 0])
    assert out[20, 20, 0] == 200


def test_inpaint_condition_blanks_the_hole_as_controlnet_1_1_expects():
    """diffusers' make_inpaint_condition: the picture 0..1, masked pixels at -1."""
    from f1studio.engine.inpaint import inpaint_condition

    photo = _photo()
    mask = np.zeros((SIZE, SIZE), np.uint8)
    mask[10:30, 50:90] = 255
    mask[40, 40] = 100  # not painted enough to count
    cond = inpaint_condition(photo, mask)
    assert cond.dtype == np.float32 and cond.shape == (SIZE, SIZE, 3)
    assert (cond[mask > 127] == -1.0).all()
    keep = mask <= 127
    assert np.array_equal(cond[keep], photo[keep].astype(np.float32) / 255.0)
    assert np.array_equal(inpaint_condition(photo, mask > 127), cond)


def test_inpaint_controlnet_sees_the_hole_and_changes_only_inside(
    tiny_models, engine_cache, monkeypatch
):
    """With an inpaint ControlNet the render reads the canvas with the mask at -1; pixels
    outside the mask still come back bit-identical, and the ControlNet changes the inside."""
    from dataclasses import replace

    from f1studio.engine.inpaint import inpaint_condition

    mask = np.zeros((SIZE, SIZE), np.uint8)
    mask[32:96, 40:100] = 255
    plain_request = _request(tiny_models, mask, feather=0)
    net = str(tiny_models["controlnet-edge"])  # any SD1.5 ControlNet reads the same input
    request = replace(plain_request, inpaint=replace(plain_request.inpaint, controlnet=net))
    seen = spy_controlnet_images(monkeypatch)
    plain = render(plain_request, engine_cache)[0]
    assert not seen  # no ControlNet without one in the request
    out = render(request, engine_cache)[0]
    assert len(seen) == request.steps
    wanted = inpaint_condition(_photo(), mask).transpose(2, 0, 1)
    for cond in seen[0]:  # the negative and positive halves of the batch
        assert np.allclose(cond.numpy(), wanted, atol=1e-6)
    photo = _photo()
    outside = mask == 0
    assert np.array_equal(out[outside], photo[outside])
    assert np.abs(out[~outside].astype(int) - plain[~outside]).mean() > 1


def test_an_inpaint_controlnet_of_another_family_is_refused_plainly(
    tiny_models, tiny_sdxl, engine_cache
):
    from dataclasses import replace

    from f1studio.engine.events import Failed
    from f1studio.engine.runner import run

    mask = np.zeros((SIZE, SIZE), np.uint8)
    mask[32:96, 40:100] = 255
    request = _request(tiny_models, mask)
    wrong = str(tiny_sdxl["controlnet-edge"])
    request = replace(request, inpaint=replace(request.inpaint, controlnet=wrong))
    events = []
    assert run(request, events.append, cache=engine_cache) is None
    failed = [e for e in events if isinstance(e, Failed)]
    assert failed and "inpaint" in failed[0].message
    assert render(_request(tiny_models, mask), engine_cache)  # still usable afterwards


def test_flux_refuses_an_inpaint_controlnet_plainly(tiny_flux, tiny_models, engine_cache):
    from f1studio.engine.events import Failed
    from f1studio.engine.runner import run

    mask = np.zeros((SIZE, SIZE), np.uint8)
    mask[32:96, 40:100] = 255
    from dataclasses import replace

    net = str(tiny_models["controlnet-edge"])
    request = replace(
        _request(tiny_models, mask),
        model=str(tiny_flux["pipeline"]),
        steps=2,
        inpaint=InpaintSpec(Pixels.of(mask), controlnet=net),
    )
    events = []
    assert run(request, events.append, cache=engine_cache) is None
    failed = [e for e in events if isinstance(e, Failed)]
    assert failed and "inpaint ControlNet" in failed[0].message and "FLUX" in failed[0].message
