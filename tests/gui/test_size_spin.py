"""The canvas-size boxes correct a typed size where the user sees it, and say why."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from f1studio.document.document import MAX_SIZE, MIN_SIZE
from f1studio.gui.panels.size_spin import SizeSpinBox, nearest_side, size_note

_hosts: list[QWidget] = []  # kept alive until the test ends (qtbot closes them)


def _boxes(qtbot) -> tuple[SizeSpinBox, QLineEdit, list[str]]:  # noqa: ANN001
    """A size box at 128 and another field to move the focus to; the sentences it emits."""
    host = QWidget()
    _hosts[:] = [host]
    box, other = SizeSpinBox("height"), QLineEdit()
    layout = QVBoxLayout(host)
    layout.addWidget(box)
    layout.addWidget(other)
    box.setValue(128)
    qtbot.addWidget(host)
    host.show()
    qtbot.waitExposed(host)
    host.activateWindow()  # focus moves (and leaving the box ends the typing) only in it
    qtbot.waitUntil(host.isActiveWindow)
    said: list[str] = []
    box.corrected.connect(said.append)
    return box, other, said


def _type(qtbot, box: SizeSpinBox, text: str) -> None:  # noqa: ANN001
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), text)


@pytest.mark.parametrize(("typed", "shown"), [("37", 64), ("100", 104), ("3000", MAX_SIZE)])
def test_a_typed_size_is_corrected_on_enter_and_the_box_says_why(qtbot, typed, shown) -> None:
    box, _other, said = _boxes(qtbot)
    _type(qtbot, box, typed)
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert box.value() == shown and box.text() == str(shown)  # not back to 128
    rule = f"sides are multiples of 8, from {MIN_SIZE} to {MAX_SIZE}"
    assert said == [f"Height {typed} → {shown}: {rule}"]
    assert box.take_typed_value() == int(typed)  # what Apply size compares with, once
    assert box.take_typed_value() == shown


def test_leaving_the_box_corrects_too_and_an_allowed_size_is_taken_silently(qtbot) -> None:
    box, other, said = _boxes(qtbot)
    _type(qtbot, box, "37")
    qtbot.waitUntil(box.hasFocus)
    other.setFocus()
    qtbot.waitUntil(lambda: box.value() == 64)
    assert len(said) == 1
    _type(qtbot, box, "136")
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert box.value() == 136 and len(said) == 1
    assert box.take_typed_value() == 136
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Up)  # the arrows step by 8
    assert box.value() == 144


def test_the_box_tells_its_rule_and_size_note_names_the_applied_size() -> None:
    box = SizeSpinBox("width")
    assert box.toolTip() == "Width in pixels: sides are multiples of 8, from 64 to 2048"
    assert size_note(104, 64) == "Size 104 × 64: sides are multiples of 8, from 64 to 2048"
    assert [nearest_side(v) for v in (0, 37, 100, 103, 250, 9999)] == [64, 64, 104, 104, 248, 2048]


def test_apply_size_says_which_size_it_applied_and_why_and_undo_restores_it(qtbot) -> None:
    """The tester's steps: 100 × 37 typed, Apply size; the boxes show 104 × 64 and the status
    bar says why, instead of a silent 104 × 128."""
    from f1studio.document.document import Document
    from f1studio.gui.panels.prompt_panel import PromptPanel

    doc = Document(128, 128)
    panel = PromptPanel(doc)
    _hosts[:] = [panel]
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow)
    said: list[str] = []
    panel.statusMessage.connect(said.append)
    _type(qtbot, panel.width_spin, "100")
    qtbot.keyClick(panel.width_spin.lineEdit(), Qt.Key.Key_Tab)  # on to the height box
    _type(qtbot, panel.height_spin, "37")
    qtbot.mouseClick(panel.apply_size_button, Qt.MouseButton.LeftButton)
    assert (doc.width, doc.height) == (104, 64)
    assert (panel.width_spin.value(), panel.height_spin.value()) == (104, 64)
    assert said[-1] == "Size 104 × 64: sides are multiples of 8, from 64 to 2048"
    doc.undo()
    assert (doc.width, doc.height) == (128, 128) and panel.height_spin.value() == 128
    said.clear()
    _type(qtbot, panel.width_spin, "136")  # an allowed size is applied without a word
    qtbot.keyClick(panel.width_spin.lineEdit(), Qt.Key.Key_Return)
    qtbot.mouseClick(panel.apply_size_button, Qt.MouseButton.LeftButton)
    assert (doc.width, doc.height) == (136, 128) and said == []
