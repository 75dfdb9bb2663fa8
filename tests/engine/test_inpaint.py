"""Inpaint regenerates only under the mask; everything outside stays bit-identical."""

from __future__ import annotations

import numpy as np
from PIL import Image

from f1studio.engine.inpaint import composite_inpaint, feather_inward
from f1studio.engine.request import GenerationRequest, InpaintSpec, Pixels
from tests.engine.helpers import render

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
