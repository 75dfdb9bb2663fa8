"""Moving and scaling a layer's content: exact pixels per layer kind, clipping, one undo step."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.document.document import Document
from f1studio.document.layers import LayerKind
from f1studio.document.transform import (
    content_box,
    move_layer_content,
    transform_layer,
    transformed,
)

RED = (255, 0, 0, 255)


@pytest.fixture
def doc() -> Document:
    return Document(96, 64)


def test_a_red_square_moved_lands_exactly_there(doc: Document) -> None:
    layer = doc.add_layer(LayerKind.PAINT, name="Sketch")
    doc.paint_rect(layer.id, 20, 10, 30, 20, RED)
    before = layer.data.copy()

    assert move_layer_content(doc, layer.id, 7, -3)

    expected = np.zeros_like(before)
    expected[17:27, 17:27] = RED
    np.testing.assert_array_equal(layer.data, expected)
    assert content_box(layer) == (17, 17, 27, 27)
    assert doc.history.labels[-1] == "Move Sketch"
    assert doc.undo()
    np.testing.assert_array_equal(layer.data, before)
    assert doc.redo()
    np.testing.assert_array_equal(layer.data, expected)


def test_a_move_keeps_soft_edges_and_colours_bit_for_bit(doc: Document) -> None:
    layer = doc.add_layer(LayerKind.REFERENCE)
    doc.paint_disc(layer.id, 20, 20, 8, (10, 200, 90, 180), hardness=0.3)
    original = layer.data.copy()

    move_layer_content(doc, layer.id, -5, 11)

    expected = np.zeros_like(original)
    expected[11:, :-5] = original[:-11, 5:]
    np.testing.assert_array_equal(layer.data, expected)


@pytest.mark.parametrize("kind", [LayerKind.REGION, LayerKind.INPAINT, LayerKind.EDGE])
def test_masks_and_edge_guides_scaled_2x_stay_binary_and_fill_the_box(
    doc: Document, kind: LayerKind
) -> None:
    layer = doc.add_layer(kind)
    doc.paint_rect(layer.id, 4, 4, 12, 10, 255)
    doc.paint_rect(layer.id, 6, 6, 8, 8, 0)  # a hole: nearest keeps it a sharp 4x4 hole

    assert transform_layer(doc, layer.id, (4, 4, 20, 16))

    assert set(np.unique(layer.data)) == {0, 255}
    expected = np.zeros_like(layer.data)
    expected[4:20, 4:16] = 255
    expected[8:12, 8:12] = 0
    np.testing.assert_array_equal(layer.data, expected)
    assert doc.history.labels[-1] == f"Scale {layer.name}"


def test_depth_values_interpolate_when_scaled(doc: Document) -> None:
    layer = doc.add_layer(LayerKind.DEPTH)
    doc.paint_rect(layer.id, 0, 0, 2, 2, 100)
    doc.paint_rect(layer.id, 0, 2, 2, 4, 200)

    transform_layer(doc, layer.id, (0, 0, 4, 8))

    row = layer.data[0, :8]
    assert row[0] == 100 and row[7] == 200
    between = set(row.tolist()) - {100, 200}
    assert between and all(100 < v < 200 for v in between)  # a ramp, not a step
    assert np.all(np.diff(row.astype(int)) >= 0)
    assert not layer.data[:, 8:].any() and not layer.data[4:].any()


def test_pictures_scale_on_premultiplied_alpha_without_dark_fringes(doc: Document) -> None:
    layer = doc.add_layer(LayerKind.PAINT)
    doc.paint_rect(layer.id, 10, 10, 20, 20, (250, 250, 250, 255))
    layer.data[10:20, 10:13] = (0, 0, 0, 0)  # transparent black next to the white

    for dst in ((10, 10, 15, 15), (10, 10, 40, 40)):  # shrink (area), enlarge (linear)
        new = transformed(layer.data, layer.kind, (10, 10, 20, 20), dst)
        seen = new[..., 3] > 0
        assert seen.any()
        assert new[..., :3][seen].min() >= 249  # straight colour stays white where seen
        assert 0 < new[..., 3][seen].min() < 255  # the edge got soft alpha


def test_content_moved_off_the_canvas_is_clipped_and_undo_brings_it_back(doc: Document) -> None:
    layer = doc.add_layer(LayerKind.REGION)
    doc.paint_rect(layer.id, 56, 82, 64, 96, 255)  # touches the bottom-right corner
    before = layer.data.copy()

    move_layer_content(doc, layer.id, 10, 4)

    expected = np.zeros_like(before)
    expected[60:64, 92:96] = 255
    np.testing.assert_array_equal(layer.data, expected)
    doc.undo()
    np.testing.assert_array_equal(layer.data, before)


def test_content_moved_wholly_off_the_canvas_leaves_an_empty_layer(doc: Document) -> None:
    layer = doc.add_layer(LayerKind.PAINT)
    doc.paint_rect(layer.id, 0, 0, 5, 5, RED)
    move_layer_content(doc, layer.id, 100, 0)
    assert content_box(layer) is None


def test_scaling_far_beyond_the_canvas_resamples_only_what_lands_on_it(doc: Document) -> None:
    layer = doc.add_layer(LayerKind.EDGE)
    doc.paint_rect(layer.id, 0, 0, 4, 4, 255)
    doc.paint_rect(layer.id, 0, 0, 2, 2, 0)
    # 4x4 -> 40000x40000: a patch that big would not fit in memory; the visible part does
    transform_layer(doc, layer.id, (-20000, -20000, 20000, 20000))
    assert layer.data.all()  # the canvas shows the centre of the (solid) lower-right part


def test_undo_stores_only_the_changed_rect(doc: Document) -> None:
    big = Document(1024, 1024)
    layer = big.add_layer(LayerKind.PAINT)
    big.paint_rect(layer.id, 100, 100, 110, 110, RED)
    move_layer_content(big, layer.id, 3, 0)
    step = big.history.undo_stack[-1]
    assert step.nbytes < 10 * 13 * 4 * 2 + 1024


def test_locked_and_empty_layers_refuse(doc: Document) -> None:
    empty = doc.add_layer(LayerKind.PAINT, name="Blank")
    with pytest.raises(ValueError, match="nothing to move"):
        move_layer_content(doc, empty.id, 1, 1)
    locked = doc.add_layer(LayerKind.PAINT, name="Inked")
    doc.paint_rect(locked.id, 0, 0, 4, 4, RED)
    doc.set_layer_property(locked.id, "locked", True)
    steps = len(doc.history)
    with pytest.raises(ValueError, match="locked"):
        move_layer_content(doc, locked.id, 1, 1)
    assert len(doc.history) == steps


def test_a_zero_move_records_nothing(doc: Document) -> None:
    layer = doc.add_layer(LayerKind.PAINT)
    doc.paint_rect(layer.id, 0, 0, 4, 4, RED)
    steps = len(doc.history)
    assert not move_layer_content(doc, layer.id, 0, 0)
    assert len(doc.history) == steps


def test_an_opaque_picture_enlarged_interpolates_and_stays_opaque(doc: Document) -> None:
    layer = doc.add_layer(LayerKind.REFERENCE)
    layer.data[0:2, 0:2] = [[(0, 0, 0, 255), (200, 100, 0, 255)]] * 2
    new = transformed(layer.data, layer.kind, (0, 0, 2, 2), (0, 0, 2, 8))
    assert (new[0:2, 0:8, 3] == 255).all() and not new[:, 8:].any()
    reds = new[0, 0:8, 0].astype(int)
    assert reds[0] == 0 and reds[-1] == 200 and np.all(np.diff(reds) >= 0)
    assert len(set(reds.tolist())) > 2  # a ramp between the two colours
