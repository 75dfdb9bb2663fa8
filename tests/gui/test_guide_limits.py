"""A guide limited to a region and its control mode, set in the window and on the command line."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.document.build import build_request
from f1studio.document.document import Document
from f1studio.gui.panels.layer_properties import mode_text
from f1studio.gui.panels.layers_panel import LayersPanel


@pytest.fixture()
def panel(qtbot):
    doc = Document(64, 64)
    figure = doc.add_layer("region", "Left figure", prompt="a knight")
    doc.paint_rect(figure.id, 0, 0, 64, 32, 255)
    guide = doc.add_layer("edge", "Lines")
    doc.paint_rect(guide.id, 20, 0, 21, 64, 255)
    panel = LayersPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    panel.select_layer(guide.id)
    return panel


def test_limit_to_a_region_sends_its_mask_with_the_guide(panel) -> None:
    props = panel.properties
    doc = panel.document
    figure, guide = doc.layers
    assert props.row_shown("region") and props.row_shown("balance")
    combo = props.region_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["the whole canvas", "Left figure"]
    combo.setCurrentIndex(1)
    combo.activated.emit(1)
    assert guide.region == figure.id
    control = build_request(doc).controls[0]
    assert np.array_equal(control.mask.array(), figure.data)
    doc.set_layer_property(figure.id, "name", "Knight")  # the list follows a rename
    assert combo.itemText(1) == "Knight"
    doc.undo()
    doc.undo()
    assert guide.region == "" and build_request(doc).controls[0].mask is None
    doc.redo()
    doc.remove_layer(figure.id)  # a deleted region: the guide acts everywhere again
    assert build_request(doc).controls[0].mask is None
    assert "deleted" in combo.currentText()


def test_the_mode_slider_sets_the_balance(panel) -> None:
    props = panel.properties
    guide = panel.document.layers[1]
    props.balance_slider.setValue(1.0)
    assert guide.balance == 1.0 and build_request(panel.document).controls[0].balance == 1.0
    assert props.balance_label.text() == "the guide is more important"
    assert mode_text(-0.5) == "leaning to the prompt (50%)" and mode_text(0.0) == "balanced"


def test_region_and_mode_on_the_command_line_and_in_the_file(tmp_path, monkeypatch, capsys):
    from PIL import Image

    from f1studio.cli import main
    from f1studio.project.f1s import load_project

    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path / "config"))
    left = np.zeros((64, 64), np.uint8)
    left[:, :32] = 255
    Image.fromarray(left).save(tmp_path / "left.png")
    project = str(tmp_path / "p.f1s")
    main(["new", project, "--size", "64x64", "--prompt", "two knights"])
    img = str(tmp_path / "left.png")
    main(
        [
            "add-layer",
            project,
            "--kind",
            "region",
            "--image",
            img,
            "--name",
            "Left",
            "--prompt",
            "x",
        ]
    )
    add = ["add-layer", project, "--kind", "edge", "--image", img]
    assert main([*add, "--region", "Left", "--mode", "guide", "--curve", "1,0"]) == 0
    doc = load_project(project)
    guide = doc.layers[-1]
    assert (guide.region, guide.balance, guide.curve) == (doc.layers[-2].id, 1.0, (1.0, 0.0))
    control = build_request(doc).controls[0]
    assert np.array_equal(control.mask.array(), left) and control.balance == 1.0
    capsys.readouterr()
    assert main([*add, "--region", "Right"]) == 1
    assert "no region layer called 'Right'" in capsys.readouterr().err


def test_the_control_slider_moves_weight_range_and_curve_in_one_step(panel) -> None:
    from f1studio.document.control_presets import settings_at

    props = panel.properties
    doc = panel.document
    guide = doc.layers[1]
    assert props.row_shown("control")
    assert props.control_label.text() == "default: full weight on every step"  # not "custom"
    steps = len(doc.history.labels)
    slider = props.control_slider
    slider.slider.setSliderDown(True)
    for level in (0.8, 0.4, 0.0):
        slider.setValue(level)
    slider.slider.setSliderDown(False)
    props.seal()
    loose = settings_at("edge", 0.0)
    assert (guide.weight, guide.start, guide.end, guide.curve) == (
        loose.weight, loose.start, loose.end, loose.curve,
    )  # fmt: skip
    assert guide.curve is not None and guide.curve[0] > guide.curve[-1]  # structure first
    assert len(doc.history.labels) == steps + 1
    assert props.control_label.text() == "0% of the way from loose to strict"
    control = build_request(doc).controls[0]
    assert control.scale_at(0, 10) > control.scale_at(5, 10)
    doc.set_layer_property(guide.id, "weight", 0.9)  # one part edited: custom
    assert props.control_label.text().startswith("custom")
    doc.undo()
    doc.undo()
    assert (guide.weight, guide.end, guide.curve) == (1.0, 1.0, None)
    assert props.control_label.text() == "default: full weight on every step"
