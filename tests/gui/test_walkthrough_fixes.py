"""Fixes for what a walk through the window under Xvfb found (issue 12's "Done when")."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QFileDialog

from f1studio.document.results import ResultRecord


@pytest.fixture()
def qsettings_home(tmp_path):
    """The platform's QSettings folder, moved into the test's folder."""
    home = tmp_path / "qs"
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(home))
    return home


@pytest.fixture()
def window(small_window, qsettings_home):
    return small_window


def _render(qtbot, window) -> None:
    with qtbot.waitSignal(window.worker.jobFinished, timeout=60000):
        window.generation.generate()
    qtbot.wait(50)


def test_a_fresh_config_folder_means_no_last_project(tmp_path, monkeypatch, qsettings_home):
    """F1STUDIO_CONFIG_DIR on a new folder: the window must not open the project another run
    (with the user's own config) left as the last one."""
    from f1studio.gui.file_window import app_qsettings

    monkeypatch.delenv("F1STUDIO_CONFIG_DIR", raising=False)
    app_qsettings().setValue("last_project", str(tmp_path / "someone-elses.f1s"))
    app_qsettings().sync()
    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path / "fresh"))
    assert app_qsettings().value("last_project") is None
    app_qsettings().setValue("recent", ["a.f1s"])
    app_qsettings().sync()
    assert (tmp_path / "fresh" / "window.ini").is_file()


def test_importing_a_picture_ends_the_result_preview(qtbot, window, monkeypatch, tmp_path):
    """The preview covers the canvas: an imported picture must show, not hide under it."""
    from PIL import Image

    _render(qtbot, window)
    assert window.canvas.previewing_result
    photo = tmp_path / "stripes.png"
    stripes = np.zeros((64, 64, 3), np.uint8)
    stripes[::4] = 255
    Image.fromarray(stripes).save(photo)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(photo)], ""))
    before = len(window.doc.layers)
    action = next(a for a in window.findChildren(QAction) if a.text().startswith("Import image"))
    action.trigger()
    qtbot.waitUntil(lambda: len(window.doc.layers) == before + 1, timeout=20000)
    qtbot.wait(50)
    assert not window.canvas.previewing_result
    assert window.results.selected_id is None and window.results.count == 1


def test_the_window_remembers_its_size_and_docks(qtbot, window, tmp_path):
    from f1studio.gui.main_window import MainWindow

    window.resize(780, 560)  # within the offscreen screen (800x600)
    window.undo_history_dock.show()
    qtbot.wait(50)
    size = window.size()
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    default = again.size()
    again.restore_window_layout()
    again.show()
    qtbot.waitExposed(again)
    try:
        assert again.size() == size != default
        assert again.undo_history_dock.isVisible()
    finally:
        again.worker.shutdown()


def test_a_white_result_shows_its_edge_and_an_applied_one_its_mark(qtbot, window):
    white = ResultRecord(np.full((64, 64, 3), 255, np.uint8), {"seed": 1, "prompt": "white"})
    window.doc.results.add(white)
    assert window.results.count == 1
    item = window.results.list.item(0)
    thumb = item.icon().pixmap(96, 96).toImage()
    edge, inside = QColor(thumb.pixel(0, 48)), QColor(thumb.pixel(48, 48))
    assert inside.lightness() == 255 and edge.lightness() < 200  # a grey frame, white inside
    corner_before = QColor(thumb.pixel(84, 84))
    window.results.select_result(white.id)
    window.results.apply_result(white.id)
    qtbot.waitUntil(lambda: window.results.is_applied(white.id), timeout=5000)
    marked = window.results.list.item(0).icon().pixmap(96, 96).toImage()
    corner_after = QColor(marked.pixel(84, 84))
    assert corner_before.lightness() == 255 and corner_after.green() > corner_after.red() + 40
    assert QColor(marked.pixel(48, 48)).lightness() == 255  # the picture itself is unchanged


def test_the_selected_result_keeps_its_colours_in_the_strip(qtbot, window):
    """The strip's selection must not tint the thumbnail of the result being previewed."""
    from PySide6.QtGui import QIcon

    red = np.zeros((64, 64, 3), np.uint8)
    red[..., 0] = 220
    record = ResultRecord(red, {"seed": 3, "prompt": "red"})
    window.doc.results.add(record)
    window.results.select_result(record.id)
    icon = window.results.list.item(0).icon()
    normal = icon.pixmap(96, 96, QIcon.Mode.Normal).toImage()
    selected = icon.pixmap(96, 96, QIcon.Mode.Selected).toImage()
    assert QColor(selected.pixel(48, 48)) == QColor(normal.pixel(48, 48)) == QColor(220, 0, 0)


@pytest.mark.parametrize("how", ["shortcut", "button"])
def test_a_number_typed_then_generated_at_once_counts(qtbot, window, how):
    """Batch: select the 1, type 2, then Ctrl+Enter (or click Generate) without Enter first."""
    from PySide6.QtCore import Qt

    spin = window.prompt_panel.batch_spin
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    spin.selectAll()
    qtbot.keyClicks(spin, "2")
    assert window.doc.settings.batch_count == 1  # not entered yet
    with qtbot.waitSignal(window.worker.jobFinished, timeout=60000):
        if how == "shortcut":
            qtbot.keyClick(spin, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        else:
            qtbot.mouseClick(window.render_controls.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.doc.results) == 2, timeout=60000)
    assert window.doc.settings.batch_count == 2 and spin.value() == 2


def test_a_long_layer_name_shows_from_its_start(window):
    name = "a small blue square at the top right and a green triangle (seed 43)"
    layer = window.doc.add_layer("paint", name=name)
    window.layers_panel.select_layer(layer.id)
    edit = window.layers_panel.properties.name_edit
    assert edit.text() == name and edit.cursorPosition() == 0
