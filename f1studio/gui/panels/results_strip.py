"""A horizontal strip of this session's results (newest first): apply as a layer or discard."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from f1studio.document.document import Document
from f1studio.gui.qimage import array_to_pixmap

THUMB = 96
_ID = Qt.ItemDataRole.UserRole


class ResultsStrip(QWidget):
    """Thumbnails of the session's results; the window decides what a payload is.

    ``applyRequested(payload)`` on "Apply as layer" (button, context menu or double-click);
    ``discarded(payload)`` after "Discard" removed a result. Results belong to the session,
    so :meth:`set_document` keeps them.
    """

    applyRequested = Signal(object)
    discarded = Signal(object)

    def __init__(self, doc: Document | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._doc = doc
        self._payloads: dict[int, object] = {}
        self._ids = itertools.count(1)

        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(False)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setSpacing(4)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scrollbar = self.list.horizontalScrollBar().sizeHint().height()
        self.list.setFixedHeight(THUMB + 2 * 4 + scrollbar + 8)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

        self.apply_button = QPushButton("Apply as layer")
        self.apply_button.setToolTip("Add the selected result to the document as a new layer")
        self.discard_button = QPushButton("Discard")
        self.discard_button.setToolTip("Remove the selected result from this strip")
        buttons = QVBoxLayout()
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)

        self.apply_button.clicked.connect(lambda: self._on_selected(self.apply_result))
        self.discard_button.clicked.connect(lambda: self._on_selected(self.discard_result))
        self.list.itemDoubleClicked.connect(lambda item: self.apply_result(item.data(_ID)))
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self._update_buttons()

    # ---- public ----------------------------------------------------------------------------
    def set_document(self, doc: Document | None) -> None:
        """Results belong to the session: switching documents keeps them."""
        self._doc = doc

    def add_result(self, image_rgb: np.ndarray, label: str, payload: object) -> int:
        """Show a result first in the strip; returns its id. ``label``: prompt + seed."""
        result_id = next(self._ids)
        pixmap = array_to_pixmap(np.asarray(image_rgb))
        thumb = pixmap.scaled(
            THUMB,
            THUMB,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        canvas = QPixmap(THUMB, THUMB)  # centred on a square so every cell is the same size
        canvas.fill(Qt.GlobalColor.transparent)
        painter = QPainter(canvas)
        painter.drawPixmap(
            QPoint((THUMB - thumb.width()) // 2, (THUMB - thumb.height()) // 2), thumb
        )
        painter.end()
        item = QListWidgetItem(QIcon(canvas), "")
        item.setData(_ID, result_id)
        item.setToolTip(label)
        item.setSizeHint(QSize(THUMB + 8, THUMB + 8))
        self._payloads[result_id] = payload
        self.list.insertItem(0, item)
        self._update_buttons()
        return result_id

    @property
    def count(self) -> int:
        """How many results the strip shows."""
        return self.list.count()

    def result_ids(self) -> list[int]:
        """Ids in display order (newest first)."""
        return [self.list.item(i).data(_ID) for i in range(self.list.count())]

    def payload(self, result_id: int) -> object:
        return self._payloads[result_id]

    def label(self, result_id: int) -> str:
        item = self._item(result_id)
        return item.toolTip() if item is not None else ""

    def select_result(self, result_id: int) -> None:
        item = self._item(result_id)
        if item is not None:
            self.list.setCurrentItem(item)

    def apply_result(self, result_id: int) -> None:
        """Ask the window to add this result as a layer (it stays in the strip)."""
        if result_id in self._payloads:
            self.applyRequested.emit(self._payloads[result_id])

    def discard_result(self, result_id: int) -> None:
        """Remove this result and emit ``discarded(payload)``."""
        item = self._item(result_id)
        if item is None:
            return
        self.list.takeItem(self.list.row(item))
        payload = self._payloads.pop(result_id)
        self._update_buttons()
        self.discarded.emit(payload)

    def clear(self) -> None:
        """Forget every result (no signals)."""
        self.list.clear()
        self._payloads.clear()
        self._update_buttons()

    # ---- internals ---------------------------------------------------------------------------
    def _item(self, result_id: int) -> QListWidgetItem | None:
        for i in range(self.list.count()):
            if self.list.item(i).data(_ID) == result_id:
                return self.list.item(i)
        return None

    def _on_selected(self, action: Callable[[int], None]) -> None:
        item = self.list.currentItem()
        if item is not None and item.isSelected():
            action(item.data(_ID))

    def _update_buttons(self) -> None:
        selected = bool(self.list.selectedItems())
        self.apply_button.setEnabled(selected)
        self.discard_button.setEnabled(selected)

    def menu_for(self, result_id: int) -> QMenu:
        """The context menu of one result: "Apply as layer", "Discard"."""
        menu = QMenu(self)
        menu.addAction("Apply as layer", lambda: self.apply_result(result_id))
        menu.addAction("Discard", lambda: self.discard_result(result_id))
        return menu

    def _context_menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        if item is not None:
            menu = self.menu_for(item.data(_ID))
            menu.exec(self.list.viewport().mapToGlobal(pos))
            menu.deleteLater()
