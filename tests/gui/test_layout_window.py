"""Layout in the window: the button, the shortcut, undo, the labels and Layout before Generate."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from f1studio.appsettings import AppSettings
from f1studio.document.layers import LayerKind

PROMPT = "a red circle on the left and a small blue square at the top right, on a yellow background"


@pytest.fixture()
def window(studio, tiny_models):
    win = studio(AppSettings(base=str(tiny_models["pipeline"]), device="cpu"))
    win.doc.resize_canvas(64, 64)
    win.doc.set_setting("steps", 2)
    win.set_document(win.doc, None)
    return win


def regions(win) -> list:
    return [layer for layer in win.doc.layers if layer.kind is LayerKind.REGION]


def test_layout_button_makes_labelled_regions_and_one_undo_takes_them_back(window, qtbot):
    window.prompt_panel.prompt_edit.setPlainText(PROMPT)
    qtbot.mouseClick(window.layout_controls.layout_button, Qt.MouseButton.LeftButton)
    made = regions(window)
    assert len(made) == 2
    (circle,) = [layer for layer in made if "red circle" in layer.prompt]
    (square,) = [layer for layer in made if "blue square" in layer.prompt]
    ys, xs = circle.data.nonzero()
    assert xs.mean() < 32 and abs(ys.mean() - 32) < 12  # on the left, middle row
    ys, xs = square.data.nonzero()
    assert xs.mean() > 32 and ys.mean() < 32  # top right
    assert "2 regions laid out" in window.statusBar().currentMessage()
    # the canvas names each box while guides and masks show
    labels = window.canvas._labels.boxes(window.doc)
    assert sorted(name for _box, name in labels) == sorted(layer.name for layer in made)
    assert window.layers_panel.tree.topLevelItemCount() >= 2
    assert window.undo_action.text() == "&Undo Layout"  # Edit menu names the step
    window.undo()
    assert regions(window) == []
    assert window.doc.prompt == PROMPT  # the prompt is left as typed
    assert window.redo_action.text() == "&Redo Layout" and window.redo_action.isEnabled()


def test_the_shortcut_lays_out_and_no_place_words_change_nothing(window, qtbot):
    window.prompt_panel.prompt_edit.setPlainText("a red car, oil painting")
    labels = window.doc.history.labels
    qtbot.keyClick(
        window.canvas,
        Qt.Key.Key_L,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert regions(window) == [] and window.doc.history.labels == labels
    assert "nothing to lay out" in window.statusBar().currentMessage()


def test_layout_before_each_render_sends_the_regions_and_the_remainder(window, qtbot):
    window.layout_controls.auto_check.setChecked(True)
    assert window.doc.settings.layout_auto
    combo = window.layout_controls.shape_combo
    assert combo.currentData() == window.doc.settings.layout_shape == "fitted"
    combo.setCurrentIndex(combo.findData("ellipse"))
    assert window.doc.settings.layout_shape == "ellipse"
    window.prompt_panel.prompt_edit.setPlainText(PROMPT)
    with qtbot.waitSignal(window.worker.jobFinished, timeout=60000):
        qtbot.mouseClick(window.render_controls.generate_button, Qt.MouseButton.LeftButton)
    request = window.generation.last_request
    assert request.prompt == "on a yellow background"
    assert len(request.regions) == 2
    made = regions(window)
    assert len(made) == 2
    assert ((made[0].data > 0) & (made[0].data < 255)).any()  # ellipses with soft edges


def test_a_layout_after_a_render_shows_its_boxes_instead_of_the_result(window, qtbot):
    window.prompt_panel.prompt_edit.setPlainText(PROMPT)
    with qtbot.waitSignal(window.worker.jobFinished, timeout=60000):
        qtbot.mouseClick(window.render_controls.generate_button, Qt.MouseButton.LeftButton)
    assert window.canvas.previewing_result  # the new result covers the canvas
    qtbot.mouseClick(window.layout_controls.layout_button, Qt.MouseButton.LeftButton)
    assert len(regions(window)) == 2
    assert not window.canvas.previewing_result and window.results.count == 1  # kept in the strip
    # a Layout that changes nothing leaves a chosen preview where it is
    window.results.select_result(window.results.result_ids()[0])
    qtbot.mouseClick(window.layout_controls.layout_button, Qt.MouseButton.LeftButton)
    assert window.canvas.previewing_result
    assert "already in place" in window.statusBar().currentMessage()


def test_the_loading_line_gives_way_once_the_render_runs(window, qtbot):
    messages: list[str] = []
    window.generation.statusMessage.connect(messages.append)
    window.prompt_panel.prompt_edit.setPlainText(PROMPT)
    with qtbot.waitSignal(window.worker.jobFinished, timeout=60000):
        qtbot.mouseClick(window.render_controls.generate_button, Qt.MouseButton.LeftButton)
    # a new window's first render loads the model, then says it renders (Esc still cancels)
    loading = [i for i, m in enumerate(messages) if m.startswith("Loading the model")]
    assert loading and messages[loading[0] + 1] == "Rendering… (Esc cancels)"
    messages.clear()
    with qtbot.waitSignal(window.worker.jobFinished, timeout=60000):
        qtbot.mouseClick(window.render_controls.generate_button, Qt.MouseButton.LeftButton)
    assert "Rendering… (Esc cancels)" not in messages  # in memory now: nothing to say
