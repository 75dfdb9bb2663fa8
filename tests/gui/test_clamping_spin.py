"""Steps and Batch take a number past their range as typed and say what they made of it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt


@pytest.fixture()
def panel(qtbot):
    from f1studio.document.document import Document
    from f1studio.gui.panels.prompt_panel import PromptPanel

    doc = Document(128, 128)
    panel = PromptPanel(doc)
    panel.doc_for_test = doc  # type: ignore[attr-defined]
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow)
    return panel


def _type(qtbot, box, text: str) -> None:  # noqa: ANN001
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), text)
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)


def test_300_steps_typed_become_the_most_there_are_and_the_status_says_so(qtbot, panel):
    """Under Xvfb "300" in Steps quietly became 30: the third digit was refused."""
    doc, said = panel.doc_for_test, []
    panel.statusMessage.connect(said.append)
    _type(qtbot, panel.steps_spin, "300")
    assert panel.steps_spin.value() == 150 and doc.settings.steps == 150
    assert said == ["Steps 300 → 150: from 1 to 150"]
    _type(qtbot, panel.batch_spin, "20")
    assert doc.settings.batch_count == 16 and said[-1] == "Batch 20 → 16: from 1 to 16"
    said.clear()
    _type(qtbot, panel.steps_spin, "42")  # a number in range is taken without a word
    assert doc.settings.steps == 42 and said == []
