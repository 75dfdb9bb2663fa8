"""Keyboard focus stays where the user put it; Ctrl+Z reaches the document; the Undo History."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication

from f1studio.document.layers import LayerKind


@pytest.fixture()
def window(studio, tiny_settings):
    win = studio(tiny_settings, active=True)
    win.doc.set_prompt("a red car")
    win.doc.set_setting("steps", 2)
    win.doc.resize_canvas(64, 64)
    win.doc.history.clear()
    win.set_document(win.doc, None)
    return win


def _add_with_menu(qtbot, window, kind: LayerKind) -> None:
    """Add a layer as a user does: the Add button's menu, then a click on the kind."""
    panel = window.layers_panel
    menu = panel.add_button.menu()
    action = panel.add_actions[kind]
    clicked: list[bool] = []

    def click_item() -> None:
        if not menu.isVisible():
            QTimer.singleShot(20, click_item)
            return
        qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
        clicked.append(True)

    QTimer.singleShot(20, click_item)
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)  # opens the popup
    qtbot.waitUntil(lambda: bool(clicked) and not menu.isVisible())
    qtbot.wait(20)


def _render(qtbot, window) -> None:
    """Render, then Apply the previewed result with the strip's button (as a user would)."""
    with qtbot.waitSignal(window.worker.jobFinished, timeout=60000):
        window.generation.generate()
    qtbot.wait(50)
    assert window.results.selected_id is not None  # the new result previews
    qtbot.mouseClick(window.results.apply_button, Qt.MouseButton.LeftButton)


def _type_5_changes_nothing(qtbot, window) -> None:
    size = window.canvas.brush.size
    name = window.doc.layer(window.layers_panel.active_layer_id).name
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_5)
    assert window.canvas.brush.size == size and window.toolbar.size_spin.value() == int(size)
    assert window.doc.layer(window.layers_panel.active_layer_id).name == name


def _ctrl(qtbot, widget, key=Qt.Key.Key_Z, shift: bool = False) -> None:
    mods = Qt.KeyboardModifier.ControlModifier
    if shift:
        mods |= Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(widget, key, mods)


# ---- focus ------------------------------------------------------------------------------------
def test_the_window_starts_with_the_focus_on_the_canvas(window):
    assert QApplication.focusWidget() is window.canvas


def test_adding_a_layer_puts_the_focus_on_the_canvas(qtbot, window):
    panel = window.layers_panel
    qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(30, 8))
    # the visibility box of a row, clicked twice: the rows are rebuilt when a layer comes
    box = panel.visible_checkbox(panel.active_layer_id)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert QApplication.focusWidget() is panel.tree  # the box took no focus
    _add_with_menu(qtbot, window, LayerKind.REGION)
    assert window.doc.layers[-1].kind is LayerKind.REGION
    assert QApplication.focusWidget() is window.canvas
    _type_5_changes_nothing(qtbot, window)


def test_a_render_leaves_the_focus_where_it_was(qtbot, window):
    panel = window.layers_panel
    qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(30, 8))
    assert QApplication.focusWidget() is panel.tree
    layers = len(window.doc.layers)
    _render(qtbot, window)
    assert len(window.doc.layers) == layers + 1
    assert QApplication.focusWidget() is panel.tree
    _type_5_changes_nothing(qtbot, window)


def test_generate_and_cancel_clicks_do_not_take_the_focus(qtbot, window):
    window.canvas.setFocus()
    window.doc.set_setting("steps", 400)
    with qtbot.waitSignal(window.worker.jobProgress, timeout=60000):
        qtbot.mouseClick(window.render_controls.generate_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.worker.jobCancelled, timeout=10000):
        qtbot.mouseClick(window.render_controls.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.wait(50)
    assert not window.render_controls.cancel_button.isEnabled()
    assert QApplication.focusWidget() is window.canvas
    _type_5_changes_nothing(qtbot, window)


def test_tab_never_lands_on_the_tool_bar(qtbot, window):
    bar = window.toolbar
    seen = set()
    for _ in range(60):
        widget = QApplication.focusWidget()
        seen.add(widget)
        assert not bar.isAncestorOf(widget)
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
    assert window.prompt_panel.prompt_edit in seen and window.layers_panel.tree in seen
    qtbot.mouseClick(bar.size_spin, Qt.MouseButton.LeftButton)  # a click still gets there
    assert QApplication.focusWidget() is bar.size_spin


def test_a_hidden_property_field_hands_the_focus_to_the_layer_list(qtbot, window):
    region = window.layers_panel.add_layer(LayerKind.REGION)
    assert region is not None
    spin = window.layers_panel.properties.weight_slider.spin
    qtbot.mouseClick(spin, Qt.MouseButton.LeftButton)
    assert QApplication.focusWidget() is spin
    _render(qtbot, window)  # the result is selected: a paint layer has no weight field
    assert window.layers_panel.active_layer_id == window.doc.layers[-1].id
    assert QApplication.focusWidget() is window.layers_panel.tree
    _type_5_changes_nothing(qtbot, window)


# ---- Ctrl+Z ---------------------------------------------------------------------------------
def test_ctrl_z_after_a_render_removes_the_result_first(qtbot, window):
    steps = window.prompt_panel.steps_spin
    qtbot.mouseClick(steps, Qt.MouseButton.LeftButton)
    steps.lineEdit().selectAll()
    qtbot.keyClicks(steps, "3")
    qtbot.keyClick(steps, Qt.Key.Key_Return)
    assert window.doc.settings.steps == 3
    layers = len(window.doc.layers)
    _render(qtbot, window)
    assert window.doc.history.labels[-1] == "Apply result"
    qtbot.mouseClick(
        window.layers_panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(30, 8)
    )
    _ctrl(qtbot, window.layers_panel.tree)
    assert len(window.doc.layers) == layers and window.doc.settings.steps == 3


@pytest.mark.parametrize("where", ["steps", "brush size", "layer list", "canvas"])
def test_ctrl_z_in_a_field_one_is_not_typing_in_undoes_the_document(qtbot, window, where):
    window.layers_panel.add_layer(LayerKind.EDGE)
    layers = len(window.doc.layers)
    widget = {
        "steps": window.prompt_panel.steps_spin,
        "brush size": window.toolbar.size_spin,
        "layer list": window.layers_panel.tree,
        "canvas": window.canvas,
    }[where]
    target = widget.viewport() if where == "layer list" else widget
    pos = widget.rect().center() if where == "canvas" else QPoint(5, 5)
    qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=pos)
    if where == "canvas":  # the click painted a dab: that is the newest step
        assert window.doc.history.labels[-1] == "Paint"
        _ctrl(qtbot, widget)
    assert QApplication.focusWidget() is widget
    _ctrl(qtbot, widget)
    assert len(window.doc.layers) == layers - 1
    _ctrl(qtbot, widget, shift=True)
    assert len(window.doc.layers) == layers
    _ctrl(qtbot, widget, Qt.Key.Key_Y)  # nothing left to redo: no harm
    assert len(window.doc.layers) == layers


def test_ctrl_z_in_the_prompt_undoes_the_typing_then_the_document(qtbot, window):
    window.layers_panel.add_layer(LayerKind.EDGE)
    layers = len(window.doc.layers)
    edit = window.prompt_panel.prompt_edit
    qtbot.mouseClick(edit.viewport(), Qt.MouseButton.LeftButton)
    edit.moveCursor(edit.textCursor().MoveOperation.End)
    qtbot.keyClicks(edit, " at night")
    assert window.doc.prompt == "a red car at night"
    # the text's own undo, a word at a time (not the whole typing at once): the layers stay
    for left in ("a red car at ", "a red car ", "a red car"):
        _ctrl(qtbot, edit)
        assert window.doc.prompt == left and len(window.doc.layers) == layers
        assert edit.toPlainText() == left
    _ctrl(qtbot, edit)  # no typing left to undo: the document's Ctrl+Z
    assert len(window.doc.layers) == layers - 1 and window.doc.prompt == "a red car"


def test_ctrl_z_in_the_prompt_after_a_later_step_takes_that_step_back_first(qtbot, window):
    edit = window.prompt_panel.prompt_edit
    qtbot.mouseClick(edit.viewport(), Qt.MouseButton.LeftButton)
    edit.moveCursor(edit.textCursor().MoveOperation.End)
    qtbot.keyClicks(edit, " at night")
    layers = len(window.doc.layers)
    window.doc.add_layer(LayerKind.EDGE)  # a step made while the prompt keeps the focus
    assert QApplication.focusWidget() is edit
    _ctrl(qtbot, edit)  # the newest step goes, not the typing before it
    assert len(window.doc.layers) == layers and edit.toPlainText() == "a red car at night"
    _ctrl(qtbot, edit, shift=True)  # and comes back
    assert len(window.doc.layers) == layers + 1 and window.doc.prompt == "a red car at night"
    _ctrl(qtbot, edit)
    _ctrl(qtbot, edit)  # the typing is the newest step again: a word of it goes
    assert len(window.doc.layers) == layers
    assert edit.toPlainText() == "a red car at " == window.doc.prompt


def test_ctrl_z_in_the_prompt_takes_back_one_word_and_redo_brings_it_back(qtbot, window):
    edit = window.prompt_panel.prompt_edit
    window.doc.set_prompt("")
    qtbot.mouseClick(edit.viewport(), Qt.MouseButton.LeftButton)
    qtbot.keyClicks(edit, "a large red circle")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.keyClicks(edit, "blue")
    for left in ("a large red circle\n", "a large red circle", "a large red "):
        _ctrl(qtbot, edit)
        assert edit.toPlainText() == left == window.doc.prompt
    _ctrl(qtbot, edit, shift=True)
    assert edit.toPlainText() == "a large red circle" == window.doc.prompt
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    edit.textCursor().insertText("pasted words here")  # a paste stays one step
    _ctrl(qtbot, edit)
    assert edit.toPlainText() == "a large red circle\n"


# ---- Undo History ---------------------------------------------------------------------------
def test_the_undo_history_names_each_step_and_goes_to_a_clicked_one(qtbot, window):
    doc, panel = window.doc, window.undo_history
    toggle = next(a for a in window.menuBar().actions() if a.text() == "&View").menu()
    show = next(a for a in toggle.actions() if a.text() == "Undo &History")
    assert not window.undo_history_dock.isVisible()
    sketch = doc.layers[0].id
    doc.paint_disc(sketch, 10, 10, 4, (255, 0, 0, 255))  # while hidden
    show.trigger()
    assert window.undo_history_dock.isVisible() and show.isChecked()
    assert panel.labels == ["Start", "Paint"] and panel.current_row == 1

    region = window.layers_panel.add_layer(LayerKind.REGION)
    assert region is not None
    for value in (0.9, 0.7, 0.5):  # one drag: one step
        doc.set_layer_property(region.id, "opacity", value, merge=True)
    doc.history.seal()
    doc.set_setting("steps", 30)  # a setting: no step
    _render(qtbot, window)
    assert panel.labels == ["Start", "Paint", "Add region", "Opacity: 1 → 0.5", "Apply result"]
    assert panel.current_row == 4

    rect = panel.list.visualItemRect(panel.list.item(1))
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert [layer.id for layer in doc.layers] == [sketch] and doc.layer(sketch).data.any()
    assert panel.current_row == 1 and len(panel.labels) == 5  # later steps stay, greyed
    assert doc.settings.steps == 30
    qtbot.keyClick(panel.list, Qt.Key.Key_Down)  # the arrow keys walk the history too
    assert len(doc.layers) == 2 and panel.current_row == 2
    rect = panel.list.visualItemRect(panel.list.item(4))
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert len(doc.layers) == 3 and doc.layer(region.id).opacity == 0.5
    _ctrl(qtbot, panel.list)  # Ctrl+Z in the panel undoes the document
    assert panel.current_row == 3 and len(doc.layers) == 2
    doc.set_layer_property(region.id, "visible", False)  # a new edit drops the greyed step
    assert panel.labels[-1] == "Hide layer" and len(panel.labels) == 5
    assert panel.current_row == 4
