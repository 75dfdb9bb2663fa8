"""A reference picture set to steer in the layer panel: its use, weight and steps, one undo
step each, and what reaches the request."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.document.build import build_request
from f1studio.document.document import Document
from f1studio.gui.panels.layers_panel import LayersPanel

skimage = pytest.importorskip("skimage")


@pytest.fixture()
def panel(qtbot):
    doc = Document(64, 64, prompt="a cat")
    photo = np.zeros((64, 64, 4), np.uint8)
    photo[8:56, 4:60, :3] = skimage.data.chelsea()[:288:6, :336:6]
    photo[8:56, 4:60, 3] = 255
    layer = doc.add_layer("reference", "Cat", data=photo)
    panel = LayersPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    panel.select_layer(layer.id)
    return panel


def test_a_reference_is_trace_only_until_set_to_steer(panel) -> None:
    props, doc = panel.properties, panel.document
    (layer,) = doc.layers
    assert props.row_shown("use") and props.row_shown("extract")
    assert not props.row_shown("weight") and not props.row_shown("range")
    assert build_request(doc, ip_adapter="/ipa").references == ()
    combo = props.use_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "Trace only", "Style", "Subject", "Composition",
    ]  # fmt: skip
    combo.setCurrentIndex(1)
    combo.activated.emit(1)
    assert layer.use == "style"
    assert props.row_shown("weight") and props.row_shown("range")
    props.weight_slider.setValue(0.6)
    (ref,) = build_request(doc, ip_adapter="/ipa").references
    assert (ref.use, ref.weight) == ("style", pytest.approx(0.6))
    assert ref.image.shape == (48, 56, 3)  # the picture inside the layer, not the canvas
    doc.undo()
    doc.undo()
    assert layer.use == "trace" and props.use_combo.currentText() == "Trace only"


def test_a_steering_reference_can_be_limited_to_a_region(panel) -> None:
    props, doc = panel.properties, panel.document
    (reference,) = doc.layers
    figure = doc.add_layer("region", "Left figure", prompt="a knight")
    doc.paint_rect(figure.id, 0, 0, 64, 32, 255)
    panel.select_layer(reference.id)
    assert not props.row_shown("region")  # trace only: nothing to limit
    props.use_combo.setCurrentIndex(2)
    props.use_combo.activated.emit(2)
    assert reference.use == "subject" and props.row_shown("region")
    combo = props.region_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["the whole canvas", "Left figure"]
    combo.setCurrentIndex(1)
    combo.activated.emit(1)
    (ref,) = build_request(doc, ip_adapter="/ipa").references
    assert np.array_equal(ref.mask.array(), figure.data)
