"""What the FLUX.1 reference tests share (Redux and the XLabs IP-Adapter): the request on the
tiny FLUX.1 with an adapter, the photo, the left-half mask and the changes a reference makes."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.engine.request import GenerationRequest, Pixels, ReferenceSpec
from tests.engine.helpers import render

SIZE = 128  # 8x8 image tokens
TEXT = 64  # the tiny T5 tokenizer's length
PROMPT = "a red car on a street"


def coffee_photo() -> np.ndarray:
    skimage = pytest.importorskip("skimage")
    return np.ascontiguousarray(skimage.data.coffee()[::4, ::4])


def flux_request(tiny_flux, adapter, *refs: ReferenceSpec, **kw) -> GenerationRequest:
    base = dict(
        width=SIZE, height=SIZE, model=str(tiny_flux["pipeline"]), steps=6, seed=7,
        device="cpu", guidance_scale=3.5, scheduler="flow-euler", references=refs,
        ip_adapter=str(adapter),
    )  # fmt: skip
    return GenerationRequest(**{"prompt": PROMPT, **base, **kw})


def left_half() -> Pixels:
    mask = np.zeros((SIZE, SIZE), np.uint8)
    mask[:, : SIZE // 2] = 255
    return Pixels.of(mask)


def range_changes(tiny_flux, adapter, cache, plain: np.ndarray) -> tuple[float, float, float]:
    """Mean change against ``plain`` of a reference active throughout, only on the last third
    of the steps, and at weight 0.3."""
    picture = Pixels.of(coffee_photo())

    def change(**ref) -> float:
        request = flux_request(tiny_flux, adapter, ReferenceSpec(picture, **ref))
        return float(np.abs(render(request, cache)[0].astype(int) - plain.astype(int)).mean())

    return change(), change(start=0.67), change(weight=0.3)


def region_limit_changes(tiny_flux, adapter, cache) -> tuple[float, float]:
    """Mean change inside and outside (16 px from the border) of a reference limited to the
    left half."""
    picture = Pixels.of(coffee_photo())
    plain = render(flux_request(tiny_flux, adapter), cache)[0].astype(int)
    limited = render(
        flux_request(tiny_flux, adapter, ReferenceSpec(picture, mask=left_half())), cache
    )[0].astype(int)
    change = np.abs(limited - plain).mean(axis=2)
    return change[:, : SIZE // 2 - 16].mean(), change[:, SIZE // 2 + 16 :].mean()


def whole_canvas_and_unlimited(tiny_flux, adapter, cache) -> tuple[np.ndarray, np.ndarray]:
    """A reference limited to the whole canvas and the same reference unlimited."""
    picture = Pixels.of(coffee_photo())
    whole = Pixels.of(np.full((SIZE, SIZE), 255, np.uint8))
    everywhere = render(flux_request(tiny_flux, adapter, ReferenceSpec(picture, mask=whole)), cache)
    unlimited = render(flux_request(tiny_flux, adapter, ReferenceSpec(picture)), cache)
    return everywhere[0], unlimited[0]
