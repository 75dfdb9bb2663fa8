"""Layout-made region layers on a document: made, followed, kept and undone as a user expects."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from f1studio.document.build import build_request
from f1studio.document.document import Document
from f1studio.document.layers import LayerKind
from f1studio.document.layout_record import record_of
from f1studio.document.transform import move_layer_content
from f1studio.layout.plan import Box, Layout, LayoutObject
from f1studio.layout.regions import apply_layout, layout_regions, region_mask

PROMPT = "a red circle on the left and a blue square on the right, on a yellow background"


def two_objects(left: str = "a red circle on the left") -> Layout:
    return Layout(
        objects=(
            LayoutObject(left, "red circle", Box(0.0, 0.3, 0.375, 0.7), 0),
            LayoutObject("a blue square on the right", "blue square", Box(0.625, 0.3, 1, 0.7), 1),
        ),
        remainder="on a yellow background",
    )


def regions(doc: Document) -> dict[str, object]:
    return {layer.name: layer for layer in doc.layers if layer.kind is LayerKind.REGION}


def test_layout_makes_one_region_per_object_where_the_box_is() -> None:
    doc = Document(64, 64, PROMPT)
    outcome = apply_layout(doc, two_objects(), PROMPT)
    assert outcome.added == ("red circle", "blue square")
    circle = doc.layers[0]
    assert circle.prompt == "a red circle on the left"
    assert circle.data[32, 5] == 255 and circle.data[32, 40] == 0  # inside the left box only
    assert doc.layers[1].data[32, 60] == 255
    assert doc.history.labels == ["Layout"]  # the whole layout is one undo step


def test_undo_takes_back_the_whole_layout_and_redo_brings_it_back() -> None:
    doc = Document(64, 64, PROMPT)
    apply_layout(doc, two_objects(), PROMPT)
    assert doc.undo()
    assert doc.layers == []
    assert doc.redo()
    assert [layer.name for layer in doc.layers] == ["red circle", "blue square"]


def test_the_global_prompt_is_the_remainder_while_the_prompt_reads_as_laid_out() -> None:
    doc = Document(64, 64, PROMPT)
    assert build_request(doc).prompt == PROMPT
    apply_layout(doc, two_objects(), PROMPT)
    request = build_request(doc)
    assert request.prompt == "on a yellow background"
    assert [r.prompt for r in request.regions] == [
        "a red circle on the left",
        "a blue square on the right",
    ]
    doc.set_prompt(PROMPT + " ")  # whitespace does not count as an edit
    assert build_request(doc).prompt == "on a yellow background"
    doc.set_prompt("a green triangle at the top, on a white background")
    assert build_request(doc).prompt == "a green triangle at the top, on a white background"


def test_a_hidden_layout_region_gives_the_prompt_back_to_the_whole_picture() -> None:
    doc = Document(64, 64, PROMPT)
    apply_layout(doc, two_objects(), PROMPT)
    for layer in doc.layers:
        doc.set_layer_property(layer.id, "visible", False)
    assert build_request(doc).prompt == PROMPT


def test_an_empty_layout_changes_nothing() -> None:
    doc = Document(64, 64, "a red car")
    revision = doc.revision
    outcome = apply_layout(doc, Layout(objects=(), remainder="a red car"), "a red car")
    assert not outcome.changed and doc.revision == revision and not doc.can_undo
    assert "nothing to lay out" in outcome.summary()


def test_a_prompt_without_place_words_says_why_the_earlier_regions_went() -> None:
    doc = Document(64, 64, PROMPT)
    apply_layout(doc, two_objects(), PROMPT)
    outcome = apply_layout(doc, Layout(objects=(), remainder="a red car"), "a red car")
    assert len(outcome.removed) == 2 and not regions(doc)
    assert outcome.summary() == "Layout: 2 removed, no place words in the prompt"


def test_laying_out_a_new_background_says_what_the_whole_picture_now_reads() -> None:
    doc = Document(64, 64, PROMPT)
    apply_layout(doc, two_objects(), PROMPT)
    new_prompt = PROMPT.replace("yellow", "green")
    doc.set_prompt(new_prompt)
    steps = len(doc.history.labels)
    layout = replace(two_objects(), remainder="on a green background")
    outcome = apply_layout(doc, layout, new_prompt, label="Lay out")
    # the regions stay, but the picture's own prompt changed: the step is real and says so
    assert not outcome.changed and outcome.reread == "on a green background"
    assert outcome.summary() == (
        "Layout: 2 already in place, the whole picture now reads “on a green background”"
    )
    assert build_request(doc).prompt == "on a green background"
    assert doc.history.labels[steps:] == ["Lay out"]
    doc.undo()
    assert build_request(doc).prompt == new_prompt  # the regions read the old prompt again
    # laid out again with nothing new: no step, nothing re-read
    doc.redo()
    outcome = apply_layout(doc, layout, new_prompt)
    assert outcome.reread is None and len(doc.history.labels) == steps + 1
    assert outcome.summary() == "Layout: 2 already in place"


def test_the_summary_speaks_in_the_phrases_it_is_given() -> None:
    doc = Document(64, 64, PROMPT)
    outcome = apply_layout(doc, two_objects(), PROMPT)
    phrases = {"line": "布局：{parts}", "separator": "，", "added": "已布置 {added} 个区域"}
    assert outcome.summary(phrases) == "布局：已布置 2 个区域"


def test_laying_out_again_follows_the_text_but_keeps_what_the_user_changed() -> None:
    doc = Document(64, 64, PROMPT)
    apply_layout(doc, two_objects(), PROMPT)
    square = regions(doc)["blue square"]
    assert move_layer_content(doc, square.id, 0, -10)  # the user moves the square up
    new_prompt = PROMPT.replace("red circle", "big red circle")
    doc.set_prompt(new_prompt)
    outcome = apply_layout(doc, two_objects("a big red circle on the left"), new_prompt)
    assert outcome.kept == ("blue square",)
    assert outcome.removed == ("red circle",) and outcome.added == ("red circle",)
    now = regions(doc)
    assert len(now) == 2  # the moved square was not made again
    assert now["blue square"].data[22, 60] == 255  # where the user put it
    assert now["red circle"].prompt == "a big red circle on the left"
    assert all(record_of(layer).prompt == new_prompt for layer in now.values())
    assert build_request(doc).prompt == "on a yellow background"


def test_an_edited_region_prompt_is_kept_and_replace_touched_makes_it_again() -> None:
    doc = Document(64, 64, PROMPT)
    apply_layout(doc, two_objects(), PROMPT)
    circle = regions(doc)["red circle"]
    doc.set_layer_property(circle.id, "prompt", "a red circle with a face")
    assert apply_layout(doc, two_objects(), PROMPT).kept == ("red circle",)
    assert regions(doc)["red circle"].prompt == "a red circle with a face"
    outcome = apply_layout(doc, two_objects(), PROMPT, replace_touched=True)
    assert "red circle" in outcome.added
    assert regions(doc)["red circle"].prompt == "a red circle on the left"


def test_the_same_layout_twice_changes_nothing_the_second_time() -> None:
    doc = Document(64, 64, PROMPT)
    apply_layout(doc, two_objects(), PROMPT)
    steps = len(doc.history.labels)
    outcome = apply_layout(doc, two_objects(), PROMPT)
    assert outcome.unchanged == ("red circle", "blue square") and not outcome.changed
    assert len(doc.history.labels) == steps


def test_a_prompt_without_place_words_removes_untouched_layout_regions_only() -> None:
    doc = Document(64, 64, PROMPT)
    apply_layout(doc, two_objects(), PROMPT)
    hand = doc.add_layer(LayerKind.REGION, name="hand-painted", prompt="a cloud")
    outcome = apply_layout(doc, Layout(objects=(), remainder="a red car"), "a red car")
    assert set(outcome.removed) == {"red circle", "blue square"}
    assert [layer.id for layer in doc.layers] == [hand.id]


def test_objects_stack_by_depth_so_the_front_one_wins_where_they_overlap() -> None:
    doc = Document(64, 64, "a cat in front of a dog")
    layout = Layout(
        objects=(
            LayoutObject("a cat", "cat", Box(0.3, 0.4, 0.7, 0.9), 1),
            LayoutObject("a dog", "dog", Box(0.2, 0.2, 0.8, 0.8), 0),
        ),
        remainder="",
    )
    apply_layout(doc, layout, "a cat in front of a dog")
    assert [layer.name for layer in doc.layers] == ["dog", "cat"]  # bottom to top


def test_ellipse_masks_are_soft_and_inside_their_box() -> None:
    mask = region_mask(Box(0.25, 0.25, 0.75, 0.75), 64, 64, "ellipse")
    assert mask[32, 32] == 255
    assert mask[17, 17] == 0  # the box's corner is outside the ellipse
    assert 0 < mask[32, 16] < 255 or 0 < mask[32, 17] < 255  # a soft edge
    assert not mask[:, :15].any() and not mask[:15].any()
    with pytest.raises(ValueError, match="layout shape"):
        region_mask(Box(0, 0, 1, 1), 8, 8, "star")


def test_fitted_regions_take_the_shape_their_object_is_named_for() -> None:
    box = Box(0.25, 0.25, 0.75, 0.75)  # pixels 16..47 on a 64 canvas
    circle = region_mask(box, 64, 64, "fitted", "red circle")
    assert np.array_equal(circle, region_mask(box, 64, 64, "ellipse"))
    assert np.array_equal(region_mask(box, 64, 64, "fitted", "green balls 2"), circle)
    triangle = region_mask(box, 64, 64, "fitted", "blue triangle 1")
    assert triangle[17, 31] and triangle[17, 32]  # the apex at the top middle
    assert not triangle[17, 20] and not triangle[17, 43]  # the top corners are outside
    assert triangle[46, 17] and triangle[46, 46]  # the base along the bottom
    assert not triangle[:16].any() and not triangle[48:].any() and not triangle[:, 48:].any()
    assert set(np.unique(triangle)) == {0, 255}
    assert 0.4 < (triangle > 0).sum() / (32 * 32) < 0.6  # half its box
    square = region_mask(box, 64, 64, "fitted", "blue square")
    assert np.array_equal(square, region_mask(box, 64, 64, "box"))
    for name in ("red apple", "a triangle-shaped sign", ""):
        assert np.array_equal(region_mask(box, 64, 64, "fitted", name), square)


def test_a_new_documents_layout_fits_each_region_to_its_shape() -> None:
    doc = Document(64, 64, PROMPT)
    assert doc.settings.layout_shape == "fitted"
    apply_layout(doc, two_objects(), PROMPT, shape=doc.settings.layout_shape)
    found = regions(doc)
    circle, square = found["red circle"].data, found["blue square"].data
    assert ((circle > 0) & (circle < 255)).any()  # the circle's region is a soft ellipse
    assert set(np.unique(square)) == {0, 255} and square[19, 63] == 255  # the square's a box


def test_a_locked_layout_region_counts_as_changed() -> None:
    doc = Document(64, 64, PROMPT)
    apply_layout(doc, two_objects(), PROMPT)
    circle = regions(doc)["red circle"]
    doc.set_layer_property(circle.id, "locked", True)
    outcome = apply_layout(doc, two_objects("a red circle at the top left"), PROMPT + ".")
    assert outcome.kept == ("red circle",)
    assert regions(doc)["red circle"].id == circle.id
    assert len(layout_regions(doc)) == 2


def test_the_layout_survives_a_save_and_reopen(tmp_path) -> None:
    from f1studio.project.f1s import load_project, save_project

    doc = Document(64, 64, PROMPT)
    apply_layout(doc, two_objects(), PROMPT, shape="ellipse")
    save_project(doc, tmp_path / "p.f1s")
    back = load_project(tmp_path / "p.f1s")
    assert [record_of(layer) for layer in back.layers] == [record_of(layer) for layer in doc.layers]
    assert build_request(back).prompt == "on a yellow background"
    assert np.array_equal(back.layers[0].data, doc.layers[0].data)
    # untouched after the round trip: laying out again replaces nothing
    assert not apply_layout(back, two_objects(), PROMPT, shape="ellipse").changed
