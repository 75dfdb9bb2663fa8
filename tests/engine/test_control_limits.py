"""Guides limited to a region and control modes (balance): where the ControlNet acts, and
AUTOMATIC1111's mode semantics written out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.engine.request import ControlKind, ControlSpec, GenerationRequest, Pixels
from tests.engine.helpers import max_diff, render

torch = pytest.importorskip("torch")

SIZE = 64


def edges() -> np.ndarray:
    image = np.zeros((SIZE, SIZE), np.uint8)
    image[20:24] = 255
    image[:, 40:43] = 255
    return image


def left_half() -> np.ndarray:
    mask = np.zeros((SIZE, SIZE), np.uint8)
    mask[:, : SIZE // 2] = 255
    return mask


def request(models, **control) -> GenerationRequest:
    spec = ControlSpec(
        ControlKind.EDGE, Pixels.of(edges()), str(models["controlnet-edge"]), **control
    )
    return GenerationRequest(
        "a cat", width=SIZE, height=SIZE, model=str(models["pipeline"]), steps=4, seed=3,
        device="cpu", controls=(spec,),
    )  # fmt: skip


def test_a_region_over_the_whole_canvas_and_balanced_change_nothing(tiny_models, engine_cache):
    plain = render(request(tiny_models), engine_cache)[0]
    whole = np.full((SIZE, SIZE), 255, np.uint8)
    limited = render(request(tiny_models, mask=Pixels.of(whole), balance=0.0), engine_cache)[0]
    assert max_diff(plain, limited) == 0


def test_the_residuals_of_a_limited_guide_are_zero_outside_its_region(tiny_models, engine_cache):
    from f1studio.engine.families.unet_parts import Control

    spec = request(tiny_models, mask=Pixels.of(left_half())).controls[0]
    residuals = [torch.ones(2, 4, n, n) for n in (8, 8, 4, 2)]
    control = Control(spec, model=None, image=None)
    out = control.weighted(residuals, cfg=True)
    for r in out:
        half = r.shape[-1] // 2
        assert torch.all(r[..., :half] == 1) and torch.all(r[..., half:] == 0)


def test_mode_scales_follow_automatic1111_written_out_by_hand() -> None:
    spec = ControlSpec(ControlKind.EDGE, Pixels.of(edges()))
    # "prompt is more important" (soft injection): 0.825 ** (12 - i) over SD1.5's 13 residuals
    prompt = ControlSpec(ControlKind.EDGE, Pixels.of(edges()), balance=-1.0)
    scales, uncond = prompt.residual_scales(13)
    expected = [
        0.09941, 0.1205, 0.14606, 0.17705, 0.21461, 0.26012, 0.31531, 0.38219, 0.46325,
        0.56152, 0.68062, 0.825, 1.0,
    ]  # fmt: skip
    assert scales[-1] == 1.0 and scales[-2] == pytest.approx(0.825)
    assert scales == pytest.approx(expected, abs=1e-4) and uncond == 1.0
    # "guide is more important" (soft + cfg injection): the same fading, no residual on the
    # unconditional half of the batch
    guide = ControlSpec(ControlKind.EDGE, Pixels.of(edges()), balance=1.0)
    scales, uncond = guide.residual_scales(13)
    assert scales == pytest.approx(expected, abs=1e-4) and uncond == 0.0
    # balanced: everything 1
    assert spec.residual_scales(13) == ([1.0] * 13, 1.0)


def test_guide_is_more_important_drops_the_residuals_of_the_negative_half() -> None:
    from f1studio.engine.families.unet_parts import Control

    spec = ControlSpec(ControlKind.EDGE, Pixels.of(edges()), balance=1.0)
    residuals = [torch.ones(2, 3, 4, 4) for _ in range(13)]
    out = Control(spec, model=None, image=None).weighted(residuals, cfg=True)
    for i, r in enumerate(out):
        assert torch.all(r[0] == 0)  # [negative, positive]
        assert torch.allclose(r[1], torch.full_like(r[1], 0.825 ** (12 - i)))


def test_without_a_negative_half_a_guide_leaning_toward_itself_keeps_its_weight() -> None:
    """Guidance 1 (no classifier-free guidance: the few-step LoRA's live renders) has no
    negative half to leave the guide out of: toward the guide the residuals stay as they are
    (fading them alone would follow the guide less than balanced); toward the prompt they
    still fade, and a region still limits them."""
    from f1studio.engine.families.unet_parts import Control

    residuals = [torch.ones(1, 3, 4, 4) for _ in range(13)]
    for balance in (0.5, 1.0):
        spec = ControlSpec(ControlKind.EDGE, Pixels.of(edges()), balance=balance)
        out = Control(spec, model=None, image=None).weighted(residuals, cfg=False)
        assert all(torch.all(r == 1) for r in out)
    prompt = ControlSpec(ControlKind.EDGE, Pixels.of(edges()), balance=-1.0)
    out = Control(prompt, model=None, image=None).weighted(residuals, cfg=False)
    assert float(out[0].max()) == pytest.approx(0.825**12) and torch.all(out[-1] == 1)
    left = np.zeros((64, 64), np.uint8)
    left[:, :32] = 255
    limited = ControlSpec(ControlKind.EDGE, Pixels.of(edges()), balance=1.0, mask=Pixels.of(left))
    out = Control(limited, model=None, image=None).weighted(residuals, cfg=False)
    assert torch.all(out[0][..., :2] == 1) and torch.all(out[0][..., 2:] == 0)


def test_balance_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="balance"):
        GenerationRequest(
            "x", width=64, height=64,
            controls=(ControlSpec(ControlKind.EDGE, Pixels.of(edges()), balance=2.0),),
        )  # fmt: skip


def test_flux_guides_are_limited_per_token() -> None:
    from f1studio.engine.families.flux_parts import Canvas, Control, token_region

    canvas = Canvas(SIZE, SIZE, None, None, (), ())
    region = token_region(left_half(), canvas, "cpu")
    assert region.shape == (1, (SIZE // 16) ** 2, 1)
    grid = region.reshape(SIZE // 16, SIZE // 16)
    assert torch.all(grid[:, :2] == 1) and torch.all(grid[:, 2:] == 0)
    spec = ControlSpec(ControlKind.EDGE, Pixels.of(edges()), mask=Pixels.of(left_half()))
    control = Control(spec, None, None, None, region)
    (out,) = control.weighted([torch.ones(1, 16, 8)])
    assert torch.all(out.reshape(4, 4, 8)[:, :2] == 1) and torch.all(
        out.reshape(4, 4, 8)[:, 2:] == 0
    )
    whole = Control(
        spec, None, None, None, token_region(np.full((SIZE, SIZE), 255, np.uint8), canvas, "cpu")
    )
    ones = [torch.ones(1, 16, 8)]
    assert torch.equal(whole.weighted(ones)[0], ones[0])


def test_a_constant_curve_of_one_equals_no_curve(tiny_models, engine_cache) -> None:
    plain = render(request(tiny_models), engine_cache)[0]
    flat = render(request(tiny_models, curve=(1.0, 1.0, 1.0)), engine_cache)[0]
    assert max_diff(plain, flat) == 0
