"""Document.resize_canvas: every layer scaled, one undo step, exact pixels back on undo."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.document.build import build_request
from f1studio.document.changes import Change, ChangeKind
from f1studio.document.document import Document
from f1studio.document.layers import LayerKind


def _scene() -> tuple[Document, dict[str, str]]:
    doc = Document(128, 96, prompt="a boat")
    ids = {kind.value: doc.add_layer(kind).id for kind in LayerKind}
    doc.paint_rect(ids["paint"], 0, 0, 96, 64, (200, 30, 10))
    doc.paint_rect(ids["reference"], 10, 10, 50, 120, (5, 100, 250))
    doc.paint_rect(ids["region"], 20, 20, 70, 90, 255)
    doc.set_layer_property(ids["region"], "prompt", "red boat")
    doc.paint_rect(ids["edge"], 40, 0, 41, 128, 255)
    depth = np.tile(np.linspace(0, 255, 128).astype(np.uint8), (96, 1))
    doc.replace_pixels(ids["depth"], depth)
    doc.paint_rect(ids["inpaint"], 0, 0, 32, 32, 255)
    return doc, ids


def test_every_layer_is_scaled_in_one_undo_step_and_undo_is_exact() -> None:
    doc, ids = _scene()
    originals = {layer.id: layer.data.copy() for layer in doc.layers}
    heard: list[Change] = []
    doc.subscribe(lambda _doc, change: heard.append(change))
    steps = len(doc.history)

    doc.resize_canvas(256, 64)

    assert (doc.width, doc.height) == (256, 64)
    assert heard == [Change(ChangeKind.LAYERS), Change(ChangeKind.SETTINGS)]
    assert (
        len(doc.history) == steps + 1 and doc.history.undo_label == "Resize canvas: 128×96 → 256×64"
    )
    for layer in doc.layers:
        assert layer.data.shape[:2] == (64, 256) and layer.data.dtype == np.uint8
        assert layer.data.shape[2:] == originals[layer.id].shape[2:]
    req = build_request(doc)
    assert (req.width, req.height) == (256, 64)
    assert req.regions[0].mask.shape == (64, 256)

    assert doc.undo()
    assert (doc.width, doc.height) == (128, 96)
    for layer in doc.layers:
        np.testing.assert_array_equal(layer.data, originals[layer.id])
    assert doc.redo()
    assert (doc.width, doc.height) == (256, 64)
    assert doc.layer(ids["paint"]).data.shape == (64, 256, 4)


def test_pictures_keep_colour_without_dark_fringes() -> None:
    doc = Document(128, 128)
    layer = doc.add_layer("paint")
    doc.paint_rect(layer.id, 0, 0, 128, 61, (255, 0, 0))  # the rest is fully transparent
    doc.resize_canvas(64, 64)
    data = doc.layer(layer.id).data
    seen = data[data[..., 3] > 0]
    assert (seen[:, :3] == (255, 0, 0)).all()  # the edge fades in alpha, not in colour
    assert data[10, 30, 3] in (127, 128) and data[10, 31, 3] == 0
    doc.resize_canvas(256, 256)
    data = doc.layer(layer.id).data
    assert (data[data[..., 3] > 0][:, :3] == (255, 0, 0)).all()
    assert (data[:, :100] == (255, 0, 0, 255)).all()


def test_masks_stay_crisp_and_depth_stays_smooth() -> None:
    doc, ids = _scene()
    doc.resize_canvas(200, 80)
    for kind in ("region", "inpaint", "edge"):
        assert set(np.unique(doc.layer(ids[kind]).data)) <= {0, 255}
    assert doc.layer(ids["edge"]).data.any()
    depth = doc.layer(ids["depth"]).data.astype(int)
    row = depth[40]
    assert (np.diff(row) >= 0).all() and row[0] <= 2 and row[-1] >= 253
    assert len(np.unique(row)) > 100  # interpolated, not blocky


def test_same_size_is_a_no_op_and_bad_sizes_are_refused() -> None:
    doc, _ = _scene()
    steps, rev = len(doc.history), doc.revision
    doc.resize_canvas(128, 96)
    assert (len(doc.history), doc.revision) == (steps, rev)
    for w, h in [(100, 96), (128, 4096), (0, 64)]:
        with pytest.raises(ValueError, match="multiples of 8"):
            doc.resize_canvas(w, h)
    assert (doc.width, doc.height) == (128, 96) and len(doc.history) == steps


def test_resize_during_a_stroke_is_refused() -> None:
    doc, ids = _scene()
    stroke = doc.begin_stroke(ids["paint"])
    with pytest.raises(RuntimeError, match="finish the current stroke"):
        doc.resize_canvas(64, 64)
    doc.end_stroke(stroke, cancel=True)


def test_history_around_a_resize_stays_consistent() -> None:
    doc, ids = _scene()
    before = doc.layer(ids["paint"]).data.copy()
    doc.remove_layer(ids["edge"])
    doc.resize_canvas(64, 72)
    doc.paint_rect(ids["paint"], 0, 0, 8, 8, (0, 255, 0))
    after_paint = doc.layer(ids["paint"]).data.copy()
    assert doc.undo() and doc.undo()  # paint, resize
    np.testing.assert_array_equal(doc.layer(ids["paint"]).data, before)
    assert doc.undo()  # the removed 128x96 edge guide comes back at the old size
    assert doc.layer(ids["edge"]).data.shape == (96, 128)
    assert doc.redo() and doc.redo() and doc.redo()
    np.testing.assert_array_equal(doc.layer(ids["paint"]).data, after_paint)
    assert all(layer.data.shape[:2] == (72, 64) for layer in doc.layers)
