"""A new guide layer starts at the Weight and Mode its model renders it best with: the demo
model suggests leaning toward the guide (its ``guide_defaults.json``), so an outline drawn
with the mouse is followed closely; other models keep weight 1, balanced."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from f1studio.appsettings import AppSettings
from f1studio.demo import model as demo
from f1studio.document.layers import LayerKind
from f1studio.model_choice import ModelChoice
from f1studio.model_library import guide_defaults_for, new_layer_properties

DEMO_PIPELINE = str(demo.DEMO_ROOT / "pipeline")


def test_the_demo_model_suggests_leaning_toward_its_guides():
    found = demo.guide_defaults()
    assert found["edge"] == {"weight": 1.2, "balance": 0.5}
    assert found["depth"] == {"weight": 1.0, "balance": 1.0}
    assert guide_defaults_for(DEMO_PIPELINE, "edge") == found["edge"]
    assert guide_defaults_for(str(demo.DEMO_ROOT / "controlnet-edge"), "depth") == found["depth"]


def test_other_models_and_other_layers_keep_their_usual_defaults(tiny_models):
    tiny = ModelChoice(base=str(tiny_models["pipeline"]))
    assert guide_defaults_for(str(tiny_models["pipeline"]), "edge") == {}
    assert guide_defaults_for(None, "edge") == {}
    assert new_layer_properties("edge", tiny, None) == {}
    assert new_layer_properties("edge", None, tiny) == {}  # the user's choice counts too
    assert new_layer_properties("edge", None, None) == demo.guide_defaults()["edge"]
    for kind in ("paint", "region", "inpaint", "reference"):
        assert new_layer_properties(kind, None, None) == {}


def test_a_damaged_or_out_of_range_file_suggests_nothing_it_cannot_stand_by(tmp_path):
    root = tmp_path / "model"
    root.mkdir()
    path = root / demo.GUIDE_DEFAULTS
    assert demo.guide_defaults(root) == {}  # no file
    for bad in ("{", "[1, 2]", json.dumps({"edge": 3})):
        path.write_text(bad)
        assert demo.guide_defaults(root) == {}, bad
    path.write_text(
        json.dumps(
            {
                "edge": {"weight": 3.0, "balance": 0.5},  # weight out of 0..2: left out
                "depth": {"weight": True, "balance": -2},  # neither is a usable number
                "colour": {"weight": 1.0},  # no such guide
            }
        )
    )
    assert demo.guide_defaults(root) == {"edge": {"balance": 0.5}}


@pytest.fixture()
def window(studio):
    return studio(AppSettings(device="cpu"), size=(1300, 850))  # no model: the demo model


@pytest.mark.parametrize("kind", [LayerKind.EDGE, LayerKind.DEPTH])
def test_a_guide_added_in_the_window_takes_the_demo_models_weight_and_mode(window, kind):
    layer = window.layers_panel.add_layer(kind)
    suggested = demo.guide_defaults()[kind.value]
    assert (layer.weight, layer.balance) == (suggested["weight"], suggested["balance"])
    # the properties panel shows them: Mode leans toward the guide
    props = window.layers_panel.properties
    assert props.balance_slider.value() == pytest.approx(suggested["balance"])
    window.doc.undo()  # one undo step takes the layer away, as before
    assert all(la.id != layer.id for la in window.doc.layers)
    paint = window.layers_panel.add_layer(LayerKind.PAINT)
    assert paint is not None and paint.kind is LayerKind.PAINT


def test_with_another_model_a_guide_starts_at_weight_1_balanced(window, tiny_models):
    window.doc.set_model("base", str(tiny_models["pipeline"]))
    layer = window.layers_panel.add_layer(LayerKind.EDGE)
    assert (layer.weight, layer.balance) == (1.0, 0.0)


def test_a_guide_made_from_a_photo_takes_them_too(window, qtbot):
    from skimage import data

    photo = window.doc.add_layer(
        LayerKind.REFERENCE, name="Cat", data=_rgba(data.chelsea(), window.doc.width)
    )
    before = len(window.doc.layers)
    window.layers_panel.extractRequested.emit(photo.id, "edge")
    qtbot.waitUntil(lambda: len(window.doc.layers) == before + 1, timeout=20000)
    guide = window.doc.layers[-1]
    assert guide.kind is LayerKind.EDGE and guide.data.any()
    assert (guide.weight, guide.balance) == (1.2, 0.5)


def _rgba(picture: np.ndarray, side: int) -> np.ndarray:
    small = np.asarray(Image.fromarray(picture).convert("RGBA").resize((side, side)))
    return np.ascontiguousarray(small)


def test_the_command_line_adds_guides_the_same_way_unless_told(tmp_path, monkeypatch):
    from f1studio.cli import main
    from f1studio.project.f1s import load_project

    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path / "config"))
    project = tmp_path / "p.f1s"
    outline = tmp_path / "outline.png"
    lines = np.zeros((128, 128), np.uint8)
    lines[30:34, 20:100] = 255
    Image.fromarray(lines).save(outline)
    assert main(["new", str(project), "--size", "128x128", "--prompt", "a red square"]) == 0
    common = ["add-layer", str(project), "--kind", "edge", "--image", str(outline)]
    assert main(common) == 0
    assert main([*common, "--mode", "balanced", "--weight", "0.8"]) == 0
    assert main([*common, "--mode", "guide"]) == 0
    guides = [la for la in load_project(project).layers if la.kind is LayerKind.EDGE]
    assert [(g.weight, g.balance) for g in guides] == [(1.2, 0.5), (0.8, 0.0), (1.2, 1.0)]


def test_the_shipped_suggestions_are_the_recipes():
    """A fresh training run exports the same file (``TrainSettings.guide_defaults``)."""
    from f1studio.demo.train_settings import FULL

    assert FULL.guide_defaults() == demo.guide_defaults()
