"""build_request: a pure, deterministic mapping from the document to a GenerationRequest."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.document.build import build_request
from f1studio.document.document import Document
from f1studio.engine.request import ControlKind, GenerationRequest


def _scene() -> tuple[Document, dict[str, str]]:
    doc = Document(128, 96, prompt="a harbour at dusk ", negative_prompt="blurry")
    ids = {}
    ids["paint"] = doc.add_layer("paint").id
    doc.paint_rect(ids["paint"], 0, 0, 48, 128, (20, 40, 160))
    ids["sky"] = doc.add_layer("region", prompt="orange sky", weight=0.8).id
    doc.paint_rect(ids["sky"], 0, 0, 40, 128, 255)
    ids["boat"] = doc.add_layer("region", prompt="red boat", negative_prompt="people").id
    doc.paint_rect(ids["boat"], 30, 30, 80, 90, 255)
    ids["edge"] = doc.add_layer("edge", weight=1.2, start=0.0, end=0.6, curve=(1.0, 0.2)).id
    doc.paint_rect(ids["edge"], 50, 0, 51, 128, 255)
    doc.set_model("edge_controlnet", "lllyasviel/edge")
    return doc, ids


def test_maps_prompts_settings_regions_and_controls() -> None:
    doc, ids = _scene()
    doc.set_model("base", "my/model")
    req = build_request(doc)
    assert isinstance(req, GenerationRequest)
    assert (req.prompt, req.negative_prompt, req.width, req.height) == (
        "a harbour at dusk",
        "blurry",
        128,
        96,
    )
    assert (req.model, req.steps, req.guidance_scale, req.seed, req.strength) == (
        "my/model",
        25,
        7.5,
        42,
        1.0,
    )
    assert req.init_image is None and req.inpaint is None
    assert [r.prompt for r in req.regions] == ["orange sky", "red boat"]  # bottom -> top
    assert req.regions[0].weight == 0.8 and req.regions[1].negative_prompt == "people"
    np.testing.assert_array_equal(req.regions[1].mask.array(), doc.layer(ids["boat"]).data)
    (ctl,) = req.controls
    assert (ctl.kind, ctl.model, ctl.weight, ctl.start, ctl.end, ctl.curve) == (
        ControlKind.EDGE,
        "lllyasviel/edge",
        1.2,
        0.0,
        0.6,
        (1.0, 0.2),
    )


def test_overrides_win() -> None:
    doc, _ = _scene()
    req = build_request(
        doc,
        model="other",
        controlnets={"edge": "my/edge"},
        device="cpu",
        allow_pickle=True,
        seed=7,
        steps=3,
        guidance=2.0,
    )
    assert (req.model, req.device, req.allow_pickle, req.seed, req.steps) == (
        "other",
        "cpu",
        True,
        7,
        3,
    )
    assert req.guidance_scale == 2.0 and req.controls[0].model == "my/edge"
    assert build_request(doc, controlnets={ControlKind.EDGE: "x"}).controls[0].model == "x"


def test_is_pure_and_deterministic() -> None:
    doc, _ = _scene()
    doc.set_setting("strength", 0.6)
    rev, snapshot = doc.revision, [layer.data.copy() for layer in doc.layers]
    a, b = build_request(doc), build_request(doc)
    assert a == b and a is not b
    assert doc.revision == rev and not doc.can_redo
    for layer, data in zip(doc.layers, snapshot, strict=True):
        np.testing.assert_array_equal(layer.data, data)


@pytest.mark.parametrize(
    "edit",
    [
        lambda d, i: d.set_prompt("a harbour at dawn"),
        lambda d, i: d.set_negative_prompt(""),
        lambda d, i: d.set_layer_property(i["sky"], "weight", 0.9),
        lambda d, i: d.set_layer_property(i["boat"], "prompt", "blue boat"),
        lambda d, i: d.set_layer_property(i["edge"], "end", 0.7),
        lambda d, i: d.set_layer_property(i["edge"], "curve", None),
        lambda d, i: d.paint_disc(i["boat"], 70, 70, 5, 0),
        lambda d, i: d.paint_disc(i["edge"], 10, 10, 2, 255),
        lambda d, i: d.move_layer(i["boat"], 1),
        lambda d, i: d.set_layer_property(i["sky"], "visible", False),
    ],
)
def test_any_relevant_change_changes_the_request(edit) -> None:  # type: ignore[no-untyped-def]
    doc, ids = _scene()
    before = build_request(doc)
    edit(doc, ids)
    assert build_request(doc) != before
    doc.undo()
    assert build_request(doc) == before


@pytest.mark.parametrize(
    ("name", "value"),
    [("steps", 26), ("scheduler", "euler"), ("seed", 1), ("batch_count", 2), ("strength", 0.5)],
)
def test_any_setting_changes_the_request(name: str, value: object) -> None:
    # settings are not undo steps (document.py): setting the old value back restores it
    doc, _ = _scene()
    before, old = build_request(doc), getattr(doc.settings, name)
    doc.set_setting(name, value)
    assert build_request(doc) != before
    doc.set_setting(name, old)
    assert build_request(doc) == before


def test_the_chosen_model_changes_the_request() -> None:
    doc, _ = _scene()
    before = build_request(doc)
    doc.set_model("base", "x")
    assert build_request(doc) != before
    doc.set_model("base", None)
    assert build_request(doc) == before


def test_hidden_and_empty_layers_do_not_matter() -> None:
    doc, ids = _scene()
    before = build_request(doc)
    hidden = doc.add_layer("region", prompt="dragon")
    doc.paint_rect(hidden.id, 0, 0, 96, 128, 255)
    doc.set_layer_property(hidden.id, "visible", False)
    ghost = doc.add_layer("paint", visible=False)
    doc.paint_rect(ghost.id, 0, 0, 96, 128, (0, 0, 0))
    doc.add_layer("region", prompt="empty mask")  # nothing painted
    unprompted = doc.add_layer("region")  # painted, no prompt
    doc.paint_rect(unprompted.id, 0, 0, 10, 10, 255)
    doc.add_layer("depth")  # blank guide
    zero = doc.add_layer("depth", weight=0.0)
    doc.paint_rect(zero.id, 0, 0, 10, 10, 255)
    doc.add_layer("inpaint")  # empty inpaint mask
    assert build_request(doc) == before


def test_inpaint_masks_union_and_init_image() -> None:
    doc, _ = _scene()
    a = doc.add_layer("inpaint", strength=0.4, feather=4)
    b = doc.add_layer("inpaint", strength=0.9, feather=12)
    doc.paint_rect(a.id, 0, 0, 10, 10, 255)
    doc.paint_rect(b.id, 50, 50, 60, 60, 255)
    req = build_request(doc)
    assert req.inpaint is not None
    assert (req.inpaint.strength, req.inpaint.feather) == (0.9, 12)
    mask = req.inpaint.mask.array()
    assert mask[5, 5] == 255 and mask[55, 55] == 255 and mask[30, 30] == 0
    assert mask.sum() == 200 * 255
    assert req.init_image is not None
    np.testing.assert_array_equal(req.init_image.array(), doc.visible_canvas())


def test_img2img_sends_the_visible_canvas() -> None:
    doc, _ = _scene()
    assert build_request(doc).init_image is None
    doc.set_setting("strength", 0.5)
    req = build_request(doc)
    assert req.is_img2img and req.init_image is not None
    assert req.init_image.shape == (96, 128, 3)


def test_request_round_trips_through_json() -> None:
    doc, _ = _scene()
    doc.set_setting("strength", 0.7)
    req = build_request(doc)
    data, images = req.to_json()
    assert GenerationRequest.from_json(data, images) == req


def test_invalid_overrides_are_refused() -> None:
    doc, _ = _scene()
    with pytest.raises(ValueError, match="steps must be 1..500"):
        build_request(doc, steps=0)
