"""The results strip: the document's generation history as thumbnails, newest first.

Selecting a result previews it over the canvas (``previewChanged``); the arrow keys walk the
strip. *Apply* (the button, Enter or a double-click) asks the window to make a layer of it,
once (its thumbnail then wears a check mark); *Discard* (the button or Delete) removes it
from the history. The context menu also offers *Reuse settings* and *Reuse seed*. The strip
shows ``document.results`` and follows its changes, so a reopened project shows its history
again. Each thumbnail has a thin grey edge, so a white picture still shows on the strip.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QKeyEvent, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QInputDialog,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from f1studio.document.changes import Change, ChangeKind
from f1studio.document.document import Document
from f1studio.document.results import MAX_LIMIT, ResultRecord
from f1studio.gui.panels.binding import DocumentView
from f1studio.gui.qimage import array_to_pixmap, hidpi_pixmap, pixel_ratio

THUMB = 96
FRAME = "#8a8a8a"  # the thumbnail's 1 px edge
APPLIED = "#2e8b57"  # the check mark of a result applied as a layer
_ID = Qt.ItemDataRole.UserRole


class ResultsStrip(DocumentView):
    """Thumbnails of ``document.results``; see the module docstring."""

    previewChanged = Signal(object)  # the selected ResultRecord, or None: nothing previews
    applyRequested = Signal(object)  # ResultRecord
    reuseSettingsRequested = Signal(object)  # ResultRecord
    reuseSeedRequested = Signal(object)  # ResultRecord

    def __init__(self, doc: Document | None = None, parent: QWidget | None = None):
        super().__init__(doc, parent)
        self._thumbs: dict[str, QIcon] = {}  # by result id: made once per result

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
        self.list.installEventFilter(self)

        self.apply_button = QPushButton(self.tr("Apply"))
        self.apply_button.setToolTip(
            self.tr("Add the previewed result to the document as a layer (Enter)")
        )
        self.discard_button = QPushButton(self.tr("Discard"))
        self.discard_button.setToolTip(
            self.tr("Remove the selected result from the history (Delete)")
        )
        for button in (self.apply_button, self.discard_button):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a click leaves the focus alone
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
        self.list.itemSelectionChanged.connect(self._selection_changed)
        self._bind_initial_document()

    # ---- the document ------------------------------------------------------------------------
    def document_changed(self, change: Change) -> None:
        if change.kind in (ChangeKind.RESULTS, ChangeKind.LAYERS):
            self.refresh()  # LAYERS: an applied result's layer may have come or gone

    def refresh(self) -> None:
        """Show the document's history, keeping the selection where it still exists."""
        selected = self.selected_id
        doc = self.document
        records = list(doc.results)[::-1] if doc is not None else []
        self._thumbs = {r.id: self._thumbs.get(r.id) or _thumbnail(r.image) for r in records}
        self.list.blockSignals(True)
        self.list.clear()
        for record in records:
            applied = self.is_applied(record.id)
            icon = _applied_badge(self._thumbs[record.id]) if applied else self._thumbs[record.id]
            item = QListWidgetItem(icon, "")
            item.setData(_ID, record.id)
            note = "\n" + self.tr("Applied as a layer") if applied else ""
            item.setToolTip(record.label + note)
            item.setSizeHint(QSize(THUMB + 8, THUMB + 8))
            self.list.addItem(item)
            if record.id == selected:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        if self.selected_id != selected:
            self._selection_changed()
        self._update_buttons()

    # ---- public ------------------------------------------------------------------------------
    @property
    def count(self) -> int:
        """How many results the strip shows."""
        return self.list.count()

    def result_ids(self) -> list[str]:
        """Ids in display order (newest first)."""
        return [self.list.item(i).data(_ID) for i in range(self.list.count())]

    @property
    def selected_id(self) -> str | None:
        items = self.list.selectedItems()
        return items[0].data(_ID) if items else None

    def record(self, result_id: str) -> ResultRecord | None:
        doc = self.document
        if doc is None or result_id not in doc.results:
            return None
        return doc.results.get(result_id)

    def is_applied(self, result_id: str) -> bool:
        """True while the layer *Apply* made of this result is in the document."""
        doc = self.document
        if doc is None or result_id not in doc.results:
            return False
        layer_id = doc.results.applied_layer(result_id)
        return layer_id is not None and any(layer.id == layer_id for layer in doc.layers)

    def previewed_record(self) -> ResultRecord | None:
        """The result the canvas previews, while it is not (yet) a layer of the document."""
        result_id = self.selected_id
        if result_id is None or self.is_applied(result_id):
            return None
        return self.record(result_id)

    def apply_previewed(self) -> None:
        """Apply the previewed result (Enter on the canvas), unless it is a layer already."""
        record = self.previewed_record()
        if record is not None:
            self.apply_result(record.id)

    def select_result(self, result_id: str | None) -> None:
        """Preview this result (None: preview nothing)."""
        if result_id is None:
            self.list.clearSelection()
            return
        for i in range(self.list.count()):
            if self.list.item(i).data(_ID) == result_id:
                self.list.setCurrentItem(self.list.item(i))
                self.list.item(i).setSelected(True)
                self.list.scrollToItem(self.list.item(i))

    def apply_result(self, result_id: str) -> None:
        record = self.record(result_id)
        if record is not None:
            self.applyRequested.emit(record)

    def discard_result(self, result_id: str) -> None:
        """Remove this result from the document's history (not an undo step)."""
        doc = self.document
        if doc is not None and result_id in doc.results:
            doc.results.remove(result_id)

    def menu_for(self, result_id: str) -> QMenu:
        """The context menu of one result."""
        menu = QMenu(self)
        record = self.record(result_id)
        apply = menu.addAction(self.tr("Apply as layer"), lambda: self.apply_result(result_id))
        apply.setEnabled(not self.is_applied(result_id))
        if record is not None:
            menu.addAction(
                self.tr("Reuse settings"), lambda: self.reuseSettingsRequested.emit(record)
            )
            seed = menu.addAction(
                self.tr("Reuse seed"), lambda: self.reuseSeedRequested.emit(record)
            )
            seed.setEnabled(record.seed is not None)
        menu.addSeparator()
        menu.addAction(self.tr("Discard"), lambda: self.discard_result(result_id))
        self._add_limit_action(menu)
        return menu

    def _add_limit_action(self, menu: QMenu) -> None:
        doc = self.document
        if doc is not None:
            menu.addSeparator()
            text = self.tr("Keep at most %n results…", "", doc.results.limit)
            menu.addAction(text, self.choose_limit)

    def choose_limit(self) -> None:
        """Ask how many results the project keeps (the oldest go first)."""
        doc = self.document
        if doc is None:
            return
        count, ok = QInputDialog.getInt(
            self,
            self.tr("Results kept with the project"),
            self.tr("Keep at most this many results (the oldest go first):"),
            doc.results.limit,
            0,
            MAX_LIMIT,
        )
        if ok:
            dropped = doc.results.set_limit(count)
            if dropped:
                self.statusMessage.emit(self.tr("%n older results removed", "", len(dropped)))

    # ---- internals ---------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """Enter applies, Delete discards, Escape hides the preview (the list has the focus)."""
        if watched is self.list and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._on_selected(self.apply_result)
                return True
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self._on_selected(self.discard_result)
                return True
            if key == Qt.Key.Key_Escape and self.selected_id is not None:
                self.list.clearSelection()
                return True
        return super().eventFilter(watched, event)

    def _on_selected(self, action: Callable[[str], None]) -> None:
        result_id = self.selected_id
        if result_id is not None:
            action(result_id)

    def _selection_changed(self) -> None:
        result_id = self.selected_id
        self._update_buttons()
        self.previewChanged.emit(self.record(result_id) if result_id is not None else None)

    def _update_buttons(self) -> None:
        result_id = self.selected_id
        self.apply_button.setEnabled(result_id is not None and not self.is_applied(result_id))
        self.discard_button.setEnabled(result_id is not None)

    def _context_menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        if item is not None:
            menu = self.menu_for(item.data(_ID))
        else:  # the empty part of the strip: only the limit
            menu = QMenu(self)
            self._add_limit_action(menu)
        menu.exec(self.list.viewport().mapToGlobal(pos))
        menu.deleteLater()


def _thumbnail(image_rgb: np.ndarray) -> QIcon:
    """The picture fitted into a THUMB square (every cell the same size)."""
    pixmap = array_to_pixmap(np.asarray(image_rgb))
    ratio = pixel_ratio()  # the thumbnail has a device pixel per pixel: sharp at 200 %
    thumb = pixmap.scaled(
        round(THUMB * ratio),
        round(THUMB * ratio),
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    thumb.setDevicePixelRatio(ratio)
    width, height = round(thumb.width() / ratio), round(thumb.height() / ratio)
    square = hidpi_pixmap(THUMB, THUMB)
    painter = QPainter(square)
    left, top = (THUMB - width) // 2, (THUMB - height) // 2
    painter.drawPixmap(QPoint(left, top), thumb)
    painter.setPen(QColor(FRAME))  # a white picture still shows its edges on the white strip
    painter.drawRect(left, top, width - 1, height - 1)
    painter.end()
    return _untinted(square)


def _untinted(pixmap: QPixmap) -> QIcon:
    """An icon that looks the same selected: the style's selection tint would change the
    colours of the very result the canvas previews (the selection shows as a bar below)."""
    icon = QIcon(pixmap)
    icon.addPixmap(pixmap, QIcon.Mode.Selected)
    return icon


def _applied_badge(icon: QIcon) -> QIcon:
    """The thumbnail with a check mark in its corner: this result is a layer already."""
    pixmap = icon.pixmap(THUMB, THUMB)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    size = THUMB // 4
    corner = THUMB - size - 3
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(APPLIED))
    painter.drawEllipse(corner, corner, size, size)
    painter.setPen(QPen(QColor("white"), 2.5))
    painter.drawPolyline(
        [
            QPointF(corner + size * 0.25, corner + size * 0.52),
            QPointF(corner + size * 0.43, corner + size * 0.7),
            QPointF(corner + size * 0.75, corner + size * 0.32),
        ]
    )
    painter.end()
    return _untinted(pixmap)
