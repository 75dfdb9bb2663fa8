"""Curves, region limits and control modes on SDXL and FLUX.1, end to end: the identities the
layered-control panel promises (a region over the whole canvas, Balanced, a constant curve of 1
change nothing) and that each setting really acts."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.engine.request import ControlKind, ControlSpec, GenerationRequest, Pixels
from tests.engine.helpers import max_diff, render

pytest.importorskip("torch")

pytestmark = pytest.mark.slow

SIZE = 64


def _edges() -> np.ndarray:
    image = np.zeros((SIZE, SIZE), np.uint8)
    image[18:22] = 255
    image[:, 40:43] = 255
    return image


def _left_half() -> np.ndarray:
    mask = np.zeros((SIZE, SIZE), np.uint8)
    mask[:, : SIZE // 2] = 255
    return mask


def _request(models, family: str, **control) -> GenerationRequest:
    spec = ControlSpec(
        ControlKind.EDGE, Pixels.of(_edges()), str(models["controlnet-edge"]), **control
    )
    extra = {"scheduler": "flow-euler", "guidance_scale": 3.5} if family == "flux" else {}
    return GenerationRequest(
        "a red car", width=SIZE, height=SIZE, model=str(models["pipeline"]), steps=4, seed=5,
        device="cpu", controls=(spec,), **extra,
    )  # fmt: skip


@pytest.fixture(params=["sdxl", "flux"])
def family_models(request) -> tuple[str, dict]:
    return request.param, request.getfixturevalue(f"tiny_{request.param}")


def test_whole_canvas_region_balanced_and_flat_curve_equal_the_plain_guide(
    family_models, engine_cache
) -> None:
    family, models = family_models
    plain = render(_request(models, family), engine_cache)[0]
    whole = Pixels.of(np.full((SIZE, SIZE), 255, np.uint8))
    same = _request(models, family, mask=whole, balance=0.0, curve=(1.0, 1.0, 1.0))
    assert max_diff(plain, render(same, engine_cache)[0]) == 0


def test_region_limit_curve_and_mode_each_change_the_render(family_models, engine_cache) -> None:
    family, models = family_models
    plain = render(_request(models, family), engine_cache)[0]
    limited = render(_request(models, family, mask=Pixels.of(_left_half())), engine_cache)[0]
    fading = render(_request(models, family, curve=(2.0, 0.0)), engine_cache)[0]
    guide_first = render(_request(models, family, balance=1.0), engine_cache)[0]
    for other in (limited, fading, guide_first):
        assert max_diff(plain, other) > 2
    if family == "sdxl":  # the tiny FLUX ControlNet has one block of each kind: nothing fades
        prompt_first = render(_request(models, family, balance=-1.0), engine_cache)[0]
        assert max_diff(plain, prompt_first) > 2 and max_diff(prompt_first, guide_first) > 2


def test_flux_guide_mode_grows_the_residuals_and_prompt_mode_fades_them() -> None:
    import torch

    from f1studio.engine.families.flux_parts import Control

    def scaled(balance: float) -> list[float]:
        spec = ControlSpec(ControlKind.EDGE, Pixels.of(_edges()), balance=balance)
        ones = [torch.ones(1, 4, 2) for _ in range(3)]
        return [float(r[0, 0, 0]) for r in Control(spec, None, None, None).weighted(ones)]

    assert scaled(1.0) == [2.0, 2.0, 2.0] and scaled(0.5) == [1.5, 1.5, 1.5]
    assert scaled(-1.0) == pytest.approx([0.825**2, 0.825, 1.0])
    assert scaled(0.0) == [1.0, 1.0, 1.0]
