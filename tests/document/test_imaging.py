"""Compositing and mask math."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.document import imaging
from f1studio.document.document import Document
from f1studio.document.layers import Layer, LayerKind


def _paint(rgba: tuple[int, int, int, int], opacity: float = 1.0, visible: bool = True) -> Layer:
    data = np.empty((8, 8, 4), np.uint8)
    data[:] = rgba
    return Layer(LayerKind.PAINT, data, opacity=opacity, visible=visible)


def test_transparent_stack_is_pure_white() -> None:
    out = imaging.composite_over_white([_paint((10, 20, 30, 0)), _paint((0, 0, 0, 0))])
    assert out.dtype == np.uint8 and out.shape == (8, 8, 3) and (out == 255).all()
    assert (imaging.composite_over_white([], shape=(4, 6)) == 255).all()


def test_single_opaque_layer_gives_exactly_its_rgb() -> None:
    rng = np.random.default_rng(1)
    data = rng.integers(0, 256, (16, 24, 4), dtype=np.uint8)
    data[..., 3] = 255
    out = imaging.composite_over_white([Layer(LayerKind.REFERENCE, data)])
    np.testing.assert_array_equal(out, data[..., :3])


def test_alpha_and_opacity_blend_over_white_bottom_to_top() -> None:
    half_black = _paint((0, 0, 0, 255), opacity=0.5)
    assert (imaging.composite_over_white([half_black]) == 128).all()  # 127.5 rounds to 128
    assert (imaging.composite_over_white([_paint((0, 0, 0, 51))]) == 204).all()
    # order matters: the top layer wins
    red, blue = _paint((255, 0, 0, 255)), _paint((0, 0, 255, 255))
    assert tuple(imaging.composite_over_white([red, blue])[0, 0]) == (0, 0, 255)
    assert tuple(imaging.composite_over_white([blue, red])[0, 0]) == (255, 0, 0)
    # hidden layers, zero opacity and non-picture layers are ignored
    hidden = _paint((0, 0, 0, 255), visible=False)
    clear = _paint((0, 0, 0, 255), opacity=0.0)
    mask = Layer(LayerKind.REGION, np.full((8, 8), 255, np.uint8))
    assert (imaging.composite_over_white([red, hidden, clear, mask]) == [255, 0, 0]).all()


def test_document_visible_canvas() -> None:
    doc = Document(64, 64)
    assert (doc.visible_canvas() == 255).all()
    lid = doc.add_layer("paint").id
    doc.paint_rect(lid, 0, 0, 32, 64, (0, 100, 0))
    canvas = doc.visible_canvas()
    assert tuple(canvas[10, 10]) == (0, 100, 0) and tuple(canvas[40, 10]) == (255, 255, 255)


def test_feather_never_touches_outside_and_ramps_inward() -> None:
    mask = np.zeros((128, 128), np.uint8)
    mask[32:96, 32:96] = 255
    mask[0:10, 100:110] = 100  # below threshold: outside
    soft = imaging.feather_mask(mask, 8)
    assert soft.dtype == np.float32
    assert (soft[mask <= 127] == 0.0).all()
    assert soft[64, 64] == 1.0 and soft[32 + 8, 64] == 1.0
    assert 0.0 < soft[32, 64] < 0.2  # edge pixel
    row = soft[64, 32:40]
    assert (np.diff(row) > 0).all()  # strictly rising into the mask
    hard = imaging.feather_mask(mask, 0)
    assert set(np.unique(hard)) == {0.0, 1.0} and hard.sum() == 64 * 64


def test_feather_ignores_canvas_border_and_empty_masks() -> None:
    full = np.full((32, 32), 255, np.uint8)
    assert (imaging.feather_mask(full, 16) == 1.0).all()
    assert (imaging.feather_mask(np.zeros((32, 32), np.uint8), 4) == 0).all()
    with pytest.raises(ValueError, match="radius"):
        imaging.feather_mask(full, -1)


def test_combine_masks_is_a_union() -> None:
    a = np.zeros((4, 4), np.uint8)
    b = a.copy()
    a[0, 0], b[0, 0], b[3, 3] = 200, 100, 50
    out = imaging.combine_masks([a, b])
    assert (out[0, 0], out[3, 3], out.sum()) == (200, 50, 250)
    assert a[0, 0] == 200 and b[0, 0] == 100  # inputs untouched
    with pytest.raises(ValueError, match="at least one"):
        imaging.combine_masks([])
    with pytest.raises(ValueError, match="shapes"):
        imaging.combine_masks([a, np.zeros((2, 2), np.uint8)])


def test_to_rgba_and_to_gray() -> None:
    gray = np.array([[0, 128]], np.uint8)
    assert imaging.to_rgba(gray).tolist() == [[[0, 0, 0, 255], [128, 128, 128, 255]]]
    rgb = np.array([[[255, 0, 0]]], np.uint8)
    assert imaging.to_rgba(rgb).tolist() == [[[255, 0, 0, 255]]]
    assert imaging.to_rgba(np.ones((1, 1, 3), np.float32)).tolist() == [[[255, 255, 255, 255]]]
    assert imaging.to_gray(rgb).tolist() == [[76]]
    with pytest.raises(ValueError, match="gray, RGB or RGBA"):
        imaging.to_rgba(np.zeros((2, 2, 2), np.uint8))


def test_blend_over_straight_alpha() -> None:
    dst = np.zeros((1, 2, 4), np.uint8)
    imaging.blend_over(dst, (200, 100, 0, 255), np.array([[0.5, 0.0]], np.float32))
    # half-covered transparent pixel keeps the colour with half alpha; uncovered stays as is
    assert dst.tolist() == [[[200, 100, 0, 128], [0, 0, 0, 0]]]
