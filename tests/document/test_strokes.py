"""Pixel strokes: one undo step each, tile-sized storage, bit-identical undo/redo."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.document.document import Document
from f1studio.document.history import TilePatch


def _noisy_doc(size: int = 256) -> tuple[Document, str]:
    doc = Document(size, size)
    rng = np.random.default_rng(0)
    layer = doc.add_layer("paint", data=rng.integers(0, 256, (size, size, 4), dtype=np.uint8))
    return doc, layer.id


def test_stroke_undo_restores_bit_identically_and_redo_reapplies() -> None:
    doc, lid = _noisy_doc()
    before = doc.layer(lid).data.copy()
    with doc.stroke(lid) as s:
        s.touch(10, 20, 90, 200)
        s.data[10:90, 20:200] = (12, 34, 56, 78)
    after = doc.layer(lid).data.copy()
    assert not np.array_equal(before, after)

    assert doc.undo()
    np.testing.assert_array_equal(doc.layer(lid).data, before)
    assert doc.redo()
    np.testing.assert_array_equal(doc.layer(lid).data, after)
    assert doc.undo() and doc.undo()  # stroke, then the layer itself
    assert doc.layers == []


def test_brush_dabs_undo_bit_identically() -> None:
    doc, lid = _noisy_doc()
    before = doc.layer(lid).data.copy()
    with doc.stroke(lid) as s:
        for i in range(20):
            s.disc(30 + i * 7, 40 + i * 5, 9.5, (200, 10, 10, 128), hardness=0.3, opacity=0.7)
    after = doc.layer(lid).data.copy()
    assert len(doc.history) == 2  # add layer + one stroke
    doc.undo()
    np.testing.assert_array_equal(doc.layer(lid).data, before)
    doc.redo()
    np.testing.assert_array_equal(doc.layer(lid).data, after)


def test_small_stroke_stores_only_changed_tiles() -> None:
    doc = Document(1024, 1024)
    lid = doc.add_layer("paint").id
    layer_bytes = doc.layer(lid).data.nbytes  # 4 MiB
    doc.paint_disc(lid, 500, 500, 10, (255, 0, 0))
    cmd = doc.history.undo_stack[-1]
    assert isinstance(cmd, TilePatch)
    assert cmd.nbytes < layer_bytes / 50
    # the disc at (500, 500) r=10 lies within the 4 tiles around (448..575)
    assert len(cmd.tiles) <= 4
    assert all(t.before.shape[:2] == (64, 64) for t in cmd.tiles)


def test_touched_but_unchanged_tiles_are_not_stored() -> None:
    doc = Document(512, 512)
    lid = doc.add_layer("paint").id
    with doc.stroke(lid) as s:
        s.touch(0, 0, 512, 512)  # announce everything ...
        s.data[5, 5] = (1, 2, 3, 4)  # ... change one pixel
    cmd = doc.history.undo_stack[-1]
    assert isinstance(cmd, TilePatch)
    assert len(cmd.tiles) == 1 and (cmd.tiles[0].y0, cmd.tiles[0].x0) == (0, 0)


def test_stroke_without_change_records_nothing() -> None:
    doc = Document(128, 128)
    lid = doc.add_layer("region").id
    rev = doc.revision
    with doc.stroke(lid) as s:
        s.touch(0, 0, 50, 50)
    doc.paint_rect(lid, 0, 0, 10, 10, 0)  # painting 0 onto an empty mask changes nothing
    assert len(doc.history) == 1 and doc.revision == rev


def test_stroke_rolls_back_on_error() -> None:
    doc, lid = _noisy_doc(128)
    before = doc.layer(lid).data.copy()
    with pytest.raises(RuntimeError, match="boom"), doc.stroke(lid) as s:
        s.touch(0, 0, 64, 64)
        s.data[0:64, 0:64] = 0
        raise RuntimeError("boom")
    np.testing.assert_array_equal(doc.layer(lid).data, before)
    assert len(doc.history) == 1


def test_history_keeps_150_steps_and_drops_the_oldest_beyond_depth() -> None:
    doc = Document(256, 256)
    lid = doc.add_layer("region").id
    for i in range(150):
        doc.paint_rect(lid, i, 0, i + 1, 10, 255)
    assert len(doc.history) == 151
    undone = 0
    while doc.undo():
        undone += 1
    assert undone == 151 and doc.layers == []

    small = Document(64, 64, history_depth=100)
    mid = small.add_layer("region").id
    for i in range(120):
        small.paint_rect(mid, i % 64, 0, i % 64 + 1, 1, (i * 2) % 256)
    assert len(small.history) == 100


def test_new_edit_clears_redo() -> None:
    doc = Document(64, 64)
    lid = doc.add_layer("region").id
    doc.paint_rect(lid, 0, 0, 8, 8, 255)
    doc.undo()
    assert doc.can_redo
    doc.paint_rect(lid, 8, 8, 16, 16, 255)
    assert not doc.can_redo and not doc.redo()


def test_locked_layer_refuses_pixels_and_properties_until_unlocked() -> None:
    doc = Document(64, 64)
    lid = doc.add_layer("paint", locked=True).id
    with pytest.raises(ValueError, match="locked"):
        doc.paint_disc(lid, 10, 10, 3, (0, 0, 0))
    with pytest.raises(ValueError, match="locked"), doc.stroke(lid):
        pass
    with pytest.raises(ValueError, match="locked"):
        doc.replace_pixels(lid, np.full((64, 64, 4), 9, np.uint8))
    with pytest.raises(ValueError, match="locked"):
        doc.set_layer_property(lid, "opacity", 0.5)
    assert not doc.layer(lid).data.any()
    doc.set_layer_property(lid, "locked", False)
    doc.paint_disc(lid, 10, 10, 3, (0, 0, 0))
    assert doc.layer(lid).data[10, 10, 3] == 255


def test_paint_values_blend_as_documented() -> None:
    doc = Document(64, 64)
    paint = doc.add_layer("paint").id
    doc.paint_rect(paint, 0, 0, 8, 8, (255, 0, 0, 255))
    doc.paint_rect(paint, 0, 0, 8, 8, (0, 0, 255), opacity=0.5)
    np.testing.assert_array_equal(doc.layer(paint).data[4, 4], [128, 0, 128, 255])
    doc.paint_disc(paint, 30, 30, 5, (0, 255, 0, 255))
    px = doc.layer(paint).data
    assert tuple(px[30, 30]) == (0, 255, 0, 255) and px[30, 40, 3] == 0

    mask = doc.add_layer("inpaint").id
    doc.paint_disc(mask, 20, 20, 6, 255, hardness=0.0)
    m = doc.layer(mask).data
    assert m[20, 20] == 255 and 0 < m[20, 24] < 255 and m[20, 27] == 0
    doc.paint_rect(mask, 0, 0, 64, 64, 0, opacity=0.5)
    assert doc.layer(mask).data[20, 20] == 128

    with pytest.raises(ValueError, match="RGB"):
        doc.paint_rect(paint, 0, 0, 4, 4, 255)
    with pytest.raises(ValueError, match="0..255"):
        doc.paint_rect(mask, 0, 0, 4, 4, 300)
    with pytest.raises(ValueError, match="radius"):
        doc.paint_disc(mask, 0, 0, 0, 255)


def test_eraser_and_open_stroke_across_events() -> None:
    doc = Document(64, 64)
    lid = doc.add_layer("paint").id
    doc.paint_rect(lid, 0, 0, 64, 64, (10, 20, 30))
    s = doc.begin_stroke(lid, "Erase")
    with pytest.raises(RuntimeError):
        doc.undo()  # not while a stroke is open
    s.disc(32, 32, 4, erase=True)
    s.disc(32, 36, 4, erase=True)
    assert doc.end_stroke(s)
    assert doc.layer(lid).data[32, 34, 3] == 0 and doc.history.undo_label == "Erase"
    doc.undo()
    assert doc.layer(lid).data[32, 34, 3] == 255


def test_replace_pixels_stores_only_changed_rect() -> None:
    doc = Document(512, 512)
    lid = doc.add_layer("depth").id
    new = doc.layer(lid).data.copy()
    new[100:110, 200:230] = 77
    doc.replace_pixels(lid, new)
    cmd = doc.history.undo_stack[-1]
    assert isinstance(cmd, TilePatch) and cmd.tiles[0].before.shape == (10, 30)
    doc.undo()
    assert not doc.layer(lid).data.any()
    doc.redo()
    np.testing.assert_array_equal(doc.layer(lid).data, new)
    with pytest.raises(ValueError, match="must be uint8"):
        doc.replace_pixels(lid, np.zeros((256, 256), np.uint8))


def test_touch_clips_to_the_canvas_and_accepts_fractions() -> None:
    doc = Document(128, 128)
    lid = doc.add_layer("edge").id
    with doc.stroke(lid) as s:
        s.touch(-20.5, 100.2, 10.5, 400)  # partly outside: clipped, not an error
        s.data[0:11, 100:128] = 255
        s.touch(500, 500, 600, 600)  # fully outside: ignored
    doc.paint_disc(lid, -3, -3, 5, 255)  # dab hanging over the corner
    assert doc.layer(lid).data[0, 0] == 255
    doc.undo()
    doc.undo()
    assert not doc.layer(lid).data.any()


def test_history_byte_budget_drops_oldest_but_keeps_newest() -> None:
    doc = Document(256, 256, history_max_bytes=300_000)
    lid = doc.add_layer("paint").id  # 256 KiB held by the "add layer" step
    rng = np.random.default_rng(3)
    for _ in range(3):
        doc.replace_pixels(lid, rng.integers(0, 256, (256, 256, 4), dtype=np.uint8))
    assert len(doc.history) == 1  # each full replace holds 512 KiB (before + after)
    assert doc.undo() and not doc.undo()
