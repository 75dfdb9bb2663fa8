"""The layer stack (front first), its buttons and the selected layer's properties."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from f1studio.appsettings import AppSettings
from f1studio.document.changes import Change, ChangeKind
from f1studio.document.document import Document
from f1studio.document.layers import Layer, LayerKind, numbered_name
from f1studio.gui.canvas.render_cache import region_color
from f1studio.gui.i18n import translate
from f1studio.gui.panels.binding import DocumentView, signals_blocked
from f1studio.gui.panels.curve_editor import sparkline
from f1studio.gui.panels.layer_properties import LayerProperties
from f1studio.gui.qimage import hidpi_pixmap, pixel_ratio
from f1studio.model_library import new_layer_properties

_KIND_GLYPHS: dict[LayerKind, tuple[str, tuple[int, int, int]]] = {
    LayerKind.PAINT: ("P", (90, 90, 90)),
    LayerKind.REFERENCE: ("I", (40, 110, 170)),
    LayerKind.REGION: ("R", (0, 0, 0)),  # colour comes from region_color
    LayerKind.EDGE: ("E", (30, 30, 30)),
    LayerKind.DEPTH: ("D", (120, 120, 120)),
    LayerKind.INPAINT: ("M", (200, 60, 160)),
}
# the layer kinds' labels (``LayerKind.label``), for the translations: shown with
# ``translate("LayerKind", kind.label)``
_KIND_LABELS = (
    QT_TRANSLATE_NOOP("LayerKind", "Paint"),
    QT_TRANSLATE_NOOP("LayerKind", "Reference image"),
    QT_TRANSLATE_NOOP("LayerKind", "Region"),
    QT_TRANSLATE_NOOP("LayerKind", "Edge guide"),
    QT_TRANSLATE_NOOP("LayerKind", "Depth guide"),
    QT_TRANSLATE_NOOP("LayerKind", "Inpaint mask"),
)
COL_NAME, COL_VISIBLE, COL_LOCK = 0, 1, 2
ICON_SIZE = 18
PANEL_WIDTH = 280  # the panel's width does not follow its contents (names, the layer's kind)


def _glyph(letter: str, rgb: tuple[int, int, int]) -> QIcon:
    pixmap = hidpi_pixmap(ICON_SIZE, ICON_SIZE)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(*rgb))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRoundedRect(QRectF(1, 1, ICON_SIZE - 2, ICON_SIZE - 2), 4, 4)
    painter.setPen(QColor(255, 255, 255) if sum(rgb) < 450 else QColor(0, 0, 0))
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, letter)
    painter.end()
    return QIcon(pixmap)


ROW_ICON = QSize(2 * ICON_SIZE + 3, ICON_SIZE)  # the kind's letter, then a guide's curve


def _row_icon(glyph: QIcon, layer: Layer) -> QIcon:
    """The kind's letter and, for a guide, a sparkline of its strength curve over the steps
    (every row the same width, so the names line up)."""
    pixmap = hidpi_pixmap(ROW_ICON.width(), ROW_ICON.height())
    painter = QPainter(pixmap)
    painter.drawPixmap(0, 0, glyph.pixmap(QSize(ICON_SIZE, ICON_SIZE), pixel_ratio()))
    if layer.kind.is_control:
        line = sparkline(layer.curve, layer.start, layer.end, ICON_SIZE)
        painter.drawPixmap(ICON_SIZE + 3, 0, line)
    painter.end()
    return QIcon(pixmap)


def _lock_pixmap(closed: bool) -> QPixmap:
    """A padlock: dark and closed when locked, faint and open when not."""
    pixmap = hidpi_pixmap(ICON_SIZE, ICON_SIZE)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = QColor(50, 50, 50) if closed else QColor(175, 175, 175)
    painter.setPen(color)
    shift = 0 if closed else 4  # an open shackle swings up and to the side
    painter.drawArc(QRectF(5 + shift, 2 - (0 if closed else 2), 8, 10), 0, 180 * 16)
    painter.drawLine(5 + shift, 7, 5 + shift, 9 if closed else 5)
    painter.drawLine(13 + shift, 7, 13 + shift, 9)
    painter.setBrush(color)
    painter.drawRoundedRect(QRectF(3, 8, 12, 8), 2, 2)
    painter.end()
    return pixmap


def _lock_icon() -> QIcon:
    icon = QIcon()
    icon.addPixmap(_lock_pixmap(True), QIcon.Mode.Normal, QIcon.State.On)
    icon.addPixmap(_lock_pixmap(False), QIcon.Mode.Normal, QIcon.State.Off)
    return icon


class LayersPanel(DocumentView):
    """The layer list (top row = front-most layer) with add/delete/duplicate/move buttons.

    Each row: kind glyph (regions in their overlay colour) and name (double-click to rename),
    a visibility checkbox and a lock toggle. ``properties`` below it edits the selected layer.
    """

    activeLayerChanged = Signal(object)  # str | None
    extractRequested = Signal(str, str)  # reference layer id, "edge" | "depth"
    importRequested = Signal(object)  # LayerKind: Add ▸ Reference image asks for files
    layerAdded = Signal(str)  # id of a layer added with this panel (the window focuses the canvas)

    def __init__(self, doc: Document | None = None, parent: QWidget | None = None):
        super().__init__(doc, parent)
        self._active: str | None = None
        self._ids: list[str] = []  # doc order (bottom first) as last shown
        #: the user's settings, for the model a new guide's Weight and Mode suit
        self.app_settings: Callable[[], AppSettings] = AppSettings.load
        self._lock_icon = _lock_icon()

        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setIconSize(ROW_ICON)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        for col in (COL_VISIBLE, COL_LOCK):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)

        self.add_button = QToolButton()
        self.add_button.setText(self.tr("Add"))
        self.add_button.setToolTip(self.tr("Add a layer above the selected one"))
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.add_button)
        self.add_actions: dict[LayerKind, QAction] = {}
        for kind in LayerKind:
            label = translate("LayerKind", kind.label)
            if kind is LayerKind.REFERENCE:  # a reference is a picture: pick its file
                text = self.tr("{kind}…").format(kind=label)
                action = menu.addAction(_glyph(*self._glyph_for(kind, 0)), text)
                action.triggered.connect(lambda: self.importRequested.emit(LayerKind.REFERENCE))
            else:
                action = menu.addAction(_glyph(*self._glyph_for(kind, 0)), label)
                action.triggered.connect(lambda _=False, k=kind: self.add_layer(k))
            self.add_actions[kind] = action
        self.add_button.setMenu(menu)
        self.delete_button = _tool(
            self.tr("Delete"), self.tr("Delete the selected layer"), self.delete_layer
        )
        self.duplicate_button = _tool(
            self.tr("Duplicate"), self.tr("Copy the selected layer"), self.duplicate_layer
        )
        self.clear_button = _tool(
            self.tr("Clear"),
            self.tr("Erase everything painted on the selected layer (one undo step)"),
            self.clear_layer,
        )
        # arrows rather than words: six buttons fit the panel's narrowest width
        self.up_button = _tool(
            "▲", self.tr("Move the selected layer toward the front (Up)"), self.move_up
        )
        self.down_button = _tool(
            "▼", self.tr("Move the selected layer toward the back (Down)"), self.move_down
        )

        buttons = QHBoxLayout()
        buttons.setSpacing(2)
        for button in (
            self.add_button,
            self.delete_button,
            self.duplicate_button,
            self.clear_button,
            self.up_button,
            self.down_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.properties = LayerProperties(None, self)
        self.properties.extractRequested.connect(self.extractRequested)
        self.properties.statusMessage.connect(self.statusMessage)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)  # above the list: they stay put whatever the layer shows
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.properties)
        self.setMinimumWidth(PANEL_WIDTH)

        self.tree.currentItemChanged.connect(self._current_item_changed)
        self.tree.itemChanged.connect(self._item_changed)
        self._bind_initial_document()

    # ---- selection ---------------------------------------------------------------------------
    @property
    def active_layer_id(self) -> str | None:
        return self._active

    def select_layer(self, layer_id: str | None) -> None:
        """Make ``layer_id`` the active layer (None: no selection)."""
        item = self._item(layer_id) if layer_id is not None else None
        if item is None:
            self.tree.setCurrentItem(None)  # type: ignore[call-overload]  # Qt: no current item
            self.tree.clearSelection()
        else:
            self.tree.setCurrentItem(item, COL_NAME)
        self._set_active(item.data(COL_NAME, Qt.ItemDataRole.UserRole) if item else None)

    def layer_ids_top_first(self) -> list[str]:
        """The ids in list order (front-most layer first)."""
        return [item.data(COL_NAME, Qt.ItemDataRole.UserRole) for item in self._rows()]

    def _set_active(self, layer_id: str | None) -> None:
        if layer_id != self._active:
            self._active = layer_id
            focus = QApplication.focusWidget()
            had_focus = focus is not None and self.properties.isAncestorOf(focus)
            self.properties.set_layer(layer_id)
            if had_focus and focus is not None and not focus.isVisibleTo(self):
                self.tree.setFocus()  # its field is gone: the list, not the next widget in line
            self._update_buttons()
            self.activeLayerChanged.emit(layer_id)

    def _current_item_changed(self, item: QTreeWidgetItem | None, _old: object) -> None:
        self._set_active(item.data(COL_NAME, Qt.ItemDataRole.UserRole) if item else None)

    def _rows(self) -> Iterator[QTreeWidgetItem]:
        """The tree's rows, front-most layer first."""
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None:
                yield item

    def _item(self, layer_id: str) -> QTreeWidgetItem | None:
        for item in self._rows():
            if item.data(COL_NAME, Qt.ItemDataRole.UserRole) == layer_id:
                return item
        return None

    def _row_of(self, layer_id: str) -> QTreeWidgetItem:
        item = self._item(layer_id)
        if item is None:
            raise KeyError(f"no row for layer {layer_id!r}")
        return item

    # ---- actions -----------------------------------------------------------------------------
    def add_layer(self, kind: LayerKind | str) -> Layer | None:
        """Add a blank layer of ``kind`` just above the active one (or on top) and select it."""
        doc = self.document
        if doc is None:
            return None
        index = doc.index_of(self._active) + 1 if self._active else None
        layers: list[Layer] = []
        self.seal()
        kind = LayerKind(kind)
        # named in the window's language, numbered when the name is taken ("Edge guide 2")
        name = numbered_name(translate("LayerKind", kind.label), (la.name for la in doc.layers))
        # a guide starts at the Weight and Mode its model renders it best with (the demo's)
        props = new_layer_properties(kind.value, doc.settings.models, self.app_settings())
        self.edit(lambda: layers.append(doc.add_layer(kind, name=name, index=index, **props)))
        if layers:
            self.select_layer(layers[0].id)
            self.layerAdded.emit(layers[0].id)
        return layers[0] if layers else None

    def delete_layer(self) -> None:
        if self.document is not None and self._active is not None:
            self.seal()
            self.edit(self.document.remove_layer, self._active)

    def clear_layer(self) -> None:
        """Erase the selected layer's pixels (paint, guide, mask or region); not a reference
        picture's, nor a locked layer's."""
        doc, layer_id = self.document, self._active
        if doc is None or layer_id is None or not self._clearable(layer_id):
            return
        self.seal()
        layer = doc.layer(layer_id)
        self.edit(doc.replace_pixels, layer_id, np.zeros_like(layer.data), self.tr("Clear layer"))

    def _clearable(self, layer_id: str) -> bool:
        doc = self.document
        if doc is None:
            return False
        layer = doc.layer(layer_id)
        return layer.kind is not LayerKind.REFERENCE and not layer.locked

    def duplicate_layer(self) -> None:
        if self.document is not None and self._active is not None:
            self.seal()
            self.edit(self.document.duplicate_layer, self._active)

    def move_up(self) -> None:
        """Toward the front (up the list, up the stack)."""
        self._move(+1)

    def move_down(self) -> None:
        self._move(-1)

    def _move(self, delta: int) -> None:
        doc = self.document
        if doc is None or self._active is None:
            return
        index = doc.index_of(self._active) + delta
        if 0 <= index < len(doc.layers):
            self.seal()
            self.edit(doc.move_layer, self._active, index)
            self.select_layer(self._active)

    def _update_buttons(self) -> None:
        doc = self.document
        index = doc.index_of(self._active) if doc is not None and self._active else -1
        count = len(doc.layers) if doc is not None else 0
        self.add_button.setEnabled(doc is not None)
        self.delete_button.setEnabled(index >= 0)
        self.duplicate_button.setEnabled(index >= 0)
        self.clear_button.setEnabled(index >= 0 and self._clearable(self._active or ""))
        self.up_button.setEnabled(0 <= index < count - 1)
        self.down_button.setEnabled(index > 0)

    # ---- row edits -> document ---------------------------------------------------------------
    def _item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if column != COL_NAME or self.document is None:
            return
        layer_id = item.data(COL_NAME, Qt.ItemDataRole.UserRole)
        self.seal()
        if self.edit(self.document.set_layer_property, layer_id, "name", item.text(COL_NAME)):
            self.seal()

    def _toggle(self, layer_id: str, name: str, on: bool) -> None:
        if self.document is not None:
            self.edit(self.document.set_layer_property, layer_id, name, on)

    # ---- document -> widgets -----------------------------------------------------------------
    def document_replaced(self) -> None:
        self._ids = []
        self.properties.set_document(self.document)

    def document_changed(self, change: Change) -> None:
        if change.kind is ChangeKind.LAYERS:
            self.refresh()
        elif change.kind is ChangeKind.LAYER and change.layer_id and self.document is not None:
            item = self._item(change.layer_id)
            if item is not None:
                self._fill_row(item, self.document.layer(change.layer_id))
            if change.layer_id == self._active:  # locking it: nothing to clear
                self._update_buttons()

    def refresh(self) -> None:
        doc = self.document
        self.setEnabled(doc is not None)
        old_ids, active = self._ids, self._active
        layers = list(doc.layers) if doc is not None else []
        self._ids = [layer.id for layer in layers]
        with signals_blocked(self.tree):
            self.tree.clear()
            for layer in reversed(layers):
                item = QTreeWidgetItem()
                item.setData(COL_NAME, Qt.ItemDataRole.UserRole, layer.id)
                self.tree.addTopLevelItem(item)
                self._add_row_widgets(item, layer.id)
                self._fill_row(item, layer)
        new = [i for i in self._ids if i not in old_ids]
        if old_ids and new:  # a layer was added (or restored): select it
            target: str | None = new[-1]
        elif active in self._ids:
            target = active
        elif not self._ids:
            target = None
        elif active is not None and active in old_ids:  # it went away: take its place's layer
            target = self._ids[min(old_ids.index(active), len(self._ids) - 1)]
        else:  # a document shown anew: its top visible layer (the one a stroke would show on)
            shown = [layer.id for layer in layers if layer.visible]
            target = (shown or self._ids)[-1]
        with signals_blocked(self.tree):
            current = self._item(target) if target is not None else None
            if current is not None:
                self.tree.setCurrentItem(current, COL_NAME)
        self._set_active(target)
        if self.properties.layer_id != target:  # a new document: the properties started over
            self.properties.set_layer(target)
        self._update_buttons()
        if current is not None:  # in view once the properties below have taken their height
            QTimer.singleShot(0, self, self._scroll_to_current)

    def _scroll_to_current(self) -> None:
        item = self.tree.currentItem() if isValid(self.tree) else None
        if item is not None:
            self.tree.scrollToItem(item)

    def _add_row_widgets(self, item: QTreeWidgetItem, layer_id: str) -> None:
        # the rows are rebuilt when layers come and go: a row widget holding the focus would
        # pass it down Qt's tab chain as it goes, so they never take it (the properties below
        # have the same switches for the keyboard)
        visible = QCheckBox()
        visible.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        visible.setToolTip(self.tr("Visible"))
        visible.toggled.connect(lambda on: self._toggle(layer_id, "visible", on))
        lock = QToolButton()
        lock.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        lock.setCheckable(True)
        lock.setAutoRaise(True)
        lock.setIcon(self._lock_icon)
        lock.setToolTip(self.tr("Locked: its pixels and settings cannot change"))
        lock.toggled.connect(lambda on: self._toggle(layer_id, "locked", on))
        self.tree.setItemWidget(item, COL_VISIBLE, visible)
        self.tree.setItemWidget(item, COL_LOCK, lock)

    def visible_checkbox(self, layer_id: str) -> QCheckBox:
        """The row's visibility checkbox."""
        return self.tree.itemWidget(self._row_of(layer_id), COL_VISIBLE)  # type: ignore[return-value]

    def lock_button(self, layer_id: str) -> QToolButton:
        """The row's lock toggle."""
        return self.tree.itemWidget(self._row_of(layer_id), COL_LOCK)  # type: ignore[return-value]

    def _glyph_for(self, kind: LayerKind, region_index: int) -> tuple[str, tuple[int, int, int]]:
        letter, rgb = _KIND_GLYPHS[kind]
        return letter, region_color(region_index) if kind is LayerKind.REGION else rgb

    def _fill_row(self, item: QTreeWidgetItem, layer: Layer) -> None:
        doc = self.document
        regions = [x.id for x in doc.layers if x.kind is LayerKind.REGION] if doc else []
        region_index = regions.index(layer.id) if layer.id in regions else 0
        with signals_blocked(self.tree):
            item.setText(COL_NAME, layer.name)
            glyph = _glyph(*self._glyph_for(layer.kind, region_index))
            item.setIcon(COL_NAME, _row_icon(glyph, layer))
            kind = translate("LayerKind", layer.kind.label)
            item.setToolTip(COL_NAME, self.tr("{kind}: {name}").format(kind=kind, name=layer.name))
            flags = item.flags() | Qt.ItemFlag.ItemIsEditable
            if layer.locked:
                flags &= ~Qt.ItemFlag.ItemIsEditable
            item.setFlags(flags)
        for column, value in ((COL_VISIBLE, layer.visible), (COL_LOCK, layer.locked)):
            widget = self.tree.itemWidget(item, column)
            if widget is not None:
                with signals_blocked(widget):
                    widget.setChecked(value)  # type: ignore[attr-defined]


def _tool(text: str, tip: str, slot: object) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.clicked.connect(slot)
    return button
