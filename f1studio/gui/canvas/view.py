"""CanvasView: shows a Document (canvas, mask and guide overlays, live preview) and paints
on its active layer with the current tool, or moves/scales it with the Move tool. Zoom with the
wheel, pan with space+drag or the middle button. Drawing goes through :mod:`.render_cache`;
stroke logic lives in :mod:`.painter`, the Move tool's in :mod:`.move_gesture`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import QWidget

from f1studio.document.changes import Change, ChangeKind
from f1studio.document.document import Document
from f1studio.document.layers import LayerKind
from f1studio.gui.canvas import painter
from f1studio.gui.canvas.decorations import paint_badge, paint_box, paint_outline
from f1studio.gui.canvas.depth_legend import DepthLegend
from f1studio.gui.canvas.input import CanvasInput
from f1studio.gui.canvas.move_gesture import REACH_PX, ContentBoxes, MoveDrag, handle_at
from f1studio.gui.canvas.painter import Rect
from f1studio.gui.canvas.region_labels import RegionLabels, paint_region_labels
from f1studio.gui.canvas.render_cache import PreviewInset, RenderCache
from f1studio.gui.qimage import rgb_to_qimage
from f1studio.gui.tools import BrushSettings, BrushSizes, ToolKind

BACKGROUND = QColor(58, 58, 62)
MIN_ZOOM, MAX_ZOOM = 1 / 32, 64.0
RESULT_OVERLAY_OPACITY = 0.3  # guides and masks over a previewed result
FIT_MARGIN = 16  # pixels around the canvas after fit_to_window


class CanvasView(CanvasInput):
    """The painting canvas. Widget point = canvas point * zoom + offset."""

    strokeFinished = Signal(str)  # layer id, after a gesture recorded an undo step
    zoomChanged = Signal(float)
    brushChanged = Signal(object)  # BrushSettings, after set_brush/change_brush_size

    def __init__(self, doc: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(64, 64)
        self._doc = doc
        self._cache = RenderCache(doc)
        self._zoom, self._offset, self._auto_fit = 1.0, QPointF(0, 0), True
        self._tool, self._brush = ToolKind.BRUSH, BrushSettings()
        self._sizes = BrushSizes(doc.width, doc.height)  # each layer kind's own brush size
        self._brush_kind = LayerKind.PAINT
        self._brush.size = self._sizes.size_for(self._brush_kind)
        self._active: str | None = None
        self._legend = DepthLegend()
        self._guides = True
        self._preview = PreviewInset()
        self._result: QImage | None = None  # a finished render previewed over the layers
        self._gestures = painter.Gestures(doc)
        self._boxes = ContentBoxes()  # the Move tool's box of the active layer
        self._labels = RegionLabels()  # layout-made regions' boxes and names
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
        self._result = None
        self._gestures = painter.Gestures(doc)
        self._sizes = BrushSizes(doc.width, doc.height)
        if self._active is not None and self._active not in {la.id for la in doc.layers}:
            self._active = None
        self._follow_layer_kind()
        self.fit_to_window()

    def _on_doc_changed(self, doc: Document, change: Change) -> None:
        if change.kind is ChangeKind.PIXELS and change.layer_id == self._gestures.committing:
            return  # our own stroke: the cache was updated dab by dab
        if self._tool is ToolKind.MOVE:
            self.update()  # the content box may have changed anywhere
        size = self._cache.size
        rects = self._cache.handle(change)
        if self._cache.size != size:
            self._sizes.width, self._sizes.height = self._cache.size
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
        self.update_brush_outline()
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.update()  # the Move tool's box comes or goes

    @property
    def brush(self) -> BrushSettings:
        """The live settings object (the tool bar edits it, then calls set_brush)."""
        return self._brush

    def set_brush(self, brush: BrushSettings) -> None:
        self.update_brush_outline()
        self._brush = brush.clamp()
        if self._brush.size != self._sizes.size_for(self._brush_kind):
            self._sizes.remember(self._brush_kind, self._brush.size)
        self.update_brush_outline()
        self.update(self._legend.rect())
        self.brushChanged.emit(self._brush)

    @property
    def brush_sizes(self) -> BrushSizes:
        """Each layer kind's brush size (the brush takes the active layer kind's one)."""
        return self._sizes

    def _follow_layer_kind(self) -> None:
        """Give the brush the size of the active layer's kind (thin on edge guides, ...)."""
        try:
            kind = self._doc.layer(self._active).kind if self._active else self._brush_kind
        except KeyError:
            kind = self._brush_kind
        if kind is not self._brush_kind or self._brush.size != self._sizes.size_for(kind):
            self._brush_kind = kind
            self._brush.size = self._sizes.size_for(kind)
            self.set_brush(self._brush)

    def change_brush_size(self, factor: float) -> None:
        """Scale the brush diameter (``[`` and ``]``); always changes by at least 1 px."""
        size = round(self._brush.size * factor)
        if size == round(self._brush.size):
            size += 1 if factor > 1 else -1
        self._brush.size = float(size)
        self.set_brush(self._brush)
        size_text = f"{self._brush.size:.0f}"
        self.statusMessage.emit(self.tr("Brush size {size} px").format(size=size_text))

    @property
    def active_layer_id(self) -> str | None:
        return self._active

    def set_active_layer(self, layer_id: str | None) -> None:
        if layer_id != self._active:
            self.finish_stroke()
            self.cancel_stroke()
        self._active = layer_id or None
        self._follow_layer_kind()
        self.update(self._legend.rect() if self._tool is not ToolKind.MOVE else self.rect())

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

    def set_result_preview(self, rgb: np.ndarray | None) -> None:
        """Show a finished render over the layers, under the guides (None: the layers again).
        It is only a preview: nothing in the document changes."""
        self._result = rgb_to_qimage(np.ascontiguousarray(rgb)) if rgb is not None else None
        self.update()

    @property
    def previewing_result(self) -> bool:
        return self._result is not None

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
        if self._tool is ToolKind.MOVE:
            self.update()  # the box and its handles reach beyond the layer rects
        if out.dirty and out.layer_id is not None:
            for rect in self._cache.update_layer(out.layer_id, out.dirty):
                self.update(self._widget_rect(rect))
        if out.message:
            self.statusMessage.emit(out.message)
        if out.finished:
            self.strokeFinished.emit(out.finished)

    def end_lost_gesture(self) -> None:
        """Keep the stroke, drop the shape, when a release never came (a dialog took it)."""
        self.finish_stroke()
        self._update_shape()
        self._gestures.shape = None

    def _update_shape(self) -> None:
        if self._gestures.shape is not None:
            self.update(self._widget_rect(self._gestures.shape.rect))

    # ---- the gesture, as the input handlers call it --------------------------------------
    @property
    def gesture_busy(self) -> bool:
        return self._gestures.busy

    @property
    def uses_pressure(self) -> bool:
        return self._brush.pressure

    def gesture_press(self, x: float, y: float, pressure: float, erase: bool) -> None:
        if self._result is not None:  # show what is being painted, not the result above it
            self.set_result_preview(None)
            self.resultPreviewDismissed.emit()
        reach, keep = REACH_PX / self._zoom, self.shift_held
        args = (self._active, self._tool, self._brush, x, y, pressure, erase, reach, keep)
        self._apply(self._gestures.press(*args))

    def gesture_move(self, x: float, y: float, pressure: float) -> None:
        self._update_shape()
        self._apply(self._gestures.move(x, y, pressure))
        self._update_shape()

    def gesture_release(self, x: float, y: float, pressure: float) -> None:
        self._update_shape()
        self._apply(self._gestures.release(x, y, pressure))

    def keep_ratio_changed(self, keep: bool) -> None:
        self._apply(self._gestures.set_keep_ratio(keep))

    def hover_at(self, x: float, y: float) -> None:
        """The Move tool's cursor says what a press there would do."""
        box = self.move_box if self._tool is ToolKind.MOVE else None
        if box is not None:
            self.setCursor(handle_at(box, x, y, REACH_PX / self._zoom).cursor)

    @property
    def move_box(self) -> Rect | None:
        """Where the active layer's content is (the Move tool's box), None when it is empty."""
        stroke = self._gestures.stroke
        if isinstance(stroke, MoveDrag):
            return stroke.box
        return self._boxes.box(self._doc, self._active)

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
            if self._result is not None:  # scaled to the canvas when it was rendered smaller
                p.drawImage(QRectF(0, 0, *self._cache.size), self._result)
            if self._guides and self._cache.has_overlays:
                if self._result is not None:  # faint over a result: the result is the point
                    p.setOpacity(RESULT_OVERLAY_OPACITY)
                p.drawImage(source.topLeft(), self._cache.overlay, source)
            p.restore()
        self._paint_decorations(p)
        p.end()

    def _paint_decorations(self, p: QPainter) -> None:
        p.setPen(QPen(QColor(0, 0, 0, 110), 1))
        p.drawRect(self._widget_rect(self._cache.full_rect, margin=1))
        if self._guides and self._result is None:
            boxes = self._labels.boxes(self._doc)
            paint_region_labels(p, [(QRectF(self._widget_rect(r, 0)), n) for r, n in boxes])
        shape = self._gestures.shape
        if shape is not None:
            area = QRectF(self._widget_rect(shape.rect, margin=0))
            paint_outline(p, area, ellipse=shape.tool is ToolKind.ELLIPSE)
        box = self.move_box if self._tool is ToolKind.MOVE else None
        if box is not None:
            paint_box(p, QRectF(self._widget_rect(box, margin=0)))
        outline = self._brush_outline_rect()
        if outline is not None:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            for colour, width in ((QColor(0, 0, 0, 160), 3), (QColor(255, 255, 255, 220), 1)):
                p.setPen(QPen(colour, width))
                p.drawEllipse(QRectF(outline).adjusted(3, 3, -3, -3))
        self._preview.paint(p, self.size())
        if self._result is not None:
            paint_badge(p, self.tr("Result preview · Enter applies it as a layer · Esc hides it"))
        if self.depth_legend_shown:
            painting = self._tool not in (ToolKind.ERASER, ToolKind.MOVE)
            depth_active = self._brush_kind is LayerKind.DEPTH and painting
            level = self._brush.depth_level if depth_active else None
            self._legend.paint(p, self.size(), level)

    @property
    def depth_legend_shown(self) -> bool:
        """The far..near legend shows while guides are shown and a depth guide is visible or
        being painted."""
        return self._guides and (
            self._cache.shows_kind(LayerKind.DEPTH) or self._brush_kind is LayerKind.DEPTH
        )

    def _brush_outline_rect(self) -> QRect | None:
        hidden = self.panning or not self._tool.is_brush
        if self._hover is None or hidden:
            return None
        r = self._brush.size * self._zoom / 2 + 3
        c = self._hover
        return QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r).toAlignedRect()

    def update_brush_outline(self) -> None:
        area = self._brush_outline_rect()
        if area is not None:
            self.update(area.adjusted(-2, -2, 2, 2))
