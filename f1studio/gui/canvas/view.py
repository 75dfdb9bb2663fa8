"""CanvasView: shows a Document (canvas, mask and guide overlays, live preview) and paints
on its active layer with the current tool. Zoom with the wheel, pan with space+drag or the
middle button. Drawing goes through :mod:`.render_cache`; stroke logic lives in :mod:`.painter`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFocusEvent,
    QHideEvent,
    QInputDevice,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QTabletEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from f1studio.document.changes import Change, ChangeKind
from f1studio.document.document import Document
from f1studio.gui.canvas import painter
from f1studio.gui.canvas.painter import Rect
from f1studio.gui.canvas.render_cache import PreviewInset, RenderCache
from f1studio.gui.qimage import image_from_mime, local_files
from f1studio.gui.tools import BrushSettings, ToolKind

BACKGROUND = QColor(58, 58, 62)
MIN_ZOOM, MAX_ZOOM = 1 / 32, 64.0
FIT_MARGIN = 16  # pixels around the canvas after fit_to_window


class CanvasView(QWidget):
    """The painting canvas. Widget point = canvas point * zoom + offset."""

    strokeFinished = Signal(str)  # layer id, after a gesture recorded an undo step
    statusMessage = Signal(str)
    filesDropped = Signal(list, float, float)  # local paths, canvas x, canvas y
    imageDropped = Signal(object, float, float)  # QImage, canvas x, canvas y
    zoomChanged = Signal(float)
    cursorMoved = Signal(float, float)  # canvas x, y under the pointer
    brushChanged = Signal(object)  # BrushSettings, after set_brush/change_brush_size

    def __init__(self, doc: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setTabletTracking(True)
        self.setAcceptDrops(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setMinimumSize(64, 64)
        self._doc = doc
        self._cache = RenderCache(doc)
        self._zoom, self._offset, self._auto_fit = 1.0, QPointF(0, 0), True
        self._tool, self._brush = ToolKind.BRUSH, BrushSettings()
        self._active: str | None = None
        self._guides = True
        self._preview = PreviewInset()
        self._gestures = painter.Gestures(doc)
        self._pan_from: QPointF | None = None
        self._space = False
        self._hover: QPointF | None = None
        doc.subscribe(self._on_doc_changed)

    # ---- document -----------------------------------------------------------------------
    @property
    def document(self) -> Document:
        return self._doc

    @property
    def render_cache(self) -> RenderCache:
        return self._cache

    def set_document(self, doc: Document) -> None:
        """Show another document (New/Open); any gesture on the old one is cancelled."""
        self.cancel_stroke()
        self._doc.unsubscribe(self._on_doc_changed)
        self._doc = doc
        doc.subscribe(self._on_doc_changed)
        self._cache = RenderCache(doc)
        self._gestures = painter.Gestures(doc)
        if self._active is not None and self._active not in {la.id for la in doc.layers}:
            self._active = None
        self.fit_to_window()

    def _on_doc_changed(self, doc: Document, change: Change) -> None:
        if change.kind is ChangeKind.PIXELS and change.layer_id == self._gestures.committing:
            return  # our own stroke: the cache was updated dab by dab
        size = self._cache.size
        rects = self._cache.handle(change)
        if self._cache.size != size:
            self.fit_to_window()
        elif rects is None:
            self.update()
        for rect in rects or []:
            self.update(self._widget_rect(rect))

    # ---- view transform -----------------------------------------------------------------
    @property
    def zoom(self) -> float:
        return self._zoom

    @property
    def offset(self) -> QPointF:
        """Widget position of the canvas' top-left corner."""
        return QPointF(self._offset)

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom so that the canvas point under ``anchor`` (default: widget centre) stays put."""
        anchor = QPointF(self.width() / 2, self.height() / 2) if anchor is None else anchor
        x, y = self.widget_to_canvas(anchor)
        self._zoom = float(min(max(zoom, MIN_ZOOM), MAX_ZOOM))
        self._offset = QPointF(anchor.x() - x * self._zoom, anchor.y() - y * self._zoom)
        self._auto_fit = False
        self.update()
        self.zoomChanged.emit(self._zoom)

    def set_offset(self, offset: QPointF) -> None:
        self._offset = QPointF(offset)
        self._auto_fit = False
        self.update()

    def fit_to_window(self) -> None:
        """Show the whole canvas, centred; stays fitted on resize until the user zooms."""
        w, h = self._doc.width, self._doc.height
        room_w, room_h = self.width() - 2 * FIT_MARGIN, self.height() - 2 * FIT_MARGIN
        zoom = min(room_w / w, room_h / h) if room_w > 0 and room_h > 0 else 1.0
        self._zoom = float(min(max(zoom, MIN_ZOOM), MAX_ZOOM))
        self._offset = QPointF(
            (self.width() - w * self._zoom) / 2, (self.height() - h * self._zoom) / 2
        )
        self._auto_fit = True
        self.update()
        self.zoomChanged.emit(self._zoom)

    def widget_to_canvas(self, pos: QPointF) -> tuple[float, float]:
        return (
            (pos.x() - self._offset.x()) / self._zoom,
            (pos.y() - self._offset.y()) / self._zoom,
        )

    def canvas_to_widget(self, x: float, y: float) -> QPointF:
        return QPointF(x * self._zoom + self._offset.x(), y * self._zoom + self._offset.y())

    def _widget_rect(self, rect: Rect, margin: int = 2) -> QRect:
        y0, x0, y1, x1 = rect
        top_left = self.canvas_to_widget(x0, y0)
        area = QRectF(top_left.x(), top_left.y(), (x1 - x0) * self._zoom, (y1 - y0) * self._zoom)
        return area.toAlignedRect().adjusted(-margin, -margin, margin, margin)

    # ---- tools and layers ---------------------------------------------------------------
    @property
    def tool(self) -> ToolKind:
        return self._tool

    def set_tool(self, tool: ToolKind | str) -> None:
        self.finish_stroke()
        self.cancel_stroke()
        self._tool = ToolKind(tool)
        self._update_brush_outline()

    @property
    def brush(self) -> BrushSettings:
        """The live settings object (the tool bar edits it, then calls set_brush)."""
        return self._brush

    def set_brush(self, brush: BrushSettings) -> None:
        self._update_brush_outline()
        self._brush = brush.clamp()
        self._update_brush_outline()
        self.brushChanged.emit(self._brush)

    def change_brush_size(self, factor: float) -> None:
        """Scale the brush diameter (``[`` and ``]``); always changes by at least 1 px."""
        size = round(self._brush.size * factor)
        if size == round(self._brush.size):
            size += 1 if factor > 1 else -1
        self._brush.size = float(size)
        self.set_brush(self._brush)
        self.statusMessage.emit(f"Brush size {self._brush.size:.0f} px")

    @property
    def active_layer_id(self) -> str | None:
        return self._active

    def set_active_layer(self, layer_id: str | None) -> None:
        if layer_id != self._active:
            self.finish_stroke()
            self.cancel_stroke()
        self._active = layer_id or None

    @property
    def guides_visible(self) -> bool:
        return self._guides

    def set_guides_visible(self, visible: bool) -> None:
        """Show or hide every mask and guide overlay at once."""
        self._guides = bool(visible)
        self.update()

    def set_preview(self, rgb: np.ndarray | None) -> None:
        """Show a small live preview in the bottom-right corner (cheap); None hides it."""
        old = self._preview.rect(self.size())
        self._preview.set(rgb)
        for area in (old, self._preview.rect(self.size())):
            if area is not None:
                self.update(area.adjusted(-2, -2, 2, 2))

    def grab_canvas_image(self) -> np.ndarray:
        """RGB uint8 of the canvas as shown (pictures over white), without overlays."""
        return self._cache.canvas_rgb()

    # ---- gestures -----------------------------------------------------------------------
    @property
    def is_stroking(self) -> bool:
        """True while a brush stroke holds the document's open stroke."""
        return self._gestures.stroke is not None

    def finish_stroke(self) -> None:
        """Commit the brush stroke in progress now (call before other document edits)."""
        self._apply(self._gestures.finish())

    def cancel_stroke(self) -> None:
        """Drop the gesture in progress: pixels go back, no undo step."""
        self._update_shape()
        self._apply(self._gestures.cancel())

    def _apply(self, out: painter.Outcome) -> None:
        if out.dirty and out.layer_id is not None:
            for rect in self._cache.update_layer(out.layer_id, out.dirty):
                self.update(self._widget_rect(rect))
        if out.message:
            self.statusMessage.emit(out.message)
        if out.finished:
            self.strokeFinished.emit(out.finished)

    def _end_lost_gesture(self) -> None:
        """Keep the stroke, drop the shape, when a release never came (a dialog took it)."""
        self.finish_stroke()
        self._update_shape()
        self._gestures.shape = None

    def _update_shape(self) -> None:
        if self._gestures.shape is not None:
            self.update(self._widget_rect(self._gestures.shape.rect))

    # ---- pointer input ------------------------------------------------------------------
    def _press(
        self, pos: QPointF, button: Qt.MouseButton, mods: Qt.KeyboardModifier, pressure: float
    ) -> None:
        if button == Qt.MouseButton.MiddleButton or (
            button == Qt.MouseButton.LeftButton and self._space
        ):
            self._pan_from = pos
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif button == Qt.MouseButton.LeftButton:
            self._end_lost_gesture()
            erase = bool(mods & Qt.KeyboardModifier.AltModifier)
            x, y = self.widget_to_canvas(pos)
            self._apply(
                self._gestures.press(self._active, self._tool, self._brush, x, y, pressure, erase)
            )

    def _move(self, pos: QPointF, pressure: float) -> None:
        self._update_brush_outline()
        self._hover = QPointF(pos)
        self._update_brush_outline()
        x, y = self.widget_to_canvas(pos)
        self.cursorMoved.emit(x, y)
        if self._pan_from is not None:
            self.set_offset(self._offset + (pos - self._pan_from))
            self._pan_from = QPointF(pos)
        elif self._gestures.busy:
            self._update_shape()
            self._apply(self._gestures.move(x, y, pressure))
            self._update_shape()

    def _release(self, pos: QPointF, button: Qt.MouseButton, pressure: float) -> None:
        if self._pan_from is not None and button in (
            Qt.MouseButton.MiddleButton,
            Qt.MouseButton.LeftButton,
        ):
            self._pan_from = None
            self.setCursor(
                Qt.CursorShape.OpenHandCursor if self._space else Qt.CursorShape.CrossCursor
            )
        elif button == Qt.MouseButton.LeftButton and self._gestures.busy:
            self._update_shape()
            x, y = self.widget_to_canvas(pos)
            self._apply(self._gestures.release(x, y, pressure))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self._press(event.position(), event.button(), event.modifiers(), 1.0)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._move(event.position(), 1.0)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._release(event.position(), event.button(), 1.0)

    def tabletEvent(self, event: QTabletEvent) -> None:
        """Pen input: pressure scales the brush size when the device reports it."""
        caps = event.pointingDevice().capabilities()
        has_pressure = bool(caps & QInputDevice.Capability.Pressure)
        pressure = event.pressure() if has_pressure and self._brush.pressure else 1.0
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            self._press(event.position(), event.button(), event.modifiers(), pressure)
        elif kind == QEvent.Type.TabletMove:
            self._move(event.position(), pressure)
        elif kind == QEvent.Type.TabletRelease:
            self._release(event.position(), event.button(), pressure)
        event.accept()

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if delta:
            self.set_zoom(self._zoom * 2.0 ** (delta / 480.0), event.position())
        event.accept()

    def leaveEvent(self, event: QEvent) -> None:
        self._update_brush_outline()
        self._hover = None
        super().leaveEvent(event)

    # ---- keyboard -----------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Space
        ):  # space pans here, whatever the window binds to it
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space:
            if not event.isAutoRepeat() and self._pan_from is None:
                self.setCursor(Qt.CursorShape.OpenHandCursor)
            self._space = True
        elif key == Qt.Key.Key_BracketLeft:
            self.change_brush_size(1 / 1.25)
        elif key == Qt.Key.Key_BracketRight:
            self.change_brush_size(1.25)
        elif key == Qt.Key.Key_Escape and self._gestures.busy:
            self.cancel_stroke()
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            if self._pan_from is None:
                self.setCursor(Qt.CursorShape.CrossCursor)
        else:
            super().keyReleaseEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self._space = False
        self._end_lost_gesture()
        super().focusOutEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self._end_lost_gesture()
        super().hideEvent(event)

    # ---- drag and drop ------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if local_files(mime) or mime.hasImage():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self.dragEnterEvent(event)  # type: ignore[arg-type]

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        x, y = self.widget_to_canvas(event.position())
        files, image = local_files(mime), image_from_mime(mime)
        if files:
            self.filesDropped.emit(files, x, y)
        elif image is not None:
            self.imageDropped.emit(image, x, y)
        else:
            self.statusMessage.emit("Drop local image files or image data here")
            event.ignore()
            return
        event.acceptProposedAction()

    # ---- drawing ------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        if self._auto_fit:
            self.fit_to_window()
        super().resizeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        exposed = event.rect()
        p.fillRect(exposed, BACKGROUND)
        x0, y0 = self.widget_to_canvas(QPointF(exposed.topLeft()))
        x1, y1 = self.widget_to_canvas(QPointF(exposed.bottomRight()) + QPointF(1, 1))
        source = QRectF(x0, y0, x1 - x0, y1 - y0).toAlignedRect().adjusted(-1, -1, 1, 1)
        source = source.intersected(QRect(0, 0, *self._cache.size))
        if not source.isEmpty():
            p.save()
            p.translate(self._offset)
            p.scale(self._zoom, self._zoom)
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self._zoom < 1.0)
            p.drawImage(source.topLeft(), self._cache.canvas, source)
            if self._guides and self._cache.has_overlays:
                p.drawImage(source.topLeft(), self._cache.overlay, source)
            p.restore()
        self._paint_decorations(p)
        p.end()

    def _paint_decorations(self, p: QPainter) -> None:
        p.setPen(QPen(QColor(0, 0, 0, 110), 1))
        p.drawRect(self._widget_rect(self._cache.full_rect, margin=1))
        shape = self._gestures.shape
        if shape is not None:
            area = QRectF(self._widget_rect(shape.rect, margin=0))
            for colour, dash in (
                (QColor(255, 255, 255), Qt.PenStyle.SolidLine),
                (QColor(0, 0, 0), Qt.PenStyle.DashLine),
            ):
                p.setPen(QPen(colour, 1, dash))
                if shape.tool is ToolKind.ELLIPSE:
                    p.drawEllipse(area)
                p.drawRect(area)
        outline = self._brush_outline_rect()
        if outline is not None:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            for colour, width in ((QColor(0, 0, 0, 160), 3), (QColor(255, 255, 255, 220), 1)):
                p.setPen(QPen(colour, width))
                p.drawEllipse(QRectF(outline).adjusted(3, 3, -3, -3))
        self._preview.paint(p, self.size())

    def _brush_outline_rect(self) -> QRect | None:
        hidden = self._space or self._pan_from is not None or not self._tool.is_brush
        if self._hover is None or hidden:
            return None
        r = self._brush.size * self._zoom / 2 + 3
        c = self._hover
        return QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r).toAlignedRect()

    def _update_brush_outline(self) -> None:
        area = self._brush_outline_rect()
        if area is not None:
            self.update(area.adjusted(-2, -2, 2, 2))
