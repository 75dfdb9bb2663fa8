"""The Undo History panel: every undo step by name, the current one highlighted.

Row 0 is the state before the oldest step kept; row ``n`` is the state after step ``n``.
Clicking a row (or moving to it with the arrow keys) undoes or redoes to that point, as in
Krita and Photoshop; the steps after it stay listed, greyed, until a new edit drops them.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtGui import QBrush, QFont, QPalette, QShowEvent
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from f1studio.document.changes import Change
from f1studio.document.document import Document
from f1studio.gui.i18n import translate
from f1studio.gui.panels.binding import DocumentView, signals_blocked
from f1studio.gui.step_names import step_text

START_LABEL = "Start"  # shown translated
_LABELS = (QT_TRANSLATE_NOOP("UndoHistoryPanel", "Start"),)  # for the translations


class UndoHistoryPanel(DocumentView):
    """The document's undo steps, oldest first; choose a row to go back (or forward) to it."""

    aboutToJump = Signal()  # emitted before undoing/redoing to a chosen row: close any stroke

    def __init__(self, doc: Document | None = None, parent: QWidget | None = None):
        super().__init__(doc, parent)
        self.list = QListWidget()
        self.list.setToolTip(self.tr("Click a step to undo or redo to it"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        self.list.currentRowChanged.connect(self._row_chosen)
        self._bind_initial_document()

    @property
    def labels(self) -> list[str]:
        """The rows' texts, top first ("Start", then each step)."""
        return [self.list.item(i).text() for i in range(self.list.count())]

    @property
    def current_row(self) -> int:
        """The highlighted row: how many steps are done."""
        return self.list.currentRow()

    def _row_chosen(self, row: int) -> None:
        doc = self.document
        if doc is None or row < 0 or row == doc.history.position:
            return
        self.aboutToJump.emit()
        self.edit(doc.go_to_step, row)

    # ---- document -> widgets ----------------------------------------------------------------
    def document_changed(self, change: Change) -> None:
        if self.isVisible():  # a hidden panel catches up when it is shown
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
        self.refresh()
        super().showEvent(event)

    def refresh(self) -> None:
        doc = self.document
        self.setEnabled(doc is not None)
        start = translate("UndoHistoryPanel", START_LABEL)
        texts = [start, *map(step_text, doc.history.labels)] if doc is not None else []
        position = doc.history.position if doc is not None else -1
        palette = self.list.palette()
        done, undone = (
            palette.color(QPalette.ColorRole.Text),
            palette.color(QPalette.ColorRole.PlaceholderText),
        )
        with signals_blocked(self.list):
            while self.list.count() > len(texts):
                self.list.takeItem(self.list.count() - 1)
            while self.list.count() < len(texts):
                self.list.addItem(QListWidgetItem())
            for row, text in enumerate(texts):
                item = self.list.item(row)
                if item.text() != text:
                    item.setText(text)
                font = QFont(item.font())
                font.setBold(row == position)
                item.setFont(font)
                item.setForeground(QBrush(done if row <= position else undone))
            self.list.setCurrentRow(position)
        if position >= 0:
            current = self.list.item(position)
            if current is not None:
                self.list.scrollToItem(current)
