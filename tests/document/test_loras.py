"""LoRAs in the document: the settings' list and region layers' lists, into the request, the
project file, the PNG parameters and back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from f1studio.document.build import build_request
from f1studio.document.document import Document
from f1studio.document.loras import LoraEntry, check_loras, lora_tags, split_lora_tags
from f1studio.engine.request import GenerationRequest, LoraSpec
from f1studio.project.export import format_parameters
from f1studio.project.f1s import load_project, save_project


def _doc() -> tuple[Document, str]:
    doc = Document(64, 64, prompt="a castle")
    region = doc.add_layer("region", prompt="a knight").id
    doc.paint_rect(region, 0, 0, 64, 32, 255)
    doc.set_setting(
        "loras",
        (
            LoraEntry("/loras/ink style.safetensors", 0.8),
            LoraEntry("/l/off.safetensors", 1.0, False),
        ),
    )
    doc.set_layer_property(region, "loras", [{"path": "/loras/knight.safetensors", "weight": -0.5}])
    return doc, region


def test_switched_on_loras_reach_the_request_globally_and_per_region() -> None:
    doc, region = _doc()
    request = build_request(doc)
    assert request.loras == (LoraSpec("/loras/ink style.safetensors", 0.8),)
    assert request.regions[0].loras == (LoraSpec("/loras/knight.safetensors", -0.5),)
    doc.set_layer_property(region, "loras", [{"path": "/loras/knight.safetensors", "weight": 0}])
    assert build_request(doc).regions[0].loras == ()  # weight 0 is the same as off
    doc.undo()
    assert build_request(doc) == request


def test_loras_round_trip_through_the_project_file(tmp_path: Path) -> None:
    doc, region = _doc()
    loaded = load_project(save_project(doc, tmp_path / "p.f1s"))
    assert loaded.settings.loras == doc.settings.loras
    assert loaded.layer(region).loras == (LoraEntry("/loras/knight.safetensors", -0.5),)
    assert build_request(loaded) == build_request(doc)


def test_loras_round_trip_through_the_request_json() -> None:
    doc, _ = _doc()
    request = build_request(doc)
    data, images = request.to_json()
    assert GenerationRequest.from_json(data, images) == request


def test_png_parameters_carry_the_automatic1111_tags() -> None:
    doc, _ = _doc()
    text = format_parameters(build_request(doc))
    assert text.splitlines()[0] == "a castle <lora:ink style:0.8>"
    prompt, tags = split_lora_tags(text.splitlines()[0])
    assert prompt == "a castle" and tags == [("ink style", 0.8)]


def test_automatic1111_tags_are_read_from_a_pasted_prompt() -> None:
    prompt, tags = split_lora_tags(
        "<lora:detail:0.6>, a fox,  <lora:Ghibli Style:1.2:te=1> in snow <LORA:x>"
    )
    assert prompt == "a fox, in snow"
    assert tags == [("detail", 0.6), ("Ghibli Style", 1.2), ("x", 1.0)]
    assert lora_tags([LoraSpec("/a/b/detail.safetensors", 0.6)]) == "<lora:detail:0.6>"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a.safetensors", "must be a list"),
        ([{"path": "a.safetensors", "weight": 3}], "-2..2"),
        ([{"path": "a.safetensors", "weight": "1"}], "must be a number"),
        ([{"path": ""}], "needs the path"),
        ([{"path": "a.safetensors", "colour": 1}], "no field 'colour'"),
        ([{"path": "a.safetensors", "enabled": "yes"}], "true or false"),
        ([{"path": f"{i}.safetensors"} for i in range(17)], "at most 16"),
    ],
)
def test_bad_lora_lists_are_refused_with_a_clear_message(value, message) -> None:
    with pytest.raises(ValueError, match=message):
        check_loras(value)
    doc, region = _doc()
    with pytest.raises(ValueError):
        doc.set_setting("loras", value)
    assert np.array_equal(
        build_request(doc).regions[0].mask.array() > 0, doc.layer(region).data > 0
    )
