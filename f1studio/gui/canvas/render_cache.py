"""Layer -> QImage render cache for the canvas: one image per layer and two composites.

``canvas`` holds the visible paint/reference layers over white (what generation starts
from); ``overlay`` holds the translucent mask and guide overlays. Both are rebuilt per
rectangle, so a brush dab re-converts and re-composites only the pixels it touched.

Document notifications invalidate only what changed: a PIXELS change re-converts the tiles of
that layer's newest tile patch (the undo/redo stacks say which), a LAYER change re-composites
only when visibility or opacity changed, a LAYERS change converts new or replaced layers, drops
removed ones and re-composites.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np
from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from f1studio.document.changes import Change, ChangeKind
from f1studio.document.document import Document
from f1studio.document.history import TilePatch
from f1studio.document.imaging import to_rgba
from f1studio.document.layers import Layer, LayerKind
from f1studio.gui.canvas.depth_legend import depth_ramp
from f1studio.gui.qimage import qimage_to_rgba, rgba_to_qimage

Rect = tuple[int, int, int, int]  # (y0, x0, y1, x1), end exclusive, like document.imaging

# One distinct colour per region layer, by its position among the region layers (bottom up).
REGION_COLORS: tuple[tuple[int, int, int], ...] = (
    (255, 72, 72),
    (60, 140, 255),
    (40, 200, 90),
    (255, 170, 0),
    (190, 80, 255),
    (0, 200, 200),
    (255, 90, 190),
    (150, 110, 50),
)
INPAINT_COLOR = (255, 0, 0)
EDGE_COLOR = (0, 230, 255)
REGION_ALPHA, INPAINT_ALPHA, INPAINT_STRIPE_ALPHA, DEPTH_ALPHA = 0.42, 0.22, 0.6, 0.85

# Premultiplied ARGB32 is QPainter's fastest source format; its bytes are B, G, R, A on
# little-endian machines. Elsewhere fall back to a byte-ordered format.
_LITTLE = sys.byteorder == "little"
if _LITTLE:
    _FORMAT = QImage.Format.Format_ARGB32_Premultiplied
    _SLOTS = [2, 1, 0, 3]  # memory slot of R, G, B, A
else:  # pragma: no cover
    _FORMAT = QImage.Format.Format_RGBA8888_Premultiplied
    _SLOTS = [0, 1, 2, 3]


def region_color(index: int) -> tuple[int, int, int]:
    """The overlay colour of the ``index``-th region layer (counting region layers only)."""
    return REGION_COLORS[index % len(REGION_COLORS)]


def region_colors(layers: Iterable[Layer]) -> dict[str, tuple[int, int, int]]:
    """Region layer id -> overlay colour, stable by stacking order."""
    regions = [layer for layer in layers if layer.kind is LayerKind.REGION]
    return {layer.id: region_color(i) for i, layer in enumerate(regions)}


def _image_pixels(image: QImage) -> np.ndarray:
    """A writable (H, W, 4) numpy view of a 32-bit QImage's pixels (valid while it lives)."""
    h, w = image.height(), image.width()
    rows = np.frombuffer(image.bits(), np.uint8).reshape(h, image.bytesPerLine())
    return rows[:, : 4 * w].reshape(h, w, 4)


def _lookup_table(rgb: tuple[int, int, int], alpha: float, ramp: bool = False) -> np.ndarray:
    """(256, 4) premultiplied pixels in memory order for mask levels 0..255."""
    level = np.arange(256, dtype=np.float32)
    if ramp:  # depth: far (dark) .. near (light) on a perceptual ramp; 0 = unpainted
        a = np.where(level > 0, alpha, 0.0).astype(np.float32)
        colour = depth_ramp()
    else:
        a = level / 255.0 * alpha
        colour = np.tile(np.asarray(rgb, np.float32), (256, 1))
    rgba = np.concatenate([colour * a[:, None], (a * 255.0)[:, None]], axis=1)
    table = np.empty((256, 4), np.uint8)
    table[:, _SLOTS] = np.clip(np.rint(rgba), 0, 255).astype(np.uint8)
    return table


def _overlay_tables(kind: LayerKind, colour: tuple[int, int, int] | None) -> np.ndarray:
    """(2, 256, 4): plain and (inpaint only) hatch-stripe lookup tables for a mask/guide."""
    if kind is LayerKind.REGION:
        plain = _lookup_table(colour or REGION_COLORS[0], REGION_ALPHA)
        return np.stack([plain, plain])
    if kind is LayerKind.INPAINT:
        return np.stack(
            [
                _lookup_table(INPAINT_COLOR, INPAINT_ALPHA),
                _lookup_table(INPAINT_COLOR, INPAINT_STRIPE_ALPHA),
            ]
        )
    if kind is LayerKind.EDGE:
        plain = _lookup_table(EDGE_COLOR, 1.0)
        return np.stack([plain, plain])
    plain = _lookup_table((0, 0, 0), DEPTH_ALPHA, ramp=True)
    return np.stack([plain, plain])


@dataclass
class _Entry:
    """What the cache knows about one layer."""

    kind: LayerKind
    data: np.ndarray  # the array converted last (identity tells a replaced array)
    visible: bool
    opacity: float
    colour: tuple[int, int, int] | None
    image: QImage
    tables: np.ndarray | None


class RenderCache:
    """QImages of a document's layers plus the ``canvas`` and ``overlay`` composites.

    ``conversions`` counts rectangle conversions per layer id and ``pixels_converted`` the
    pixels they covered, so tests (and curious people) can see what was re-done.
    """

    def __init__(self, doc: Document):
        self.doc = doc
        self.conversions: Counter[str] = Counter()
        self.pixels_converted: Counter[str] = Counter()
        self._entries: dict[str, _Entry] = {}
        self._order: list[str] = []
        self.canvas = QImage()
        self.overlay = QImage()
        self.rebuild()

    # ---- public -------------------------------------------------------------------------
    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the composites."""
        return self.canvas.width(), self.canvas.height()

    @property
    def full_rect(self) -> Rect:
        return 0, 0, self.doc.height, self.doc.width

    @property
    def has_overlays(self) -> bool:
        """True when some visible mask or guide layer is drawn into ``overlay``."""
        return any(self._shows(e, picture=False) for e in self._entries.values())

    def shows_kind(self, kind: LayerKind) -> bool:
        """True when a visible layer of ``kind`` is drawn."""
        return any(e.kind is kind and e.visible and e.opacity > 0 for e in self._entries.values())

    def rebuild(self) -> None:
        """Forget everything and convert every layer again."""
        w, h = self.doc.width, self.doc.height
        self.canvas = QImage(w, h, QImage.Format.Format_RGB32)
        self.overlay = QImage(w, h, _FORMAT)
        self._entries.clear()
        self._sync_layers()
        self._composite(self.full_rect)

    def handle(self, change: Change) -> list[Rect] | None:
        """React to a document notification; returns the changed canvas rects (None = all)."""
        layer_id = change.layer_id
        if change.kind is ChangeKind.LAYERS or layer_id is None:  # prompts, settings: no pixels
            return self._restack() if change.kind is ChangeKind.LAYERS else []
        if change.kind is ChangeKind.LAYER:
            return self._layer_changed(layer_id)
        if layer_id not in self._entries:  # pixels of a layer this cache has not seen yet
            return self._restack()
        return self.update_layer(layer_id, self._patched_rects(layer_id))

    def _restack(self) -> list[Rect] | None:
        """Follow the layer stack and the canvas size (a LAYERS change)."""
        if (self.doc.width, self.doc.height) != self.size:
            self.rebuild()
            return None
        self._sync_layers()
        self._composite(self.full_rect)
        return None

    def update_layer(self, layer_id: str, rects: Iterable[Rect] | None = None) -> list[Rect]:
        """Re-convert ``rects`` of one layer (None = all of it) and re-composite them."""
        entry = self._entries[layer_id]
        layer = self.doc.layer(layer_id)
        done = []
        for rect in [self.full_rect] if rects is None else rects:
            clipped = _clip(rect, self.full_rect)
            if clipped is None:
                continue
            self._convert(layer_id, layer, entry, clipped)
            self._composite(clipped, picture=entry.kind.is_picture)
            done.append(clipped)
        return done

    def canvas_rgb(self) -> np.ndarray:
        """The canvas composite (no overlays) as RGB uint8 (H, W, 3)."""
        return np.ascontiguousarray(qimage_to_rgba(self.canvas)[..., :3])

    # ---- internals ----------------------------------------------------------------------
    def _sync_layers(self) -> None:
        """Match the entries to the document's layer stack; convert only new/replaced ones."""
        colours = region_colors(self.doc.layers)
        live = {layer.id for layer in self.doc.layers}
        for gone in set(self._entries) - live:
            del self._entries[gone]
        for layer in self.doc.layers:
            entry = self._entries.get(layer.id)
            colour = colours.get(layer.id)
            if entry is None or entry.data is not layer.data or entry.colour != colour:
                tables = None if layer.kind.is_picture else _overlay_tables(layer.kind, colour)
                image = QImage(layer.width, layer.height, _FORMAT)
                entry = _Entry(layer.kind, layer.data, True, 1.0, colour, image, tables)
                self._entries[layer.id] = entry
                self._convert(layer.id, layer, entry, self.full_rect)
            entry.visible, entry.opacity = layer.visible, layer.opacity
        self._order = [layer.id for layer in self.doc.layers]

    def _layer_changed(self, layer_id: str) -> list[Rect] | None:
        entry = self._entries.get(layer_id)
        if entry is None:
            return self._restack()
        layer = self.doc.layer(layer_id)
        if entry.data is not layer.data:
            return self._restack()
        if (entry.visible, entry.opacity) == (layer.visible, layer.opacity):
            return []  # name, prompt, lock ...: nothing to draw
        entry.visible, entry.opacity = layer.visible, layer.opacity
        self._composite(self.full_rect, picture=entry.kind.is_picture)
        return None

    def _patched_rects(self, layer_id: str) -> list[Rect] | None:
        """Tiles of the newest undo/redo patch of this layer (the edit just done or undone)."""
        rects: list[Rect] = []
        history = self.doc.history
        for stack in (history.undo_stack, history.redo_stack):
            top = stack[-1] if stack else None
            if isinstance(top, TilePatch) and top.layer_id == layer_id:
                rects += [
                    (t.y0, t.x0, t.y0 + t.before.shape[0], t.x0 + t.before.shape[1])
                    for t in top.tiles
                ]
        return rects or None

    def _convert(self, layer_id: str, layer: Layer, entry: _Entry, rect: Rect) -> None:
        y0, x0, y1, x1 = rect
        src = layer.data[y0:y1, x0:x1]
        dst = _image_pixels(entry.image)[y0:y1, x0:x1]
        if entry.tables is None:  # straight RGBA -> premultiplied, in memory order
            premul = cv2.cvtColor(np.ascontiguousarray(src), cv2.COLOR_RGBA2mRGBA)
            dst[...] = cv2.cvtColor(premul, cv2.COLOR_RGBA2BGRA) if _LITTLE else premul
        elif entry.kind is LayerKind.INPAINT:  # hatched: diagonal stripes in canvas coords
            diag = np.arange(y0, y1)[:, None] + np.arange(x0, x1)[None, :]
            stripe = (diag % 10) < 4
            dst[...] = np.where(stripe[..., None], entry.tables[1][src], entry.tables[0][src])
        else:
            dst[...] = entry.tables[0][src]
        self.conversions[layer_id] += 1
        self.pixels_converted[layer_id] += (y1 - y0) * (x1 - x0)

    def _shows(self, entry: _Entry, picture: bool) -> bool:
        return entry.kind.is_picture == picture and entry.visible and entry.opacity > 0

    def _composite(self, rect: Rect, picture: bool | None = None) -> None:
        """Redraw ``rect`` of the canvas (picture=True), the overlay (False) or both (None)."""
        y0, x0, y1, x1 = rect
        area = QRect(x0, y0, x1 - x0, y1 - y0)
        targets = [(self.canvas, True), (self.overlay, False)]
        for target, pictures in targets:
            if picture is not None and picture != pictures:
                continue
            p = QPainter(target)
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
            p.fillRect(area, Qt.GlobalColor.white if pictures else Qt.GlobalColor.transparent)
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
            for layer_id in self._order:
                entry = self._entries[layer_id]
                if self._shows(entry, pictures):
                    p.setOpacity(entry.opacity)
                    p.drawImage(QPoint(x0, y0), entry.image, area)
            p.end()


class PreviewInset:
    """A small live preview drawn smoothly upscaled in a widget's bottom-right corner.

    Setting it converts only the (small) preview; the document is never re-composited.
    """

    SIDE, MARGIN = 0.33, 12  # share of the widget's shorter side; distance from the edges

    def __init__(self) -> None:
        self.image: QImage | None = None

    def set(self, rgb: np.ndarray | None) -> None:
        """Any grey/RGB/RGBA array (uint8 or float 0..1), or None to hide the preview."""
        self.image = None if rgb is None else rgba_to_qimage(to_rgba(rgb))

    def rect(self, widget: QSize) -> QRect | None:
        """Where the preview goes in a widget of that size; None when there is none."""
        if self.image is None or self.image.isNull():
            return None
        side = max(64.0, self.SIDE * min(widget.width(), widget.height()))
        scale = side / max(self.image.width(), self.image.height())
        w, h = round(self.image.width() * scale), round(self.image.height() * scale)
        return QRect(widget.width() - w - self.MARGIN, widget.height() - h - self.MARGIN, w, h)

    def paint(self, p: QPainter, widget: QSize) -> None:
        area = self.rect(widget)
        if area is None or self.image is None:
            return
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.drawImage(QRectF(area), self.image)
        p.setPen(QPen(QColor(255, 255, 255, 200), 1))
        p.drawRect(area.adjusted(0, 0, -1, -1))


def _clip(rect: Rect, bounds: Rect) -> Rect | None:
    y0, x0 = max(rect[0], bounds[0]), max(rect[1], bounds[1])
    y1, x1 = min(rect[2], bounds[2]), min(rect[3], bounds[3])
    return (y0, x0, y1, x1) if y0 < y1 and x0 < x1 else None
