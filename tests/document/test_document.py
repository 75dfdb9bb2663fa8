"""Document edits: layers, properties, prompts, settings, notifications, validation."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.document.changes import Change, ChangeKind
from f1studio.document.document import Document
from f1studio.document.layers import Layer, LayerKind
from f1studio.document.settings import GenerationSettings, SeedMode


@pytest.mark.parametrize(
    ("w", "h"), [(100, 64), (64, 60), (56, 64), (2056, 512), (0, 0), (-8, 64), (512.5, 512)]
)
def test_invalid_canvas_sizes_are_refused_clearly(w: float, h: float) -> None:
    with pytest.raises(ValueError, match="multiples of 8 within 64..2048"):
        Document(w, h)  # type: ignore[arg-type]


def test_constructor_takes_layers_as_is_without_history() -> None:
    layer = Layer(LayerKind.PAINT, np.zeros((64, 128, 4), np.uint8), name="bg")
    doc = Document(128, 64, prompt="a fox", layers=[layer])
    assert doc.layers[0] is layer and not doc.can_undo and doc.revision == 0
    with pytest.raises(ValueError, match="canvas is 64x64"):
        Document(64, 64, layers=[layer])
    with pytest.raises(ValueError, match="already in the document"):
        Document(128, 64, layers=[layer, layer])


def test_layer_lookup_errors_name_the_id() -> None:
    doc = Document(64, 64)
    with pytest.raises(KeyError, match="nope"):
        doc.layer("nope")
    with pytest.raises(KeyError, match="nope"):
        doc.index_of("nope")


def test_add_remove_move_duplicate_are_single_undo_steps() -> None:
    doc = Document(64, 64)
    a = doc.add_layer("paint", "A")
    b = doc.add_layer(LayerKind.REGION, "B", prompt="sky", weight=0.5)
    c = doc.add_layer("edge", "C", index=0)
    assert [x.name for x in doc.layers] == ["C", "A", "B"]
    assert b.prompt == "sky" and b.weight == 0.5

    doc.move_layer(c.id, 2)
    assert [x.name for x in doc.layers] == ["A", "B", "C"]
    doc.undo()
    assert [x.name for x in doc.layers] == ["C", "A", "B"]
    doc.redo()

    doc.paint_rect(a.id, 0, 0, 8, 8, (1, 2, 3))
    dup = doc.duplicate_layer(a.id)
    assert dup.id != a.id and dup.name == "A copy" and doc.index_of(dup.id) == 1
    np.testing.assert_array_equal(dup.data, a.data)
    assert dup.data is not a.data

    doc.remove_layer(b.id)
    assert [x.name for x in doc.layers] == ["A", "A copy", "C"]
    doc.undo()
    assert [x.name for x in doc.layers] == ["A", "A copy", "B", "C"]
    assert doc.layers[2] is b  # the very same layer comes back
    doc.undo()  # duplicate
    assert [x.name for x in doc.layers] == ["A", "B", "C"]
    for _ in range(5):
        doc.undo()
    assert doc.layers == [] and not doc.can_undo
    while doc.redo():
        pass
    assert [x.name for x in doc.layers] == ["A", "A copy", "C"]  # every step re-applied


def test_insert_layer_and_bad_arguments() -> None:
    doc = Document(64, 64)
    layer = Layer(LayerKind.DEPTH, np.zeros((64, 64), np.uint8))
    assert doc.insert_layer(layer) is layer
    with pytest.raises(ValueError, match="already"):
        doc.insert_layer(layer)
    with pytest.raises(ValueError, match="unknown layer kind 'paintt'"):
        doc.add_layer("paintt")
    with pytest.raises(ValueError, match="no property 'prompt'"):
        doc.add_layer("paint", prompt="x")
    with pytest.raises(ValueError, match="position"):
        doc.add_layer("paint", index=5)
    with pytest.raises(ValueError, match="position"):
        doc.move_layer(layer.id, 1)
    with pytest.raises(ValueError, match="start"):
        doc.add_layer("edge", start=0.8, end=0.2)
    with pytest.raises(ValueError, match="uint8"):
        doc.add_layer("region", data=np.zeros((64, 64), np.float32))
    assert len(doc.layers) == 1 and len(doc.history) == 1


def test_property_edits_are_validated_and_undoable() -> None:
    doc = Document(64, 64)
    g = doc.add_layer("depth")
    doc.set_layer_property(g.id, "weight", 1.5)
    doc.set_layer_property(g.id, "start", 0.25)
    doc.set_layer_property(g.id, "curve", [1.0, 0.5, 0.0])
    assert (g.weight, g.start, g.curve) == (1.5, 0.25, (1.0, 0.5, 0.0))
    with pytest.raises(ValueError, match="before its end"):
        doc.set_layer_property(g.id, "end", 0.2)
    with pytest.raises(ValueError, match="weight must be within 0..2"):
        doc.set_layer_property(g.id, "weight", 3)
    with pytest.raises(ValueError, match="no property 'feather'"):
        doc.set_layer_property(g.id, "feather", 3)
    doc.undo()
    assert g.curve is None
    doc.undo()
    doc.undo()
    assert (g.weight, g.start) == (1.0, 0.0)
    doc.redo()
    assert g.weight == 1.5
    steps = len(doc.history)
    doc.set_layer_property(g.id, "weight", 1.5)  # no change, no step
    assert len(doc.history) == steps


def test_merge_folds_a_slider_drag_into_one_step() -> None:
    doc = Document(64, 64)
    layer = doc.add_layer("paint")
    for v in (0.9, 0.8, 0.7, 0.6):
        doc.set_layer_property(layer.id, "opacity", v, merge=True)
    assert len(doc.history) == 2
    doc.history.seal()
    doc.set_layer_property(layer.id, "opacity", 0.5, merge=True)
    assert len(doc.history) == 3
    doc.undo()
    assert layer.opacity == 0.6
    doc.undo()
    assert layer.opacity == 1.0
    for text in ("a", "a c", "a ca", "a cat"):
        doc.set_prompt(text, merge=True)
    doc.undo()
    assert doc.prompt == ""


def test_locked_layer_can_still_be_hidden_and_unlocked() -> None:
    doc = Document(64, 64)
    layer = doc.add_layer("paint")
    doc.set_layer_property(layer.id, "locked", True)
    with pytest.raises(ValueError, match="locked"):
        doc.set_layer_property(layer.id, "name", "x")
    doc.set_layer_property(layer.id, "visible", False)
    doc.set_layer_property(layer.id, "locked", False)
    doc.set_layer_property(layer.id, "name", "x")
    assert layer.name == "x" and not layer.visible


def test_prompts_are_undoable_settings_and_models_are_not_undo_steps() -> None:
    doc = Document(64, 64)
    doc.set_prompt("a red fox")
    doc.set_negative_prompt("blurry")
    revision = doc.revision
    doc.set_setting("steps", 30)
    doc.set_setting("guidance_scale", 5)
    doc.set_setting("seed_mode", "random")
    doc.set_model("base", " runwayml/sd15 ")
    s = doc.settings
    assert (doc.prompt, doc.negative_prompt) == ("a red fox", "blurry")
    assert (s.steps, s.guidance_scale, s.seed_mode, s.models.base) == (
        30,
        5.0,
        SeedMode.RANDOM,
        "runwayml/sd15",
    )
    assert isinstance(s.guidance_scale, float)
    assert doc.revision == revision + 4  # each setting still counts as a change (saved)
    assert doc.history.labels == ["Edit prompt", "Edit negative prompt"]
    doc.undo()
    doc.undo()
    assert doc.prompt == "" and doc.negative_prompt == "" and not doc.can_undo
    assert (s.steps, s.guidance_scale, s.seed_mode, s.models.base) == (
        30,
        5.0,
        SeedMode.RANDOM,
        "runwayml/sd15",
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("steps", 0, "steps must be 1..500"),
        ("steps", 2.5, "needs a int value"),
        ("scheduler", "plms", "unknown scheduler"),
        ("guidance_scale", "high", "needs a float value"),
        ("strength", 1.5, "strength must be 0..1"),
        ("seed_mode", "sometimes", "needs a SeedMode"),
        ("models", {}, "set_model"),
        ("colour", 1, "unknown setting 'colour'"),
    ],
)
def test_invalid_settings_are_refused_clearly(name: str, value: object, message: str) -> None:
    doc = Document(64, 64)
    with pytest.raises(ValueError, match=message):
        doc.set_setting(name, value)
    assert doc.settings == GenerationSettings() and not doc.can_undo


def test_set_model_rejects_unknown_slot() -> None:
    with pytest.raises(ValueError, match="unknown model slot 'vae'"):
        Document(64, 64).set_model("vae", "x")


def test_revision_and_subscribers_follow_every_change() -> None:
    doc = Document(64, 64)
    seen: list[tuple[Change, int]] = []

    def listener(d: Document, change: Change) -> None:
        seen.append((change, d.revision))

    doc.subscribe(listener)
    layer = doc.add_layer("paint")
    doc.paint_disc(layer.id, 5, 5, 2, (0, 0, 0))
    doc.set_layer_property(layer.id, "opacity", 0.5)
    doc.set_prompt("x")
    doc.set_negative_prompt("z")
    doc.set_setting("steps", 10)
    doc.set_model("base", "some/model")
    doc.move_layer(doc.add_layer("inpaint").id, 0)
    doc.undo()
    doc.redo()
    layers, settings = Change(ChangeKind.LAYERS), Change(ChangeKind.SETTINGS)
    assert seen == [
        (layers, 1),
        (Change(ChangeKind.PIXELS, layer.id), 2),
        (Change(ChangeKind.LAYER, layer.id), 3),
        (Change(ChangeKind.PROMPT), 4),
        (Change(ChangeKind.NEGATIVE_PROMPT), 5),
        (settings, 6),
        (settings, 7),
        (layers, 8),
        (layers, 9),
        (layers, 10),  # undo of the move
        (layers, 11),
    ]
    assert seen[1][0].layer_id == layer.id and seen[0][0].layer_id is None
    doc.unsubscribe(listener)
    doc.set_prompt("y")
    assert len(seen) == 11 and doc.revision == 12


def test_a_change_names_a_layer_exactly_when_its_kind_is_about_one() -> None:
    assert Change.pixels("a") == Change(ChangeKind.PIXELS, "a") != Change.layer("a")
    for kind in (ChangeKind.LAYER, ChangeKind.PIXELS):
        with pytest.raises(ValueError, match="needs a layer id"):
            Change(kind)
    with pytest.raises(ValueError, match="takes no layer id"):
        Change(ChangeKind.SETTINGS, "a")


def test_clone_is_deep_and_has_no_history() -> None:
    doc = Document(64, 64, prompt="p")
    layer = doc.add_layer("paint")
    doc.set_setting("steps", 12)
    copy = doc.clone()
    assert not copy.can_undo and copy.layers[0].id == layer.id
    doc.paint_rect(layer.id, 0, 0, 64, 64, (255, 255, 255))
    doc.set_setting("steps", 40)
    assert not copy.layers[0].data.any() and copy.settings.steps == 12


def test_a_range_drag_is_one_undo_step_and_refuses_a_reversed_range() -> None:
    doc = Document(64, 64)
    guide = doc.add_layer(LayerKind.EDGE)
    steps = len(doc.history.labels)
    for start, end in ((0.1, 1.0), (0.2, 0.9), (0.6, 0.7)):  # one drag, start and end both move
        doc.set_layer_range(guide.id, start, end, merge=True)
    assert len(doc.history.labels) == steps + 1
    assert doc.history.labels[-1] == "Step range: 0%–100% → 60%–70%"
    doc.undo()
    assert (guide.start, guide.end) == (0.0, 1.0)
    with pytest.raises(ValueError):
        doc.set_layer_range(guide.id, 0.8, 0.2)
    assert (guide.start, guide.end) == (0.0, 1.0)


def test_a_group_is_one_named_step_announced_once_it_is_on_the_history() -> None:
    doc = Document(64, 64)
    seen: list[tuple[ChangeKind, int, str | None]] = []
    doc.subscribe(lambda d, change: seen.append((change.kind, d.revision, d.history.undo_label)))
    with doc.group("Layout"):
        doc.add_layer("region", name="a")
        doc.add_layer("region", name="b")
    # each edit is notified as it happens, then the step itself, by name, without a new revision
    assert seen == [
        (ChangeKind.LAYERS, 1, None),
        (ChangeKind.LAYERS, 2, None),
        (ChangeKind.HISTORY, 2, "Layout"),
    ]
    assert doc.history.labels == ["Layout"]
    with doc.group("Nothing"):
        pass
    assert doc.history.labels == ["Layout"] and len(seen) == 3  # no step, no notice
    doc.undo()
    assert doc.layers == [] and doc.can_redo


def test_a_new_inpaint_masks_feather_follows_the_canvas_size():
    """8 px on a 512 canvas, 2 px on the demo model's 128 (8 px there let the old picture
    back into a sixteenth of the canvas round the mask's rim); a chosen feather is kept."""
    from f1studio.document.layers import LayerKind

    assert Document(512, 512).add_layer(LayerKind.INPAINT).feather == 8
    assert Document(128, 128).add_layer(LayerKind.INPAINT).feather == 2
    assert Document(1024, 768).add_layer(LayerKind.INPAINT).feather == 16
    assert Document(64, 64).add_layer(LayerKind.INPAINT).feather == 1
    assert Document(128, 128).add_layer(LayerKind.INPAINT, feather=6).feather == 6
