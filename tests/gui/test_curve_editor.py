"""A guide's strength curve drawn in the layer properties: presets, dragged points, undo, the
request it makes, and the sparkline in the layer list."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from f1studio.document.build import build_request
from f1studio.document.curves import CURVE_PRESETS
from f1studio.document.document import Document
from f1studio.gui.panels.layers_panel import LayersPanel

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture()
def panel(qtbot):
    doc = Document(64, 64)
    guide = doc.add_layer("edge", "Lines", weight=1.0)
    doc.paint_rect(guide.id, 20, 0, 21, 64, 255)
    doc.history.clear()
    panel = LayersPanel(doc)
    qtbot.addWidget(panel)
    panel.resize(300, 700)
    panel.show()
    panel.select_layer(guide.id)
    return panel


def guide_of(panel):
    return panel.document.layers[0]


def test_a_preset_is_one_undo_step_and_shapes_the_guide_over_the_steps(panel) -> None:
    editor = panel.properties.curve_editor
    assert panel.properties.row_shown("curve")
    assert editor.presets.currentText() == "Constant"
    index = editor.presets.findText("Structure first")
    editor.presets.activated.emit(index)  # the user picks it from the menu
    guide = guide_of(panel)
    assert guide.curve == CURVE_PRESETS["Structure first"]
    control = build_request(panel.document).controls[0]
    scales = [control.scale_at(step, 10) for step in range(10)]
    first, last = CURVE_PRESETS["Structure first"][0], CURVE_PRESETS["Structure first"][-1]
    assert scales[0] == pytest.approx(first) and scales[-1] == pytest.approx(last)
    assert first > last
    assert all(a >= b for a, b in zip(scales, scales[1:], strict=False))  # lets go as it goes
    assert panel.document.history.labels == ["Strength curve: Structure first"]
    panel.document.undo()
    assert guide.curve is None and editor.presets.currentText() == "Constant"


def test_dragging_a_point_is_one_undo_step_and_shows_custom(panel, qtbot) -> None:
    plot = panel.properties.curve_editor.plot
    last = plot.point_at(len(plot.values) - 1).toPoint()
    qtbot.mousePress(plot, LEFT, pos=last)
    for dy in (5, 15, 30):
        qtbot.mouseMove(plot, last + QPoint(0, dy))
    qtbot.mouseRelease(plot, LEFT, pos=last + QPoint(0, 30))
    guide = guide_of(panel)
    assert guide.curve is not None and guide.curve[-1] < 1.0 and guide.curve[0] == 1.0
    assert panel.properties.curve_editor.presets.currentText() == "Custom"
    assert len(panel.document.history.labels) == 1
    panel.document.undo()
    assert guide.curve is None


def test_the_curve_spans_the_active_range_and_the_list_draws_it(panel) -> None:
    doc = panel.document
    guide = guide_of(panel)
    item = panel.tree.topLevelItem(0)
    constant = item.icon(0).pixmap(panel.tree.iconSize()).toImage()
    doc.set_layer_range(guide.id, 0.2, 0.6)
    plot = panel.properties.curve_editor.plot
    first, last = plot.point_at(0).x(), plot.point_at(len(plot.values) - 1).x()
    area = plot.rect().adjusted(8, 8, -8, -8)
    assert first == pytest.approx(area.left() + 0.2 * area.width(), abs=1.5)
    assert last == pytest.approx(area.left() + 0.6 * area.width(), abs=1.5)
    doc.set_layer_property(guide.id, "curve", CURVE_PRESETS["Texture later"])
    shaped = panel.tree.topLevelItem(0).icon(0).pixmap(panel.tree.iconSize()).toImage()
    assert shaped != constant


def test_curves_up_to_twice_the_weight_survive_a_save(tmp_path) -> None:
    from f1studio.project.f1s import load_project, save_project

    doc = Document(64, 64)
    doc.add_layer("edge", curve=(2.0, 1.0, 0.0))
    back = load_project(save_project(doc, tmp_path / "c.f1s"))
    assert back.layers[0].curve == (2.0, 1.0, 0.0)
    with pytest.raises(ValueError, match="0..2"):
        doc.add_layer("edge", curve=(2.5, 1.0))


def test_add_layer_takes_a_curve_on_the_command_line(tmp_path, monkeypatch, capsys) -> None:
    import numpy as np
    from PIL import Image

    from f1studio.cli import main
    from f1studio.project.f1s import load_project

    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path / "config"))
    lines = np.zeros((64, 64), np.uint8)
    lines[30] = 255
    Image.fromarray(lines).save(tmp_path / "lines.png")
    project = str(tmp_path / "p.f1s")
    assert main(["new", project, "--size", "64x64", "--prompt", "a house"]) == 0
    image = str(tmp_path / "lines.png")
    args = ["add-layer", project, "--kind", "edge", "--image", image, "--curve", "1,1,0.3,0"]
    assert main(args) == 0
    assert load_project(project).layers[-1].curve == (1.0, 1.0, 0.3, 0.0)
    capsys.readouterr()
    assert main([*args[:-1], "1,3"]) == 1
    assert "0..2" in capsys.readouterr().err
    assert main(["add-layer", project, "--kind", "region", "--image", image, "--curve", "1,0"]) == 1
    assert "does not take --curve" in capsys.readouterr().err
