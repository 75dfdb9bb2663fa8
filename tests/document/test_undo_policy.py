"""What the document's undo holds, how its steps are named, and going to a chosen step."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.document.changes import SETTINGS
from f1studio.document.document import Document
from f1studio.document.layers import LayerKind


def _doc() -> tuple[Document, str]:
    doc = Document(64, 64, prompt="a cat")
    sketch = doc.add_layer(LayerKind.PAINT, name="Sketch").id
    doc.history.clear()
    return doc, sketch


def test_settings_and_models_change_the_document_but_are_no_undo_steps() -> None:
    doc, sketch = _doc()
    doc.paint_rect(sketch, 0, 0, 8, 8, (255, 0, 0, 255))
    heard = []
    doc.subscribe(lambda d, change: heard.append(change))
    revision = doc.revision
    for name, value in (("steps", 150), ("steps", 20), ("guidance_scale", 9.0), ("seed", 7)):
        doc.set_setting(name, value)
    doc.set_model("base", "my/model")
    assert heard == [SETTINGS] * 5 and doc.revision == revision + 5
    assert doc.history.labels == ["Fill rectangle"] and not doc.can_redo
    assert doc.undo()  # the first Ctrl+Z takes back the paint, not a number
    assert not doc.layer(sketch).data.any()
    assert (doc.settings.steps, doc.settings.seed, doc.settings.models.base) == (20, 7, "my/model")


def test_a_setting_set_to_its_value_is_no_change() -> None:
    doc, _ = _doc()
    revision = doc.revision
    doc.set_setting("steps", doc.settings.steps)
    doc.set_model("base", None)
    assert doc.revision == revision


def test_a_setting_never_redoes_away_nor_breaks_a_typed_prompt_step() -> None:
    doc, sketch = _doc()
    doc.set_prompt("a cat on", merge=True)
    doc.set_setting("steps", 30)
    doc.set_prompt("a cat on a mat", merge=True)
    assert doc.history.labels == ["Edit prompt"]  # typing around a setting: still one step
    doc.undo()
    assert doc.prompt == "a cat" and doc.can_redo
    doc.set_setting("steps", 31)  # not an edit of the history: the redo stays
    assert doc.redo() and doc.prompt == "a cat on a mat"


def test_steps_are_named_for_the_undo_history() -> None:
    doc, sketch = _doc()
    doc.paint_disc(sketch, 10, 10, 3, (0, 0, 0, 255))
    region = doc.add_layer(LayerKind.REGION)
    doc.set_layer_property(region.id, "prompt", "a hat")
    doc.set_layer_property(region.id, "weight", 0.5)
    doc.set_layer_property(region.id, "visible", False)
    doc.set_layer_property(sketch, "name", "Lines")
    doc.set_layer_property(sketch, "locked", True)
    doc.set_negative_prompt("blur")
    doc.add_layer(LayerKind.PAINT, data=np.zeros((64, 64, 4), np.uint8), label="Apply result")
    doc.move_layer(region.id, 0)
    doc.resize_canvas(128, 64)
    assert doc.history.labels == [
        "Paint",
        "Add region",
        "Edit region prompt",
        "Weight: 1 → 0.5",
        "Hide layer",
        "Rename layer",
        "Lock layer",
        "Edit negative prompt",
        "Apply result",
        "Move layer",
        "Resize canvas: 64×64 → 128×64",
    ]
    assert doc.history.position == 11 and doc.history.undo_label == doc.history.labels[-1]


def test_a_drag_is_one_step_whose_name_follows_it() -> None:
    doc, sketch = _doc()
    for value in (0.9, 0.6, 0.25):
        doc.set_layer_property(sketch, "opacity", value, merge=True)
    assert doc.history.labels == ["Opacity: 1 → 0.25"]
    doc.history.seal()
    doc.set_layer_property(sketch, "opacity", 0.5, merge=True)
    assert doc.history.labels == ["Opacity: 1 → 0.25", "Opacity: 0.25 → 0.5"]


def test_going_to_a_step_undoes_or_redoes_to_it_and_keeps_the_later_steps() -> None:
    doc, sketch = _doc()
    doc.paint_rect(sketch, 0, 0, 8, 8, (255, 0, 0, 255))
    edge = doc.add_layer(LayerKind.EDGE).id
    doc.paint_rect(edge, 0, 0, 4, 4, 255)
    doc.set_prompt("a dog")
    heard = []
    doc.subscribe(lambda d, change: heard.append(change.kind.value))
    assert doc.go_to_step(1) == 3
    assert heard == ["prompt", "pixels", "layers"]  # each step notifies as one undo does
    assert [layer.id for layer in doc.layers] == [sketch] and doc.prompt == "a cat"
    assert doc.layer(sketch).data.any()
    assert doc.history.position == 1 and len(doc.history.labels) == 4
    assert doc.go_to_step(4) == 3 and doc.prompt == "a dog" and len(doc.layers) == 2
    assert doc.go_to_step(0) == 4 and not doc.layer(sketch).data.any()
    assert doc.go_to_step(0) == 0
    for bad in (-1, 5):
        with pytest.raises(ValueError, match="no step"):
            doc.go_to_step(bad)
    doc.go_to_step(2)
    doc.set_prompt("a bird")  # a new edit drops the steps after the current one
    assert doc.history.labels == ["Fill rectangle", "Add edge guide", "Edit prompt"]


def test_going_to_a_step_waits_for_an_open_stroke() -> None:
    doc, sketch = _doc()
    doc.paint_rect(sketch, 0, 0, 8, 8, (255, 0, 0, 255))
    stroke = doc.begin_stroke(sketch)
    with pytest.raises(RuntimeError, match="finish the current stroke"):
        doc.go_to_step(0)
    doc.end_stroke(stroke)
    assert doc.go_to_step(0) == 1


def test_the_labels_stay_in_step_with_a_bounded_history() -> None:
    doc = Document(64, 64, history_depth=3)
    layer = doc.add_layer(LayerKind.PAINT).id
    for i in range(5):
        doc.paint_rect(layer, i, 0, i + 1, 4, (i, 0, 0, 255))
    doc.undo()
    assert doc.history.labels == ["Fill rectangle"] * 3 and doc.history.position == 2
    assert doc.go_to_step(0) == 2
    assert doc.layer(layer).data[:2].any() and not doc.layer(layer).data[2:].any()
