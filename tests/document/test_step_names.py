"""Undo steps are named for what a user changed, in words a window can translate."""

from __future__ import annotations

from f1studio.document.curves import CURVE_PRESETS
from f1studio.document.document import Document
from f1studio.document.layers import LayerKind
from f1studio.document.loras import LoraEntry
from f1studio.document.step_names import TEMPLATES, WORDS, StepName


def test_a_guide_limited_to_a_region_names_the_region_not_its_id() -> None:
    doc = Document(64, 64)
    region = doc.add_layer(LayerKind.REGION, name="Sky")
    guide = doc.add_layer(LayerKind.EDGE)
    doc.set_layer_property(guide.id, "region", region.id)
    doc.set_layer_property(guide.id, "region", "")
    assert doc.history.labels[-2:] == [
        "Limit to: the whole canvas → Sky",
        "Limit to: Sky → the whole canvas",
    ]
    assert region.id not in " ".join(doc.history.labels)


def test_loras_and_reference_uses_read_as_the_layer_panel_names_them() -> None:
    doc = Document(64, 64)
    region = doc.add_layer(LayerKind.REGION, name="Cat")
    reference = doc.add_layer(LayerKind.REFERENCE)
    doc.set_layer_property(region.id, "loras", (LoraEntry("/loras/ink.safetensors"),))
    doc.set_layer_property(reference.id, "use", "style")
    doc.set_layer_property(region.id, "opacity", 0.5)
    assert doc.history.labels[-3:] == [
        "Edit LoRAs",
        "Steers: Trace only → Style",
        "Opacity: 1 → 0.5",
    ]


def test_every_step_name_keeps_a_known_template_and_its_words() -> None:
    doc = Document(64, 64)
    guide = doc.add_layer(LayerKind.DEPTH)
    doc.set_layer_property(guide.id, "weight", 0.25)
    doc.set_layer_property(guide.id, "curve", (1.5, 1.2, 0.9, 0.5, 0.2))
    doc.set_layer_range(guide.id, 0.1, 0.6)
    doc.set_layer_property(guide.id, "visible", False)
    doc.set_prompt("a cat")
    doc.duplicate_layer(guide.id)
    doc.move_layer(guide.id, 1)
    doc.remove_layer(guide.id)
    names = doc.history.labels
    assert names[:4] == [
        "Add depth guide",
        "Weight: 1 → 0.25",
        "Strength curve: Structure first",
        "Step range: 0%–100% → 10%–60%",
    ]
    for name in names:
        assert isinstance(name, StepName) and name.template in TEMPLATES, name
        assert name.template.format(**name.fields) == name
    assert names[0].fields == {"kind": "depth guide"} and "depth guide" in WORDS
    assert names[1].fields["field"] in WORDS and names[2].fields["preset"] in WORDS
    assert set(CURVE_PRESETS) <= set(WORDS)


def test_a_name_its_maker_gave_stays_plain_text() -> None:
    doc = Document(64, 64)
    layer = doc.add_layer(LayerKind.PAINT, label="应用结果")
    doc.paint_rect(layer.id, 0, 0, 4, 4, (255, 0, 0, 255))
    assert doc.history.labels == ["应用结果", "Fill rectangle"]
    given, filled = doc.history.labels
    assert not isinstance(given, StepName) and isinstance(filled, StepName)
