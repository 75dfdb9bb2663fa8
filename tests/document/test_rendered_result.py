"""Which result the canvas shows exactly as it was rendered (what an export may describe)."""

from __future__ import annotations

import numpy as np

from f1studio.document.document import Document
from f1studio.document.results import ResultRecord


def _applied(doc: Document, shade: int) -> tuple[ResultRecord, str]:
    """A result added to the history and applied as a layer on top, as Apply does."""
    image = np.random.default_rng(shade).integers(0, 256, (doc.height, doc.width, 3), np.uint8)
    record = ResultRecord(image, {"prompt": "a red car", "seed": shade, "steps": 30})
    doc.results.add(record)
    rgba = np.dstack([image, np.full(image.shape[:2], 255, np.uint8)])
    layer = doc.add_layer("paint", name=record.label, data=rgba)
    doc.results.mark_applied(record.id, layer.id)
    return record, layer.id


def _shown(doc: Document) -> ResultRecord | None:
    return doc.results.rendered(doc.visible_canvas(), doc.layers)


def test_a_shown_result_layer_is_the_result_and_a_hidden_one_is_not() -> None:
    doc = Document(64, 64)
    sketch = doc.add_layer("paint", "Sketch")
    doc.paint_rect(sketch.id, 8, 8, 40, 40, (0, 200, 0))
    assert _shown(doc) is None  # a sketch, no result anywhere
    record, layer = _applied(doc, 1)
    assert _shown(doc) is record
    doc.set_layer_property(layer, "visible", False)  # the sketch shows again
    assert _shown(doc) is None
    doc.undo()
    assert _shown(doc) is record


def test_a_result_painted_over_or_faded_is_not_the_result_any_more() -> None:
    doc = Document(64, 64)
    record, layer = _applied(doc, 2)
    doc.set_layer_property(layer, "opacity", 0.5)
    assert _shown(doc) is None
    doc.undo()
    on_top = doc.add_layer("paint", "Touch-up")
    doc.paint_rect(on_top.id, 0, 0, 4, 4, (255, 0, 0))
    assert _shown(doc) is None
    doc.set_layer_property(on_top.id, "visible", False)
    assert _shown(doc) is record


def test_the_newest_shown_result_is_the_one_on_top() -> None:
    doc = Document(64, 64)
    first, _ = _applied(doc, 3)
    second, layer = _applied(doc, 4)
    assert _shown(doc) is second
    doc.set_layer_property(layer, "visible", False)
    assert _shown(doc) is first
    doc.remove_layer(_applied(doc, 5)[1])  # applied, then deleted: not on the canvas
    assert _shown(doc) is first
