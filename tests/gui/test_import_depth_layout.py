"""Getting pictures in, seeing what you paint, a steady layout and the words on screen (issue 12),
driven in the window with the demo model as a user would."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QFileDialog

from f1studio.appsettings import AppSettings
from f1studio.document.layers import LayerKind
from f1studio.gui.canvas.depth_legend import depth_rgb, legend_labels

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture()
def window(studio):
    return studio(AppSettings(device="cpu"), size=(1300, 850))  # no model: the demo model


@pytest.fixture()
def photos(tmp_path):
    """Two real photos (skimage's astronaut and coffee) as PNG files and a corrupt one."""
    from skimage import data

    paths = []
    for name, picture in (("astronaut", data.astronaut()), ("coffee", data.coffee())):
        path = tmp_path / f"{name}.png"
        Image.fromarray(picture).save(path)
        paths.append(str(path))
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a picture" * 20)
    return paths, str(broken)


def _action(win, text: str) -> QAction:
    found = [a for a in win.findChildren(QAction) if a.text().replace("&", "") == text]
    assert found, f"no action {text!r}"
    return found[0]


def _pick(monkeypatch, paths: list[str]) -> list[str]:
    """Make the open-files dialog answer ``paths``; returns the list of titles it was shown."""
    titles: list[str] = []

    def answer(_parent, title, *_args, **_kwargs):
        titles.append(title)
        return list(paths), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", answer)
    return titles


# ---- getting pictures in ----------------------------------------------------------------
def test_file_import_adds_each_picture_and_names_the_broken_file(
    window, qtbot, monkeypatch, photos
):
    good, broken = photos
    titles = _pick(monkeypatch, [good[0], broken, good[1]])
    errors: list[str] = []
    window.imports.errorMessage.connect(errors.append)
    before = len(window.doc.layers)
    _action(window, "Import image as reference…").trigger()
    qtbot.waitUntil(lambda: len(window.doc.layers) == before + 2 and bool(errors), timeout=20000)
    qtbot.wait(100)
    added = window.doc.layers[before:]
    assert [layer.name for layer in added] == ["astronaut", "coffee"]
    assert all(layer.kind is LayerKind.REFERENCE for layer in added)
    # scaled to fit the 128 px canvas: the astronaut fills it, coffee (600x400) keeps its aspect
    assert added[0].data[..., 3].min() == 255 and added[0].data[..., :3].std() > 20
    coffee_rows = np.flatnonzero(added[1].data[..., 3].any(axis=1))
    assert len(coffee_rows) == round(128 * 400 / 600)
    assert len(errors) == 1 and "broken.png" in errors[0]
    assert "reference" in titles[0]
    assert window.layers_panel.active_layer_id == added[-1].id


def test_file_import_as_paint_layer(window, qtbot, monkeypatch, photos):
    _pick(monkeypatch, photos[0][1:])
    before = len(window.doc.layers)
    _action(window, "Import image as paint layer…").trigger()
    qtbot.waitUntil(lambda: len(window.doc.layers) == before + 1, timeout=20000)
    assert window.doc.layers[-1].kind is LayerKind.PAINT
    assert window.doc.layers[-1].name == "coffee"


def test_add_reference_image_opens_the_file_picker(window, qtbot, monkeypatch, photos):
    titles = _pick(monkeypatch, [])
    before = len(window.doc.layers)
    window.layers_panel.add_actions[LayerKind.REFERENCE].trigger()
    qtbot.wait(50)
    assert len(titles) == 1 and len(window.doc.layers) == before  # cancelled: nothing added
    _pick(monkeypatch, photos[0][:1])
    window.layers_panel.add_actions[LayerKind.REFERENCE].trigger()
    qtbot.waitUntil(lambda: len(window.doc.layers) == before + 1, timeout=20000)
    assert window.doc.layers[-1].kind is LayerKind.REFERENCE
    assert window.doc.layers[-1].data[..., 3].any()


@pytest.mark.parametrize("kind", ["edge", "depth"])
def test_a_guide_from_an_empty_reference_layer_says_what_is_wrong(window, qtbot, kind):
    empty = window.doc.add_layer(LayerKind.REFERENCE, name="Empty ref")
    before = len(window.doc.layers)
    with qtbot.waitSignal(window.imports.errorMessage) as said:
        window.layers_panel.extractRequested.emit(empty.id, kind)
    assert "Empty ref" in said.args[0] and "empty" in said.args[0]
    assert "Import image" in said.args[0]
    qtbot.wait(100)
    assert len(window.doc.layers) == before  # no empty guide


# ---- seeing what you paint ----------------------------------------------------------------
def _grab(widget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine())
    return rows[:, : 3 * w].reshape(h, w, 3).astype(int)


def test_depth_levels_show_on_a_colour_ramp_with_a_legend(window, qtbot):
    canvas = window.canvas
    assert not canvas.depth_legend_shown
    depth = window.layers_panel.add_layer(LayerKind.DEPTH)
    assert depth is not None
    for x0, x1, level in ((0, 40, 60), (40, 80, 130), (80, 128, 220)):  # far, middle, near
        window.doc.paint_rect(depth.id, 0, x0, 128, x1, level)
    qtbot.wait(50)
    assert canvas.depth_legend_shown
    assert legend_labels() == ["far 0", "128", "near 255"]
    shot = _grab(canvas)
    y = int(canvas.canvas_to_widget(0, 64).y())
    far, mid, near = (shot[y, int(canvas.canvas_to_widget(x, 64).x())] for x in (20, 60, 100))
    # the levels are told apart by hue and lightness, not only by a faint grey
    assert np.abs(far - mid).sum() > 90 and np.abs(mid - near).sum() > 90
    assert near.sum() > mid.sum() > far.sum()  # near is light, far is dark
    bar = canvas._legend.bar_rect()  # the legend's ramp: its ends are the far and near colours
    left = shot[int(bar.center().y()), int(bar.left()) + 2]
    right = shot[int(bar.center().y()), int(bar.right()) - 2]
    assert np.abs(left - np.array(depth_rgb(0))).max() < 25
    assert np.abs(right - np.array(depth_rgb(255))).max() < 25
    window.canvas.set_guides_visible(False)
    assert not canvas.depth_legend_shown


def test_depth_slider_shows_its_number_and_jumps_to_the_click(window, qtbot):
    bar = window.toolbar
    slider = bar.depth_slider
    assert window.layers_panel.add_layer(LayerKind.DEPTH) is not None
    assert bar.depth_value.text() == str(slider.value())
    qtbot.mouseClick(slider, LEFT, pos=QPoint(int(slider.width() * 0.25), slider.height() // 2))
    assert abs(slider.value() - 64) <= 25  # at the click, not one page step (10) from 200
    assert window.canvas.brush.depth_level == slider.value()
    assert bar.depth_value.text() == str(slider.value())


def test_depth_level_is_active_only_on_a_depth_guide_and_the_tool_bar_stays_put(window, qtbot):
    bar, panel = window.toolbar, window.layers_panel
    layers = {kind: panel.add_layer(kind) for kind in LayerKind}
    qtbot.wait(20)
    widgets = (bar.depth_far_label, bar.depth_slider, bar.depth_near_label, bar.depth_value)
    place = [(w.mapTo(window, QPoint(0, 0)), w.size(), w.isVisible()) for w in widgets]
    for kind, layer in layers.items():
        assert layer is not None
        panel.select_layer(layer.id)
        qtbot.wait(20)
        on_depth = kind is LayerKind.DEPTH
        assert [w.isEnabled() for w in widgets] == [on_depth] * 4, kind
        assert bar.depth_active == on_depth
        # greyed out, not hidden: nothing in the tool bar moves
        assert [(w.mapTo(window, QPoint(0, 0)), w.size(), w.isVisible()) for w in widgets] == place
        level = window.canvas.brush.depth_level
        slider = bar.depth_slider
        qtbot.mouseClick(slider, LEFT, pos=QPoint(int(slider.width() * 0.1), slider.height() // 2))
        assert (window.canvas.brush.depth_level != level) == on_depth, kind
        assert bar.depth_value.text() == str(window.canvas.brush.depth_level)


def test_brush_size_follows_the_canvas_and_each_layer_kind_keeps_its_own(window, qtbot):
    panel, canvas, spin = window.layers_panel, window.canvas, window.toolbar.size_spin
    assert (window.doc.width, canvas.brush.size) == (128, 4.0)  # not a fifth of the canvas
    edge = panel.add_layer(LayerKind.EDGE)
    assert canvas.brush.size == 3.0 and spin.value() == 3
    spin.setValue(5)  # the user's own edge brush
    depth = panel.add_layer(LayerKind.DEPTH)
    assert canvas.brush.size == 16.0 and spin.value() == 16  # broad for depth
    assert edge is not None and depth is not None
    panel.select_layer(edge.id)
    assert canvas.brush.size == 5.0  # remembered
    window.doc.resize_canvas(512, 512)
    panel.select_layer(depth.id)
    assert canvas.brush.size == 64.0  # defaults follow the canvas


# ---- a steady layout -----------------------------------------------------------------------
def test_selecting_any_layer_keeps_the_panel_width_and_the_add_button(window, qtbot):
    panel = window.layers_panel
    for kind in LayerKind:
        window.doc.add_layer(kind, name=kind.label)
    window.doc.add_layer(LayerKind.PAINT, name="A very long layer name " * 6)
    qtbot.wait(50)
    dock = panel.parentWidget()

    def where() -> tuple[int, tuple[int, int, int, int], int]:
        button = panel.add_button
        top_left = button.mapTo(window, QPoint(0, 0))
        return (
            dock.width(),
            (top_left.x(), top_left.y(), button.width(), button.height()),
            (window.canvas.width()),
        )

    first = None
    for layer in window.doc.layers:
        panel.select_layer(layer.id)
        qtbot.wait(20)
        now = where()
        first = first or now
        assert now == first, f"the layout moved when {layer.kind.label} {layer.name!r} was chosen"


# ---- words on screen -------------------------------------------------------------------------
def test_engine_line_says_what_is_true(window):
    text = window.engine_label.text()
    assert "CPU" in text and "float32" in text and "auto" not in text
    window.set_engine_status("cpu", "float32", "full-gpu")  # what a CPU render reports
    assert "full-gpu" not in window.engine_label.text()
    window.set_engine_status("cuda", "float16", "model-offload + VAE tiling")
    assert "GPU (cuda)" in window.engine_label.text()
    assert "model-offload + VAE tiling" in window.engine_label.text()


def test_the_prompt_box_offers_the_demo_models_words(window, qtbot):
    edit = window.prompt_panel.prompt_edit
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    qtbot.keyClicks(edit, "a large tri")
    popup = window.prompt_panel.prompt_words.completer.popup()
    qtbot.waitUntil(popup.isVisible)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert edit.toPlainText() == "a large triangle "
    assert window.doc.prompt == "a large triangle "
    words = window.prompt_panel.words_label
    assert words.isVisible() and words.wordWrap() and "square" in words.text()


def test_active_steps_range_reads_in_full(window, qtbot):
    edge = window.layers_panel.add_layer(LayerKind.EDGE)
    assert edge is not None
    props = window.layers_panel.properties
    props.range_slider.setValue((0.2, 0.7))
    assert props.range_label.text() == "20% – 70%"
    label = props.range_label
    assert label.width() >= label.fontMetrics().horizontalAdvance(label.text())


def test_guidance_outside_the_useful_range_gets_a_hint(window, qtbot):
    guidance = window.guidance
    window.doc.set_setting("guidance_scale", 5.0)
    assert not guidance.hint_label.isVisible()
    window.doc.set_setting("guidance_scale", 18.0)
    assert guidance.hint_label.isVisible() and "high" in guidance.hint_label.text()
    window.doc.set_setting("guidance_scale", 1.0)
    assert guidance.hint_label.isVisible() and "low" in guidance.hint_label.text()


def test_window_and_cli_start_a_demo_project_alike(window, tmp_path):
    from f1studio.cli import main
    from f1studio.project.f1s import load_project

    project = tmp_path / "p.f1s"
    assert main(["new", str(project), "--prompt", "x"]) == 0
    cli = load_project(project)
    ui = window.doc
    assert (cli.width, cli.height) == (ui.width, ui.height) == (128, 128)
    assert cli.settings.steps == ui.settings.steps == 20
    assert cli.settings.guidance_scale == ui.settings.guidance_scale == 5.0
    assert cli.settings.scheduler == ui.settings.scheduler


def test_the_import_dialog_opens_where_the_last_import_came_from(
    window, qtbot, monkeypatch, photos
):
    """Not in whatever folder the app was started from (seen under Xvfb): the home folder
    first, then the folder of the pictures imported last."""
    from pathlib import Path

    good, _broken = photos
    folders: list[str] = []

    def answer(_parent, _title, folder, *_args, **_kwargs):
        folders.append(folder)
        return [good[0]], ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", answer)
    before = len(window.doc.layers)
    for expected in (len(window.doc.layers) + 1, len(window.doc.layers) + 2):
        _action(window, "Import image as reference…").trigger()
        qtbot.waitUntil(lambda n=expected: len(window.doc.layers) == n, timeout=20000)
    assert folders == [str(Path.home()), str(Path(good[0]).parent)]
    assert len(window.doc.layers) == before + 2
