"""Stroke logic for the canvas, without widgets: what a tool paints on which layer kind,
brush strokes made of interpolated dabs, flood fill, rectangle/ellipse fills, and
:class:`Gestures`, the press/move/release state machine the view drives.

Everything goes through the Document stroke API, so one gesture is one undo step that keeps
only the changed 64x64 tiles. Canvas coordinates are continuous: pixel (row i, column j)
covers [j, j+1) x [i, i+1), so its centre is at (j + 0.5, i + 0.5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from f1studio.document import imaging
from f1studio.document.document import Document
from f1studio.document.history import TILE
from f1studio.document.layers import LayerKind
from f1studio.gui.canvas.move_gesture import MoveDrag, start_move
from f1studio.gui.i18n import translate
from f1studio.gui.tools import BrushSettings, ToolKind

Rect = tuple[int, int, int, int]  # (y0, x0, y1, x1), end exclusive


@dataclass(frozen=True)
class Ink:
    """What a gesture writes: an RGBA colour or a 0..255 level, or erasing."""

    value: tuple[int, int, int, int] | int
    erase: bool = False


def ink_for(kind: LayerKind, tool: ToolKind, brush: BrushSettings, erase: bool = False) -> Ink:
    """Colour on pictures, 255 on masks and edge guides, ``depth_level`` on depth guides."""
    erase = erase or tool.erases
    if kind.is_picture:
        r, g, b, *a = brush.color
        return Ink((int(r), int(g), int(b), int(a[0]) if a else 255), erase)
    if kind is LayerKind.DEPTH:
        return Ink(int(brush.depth_level), erase)
    return Ink(255, erase)


def refusal(doc: Document, layer_id: str | None) -> str | None:
    """Why the layer cannot be painted on now (a short message), or None when it can."""
    if layer_id is None:
        return translate("Painter", "Choose a layer to paint on")
    try:
        layer = doc.layer(layer_id)
    except KeyError:
        return translate("Painter", "The selected layer is gone: choose another one")
    if layer.locked:
        return translate("Painter", "Layer '{name}' is locked").format(name=layer.name)
    if not layer.visible:
        return translate("Painter", "Layer '{name}' is hidden: show it to paint on it").format(
            name=layer.name
        )
    return None


def drag_rect(ax: float, ay: float, bx: float, by: float) -> Rect:
    """The pixel rect spanned by a drag, including the pixels under both end points."""
    y0, y1 = sorted((math.floor(ay), math.floor(by)))
    x0, x1 = sorted((math.floor(ax), math.floor(bx)))
    return y0, x0, y1 + 1, x1 + 1


class BrushStroke:
    """One press-to-release of the brush or eraser on one layer.

    Dabs are spaced a quarter of the brush diameter apart along the pointer path. Their
    coverage is kept as a per-pixel maximum over the stroke and the touched pixels are
    re-blended from the pre-stroke pixels, so ``brush.opacity`` caps the whole stroke (no
    build-up where dabs overlap), as in Krita's "wash" mode.
    """

    def __init__(self, doc: Document, layer_id: str, ink: Ink, brush: BrushSettings):
        self.doc = doc
        self.layer_id = layer_id
        self.ink = ink
        self._size = float(brush.size)
        self._hardness = float(brush.hardness)
        self._opacity = np.float32(brush.opacity)
        label = translate("Painter", "Erase") if ink.erase else translate("Painter", "Paint")
        self._stroke = doc.begin_stroke(layer_id, label)
        data = self._stroke.data
        self._orig = data.copy()
        self._coverage = np.zeros(data.shape[:2], np.float32)
        self._last: tuple[float, float, float] | None = None
        self._carry = 0.0  # distance walked since the last dab
        self.bounds: Rect | None = None  # every pixel this stroke may have changed

    def add_point(self, x: float, y: float, pressure: float = 1.0) -> list[Rect]:
        """Extend the stroke to canvas point (x, y); returns the pixel rects repainted."""
        pressure = min(max(float(pressure), 0.05), 1.0)
        rects = [r for dab in self._dabs_to(x, y, pressure) if (r := self._stamp(*dab))]
        return self._repaint(rects)

    def finish(self) -> bool:
        """Close the stroke as one undo step; False when nothing changed."""
        self._orig = self._coverage = np.zeros((0, 0), np.uint8)
        return self.doc.end_stroke(self._stroke)

    def cancel(self) -> Rect | None:
        """Roll the pixels back (no undo step); returns the rect to redraw."""
        self.doc.end_stroke(self._stroke, cancel=True)
        return self.bounds

    def _dabs_to(self, x: float, y: float, p: float) -> list[tuple[float, float, float]]:
        if self._last is None:
            self._last = (x, y, p)
            return [(x, y, p)]
        lx, ly, lp = self._last
        dist = math.hypot(x - lx, y - ly)
        dabs = []
        walked = 0.0
        while True:
            spacing = max(0.75, self._radius(lp + (p - lp) * walked / max(dist, 1e-9)) * 0.5)
            step = max(spacing - self._carry, 0.0)
            if walked + step > dist:
                self._carry += dist - walked
                break
            walked += step
            self._carry = 0.0
            t = walked / dist
            dabs.append((lx + (x - lx) * t, ly + (y - ly) * t, lp + (p - lp) * t))
        self._last = (x, y, p)
        return dabs

    def _radius(self, pressure: float) -> float:
        return max(0.5, self._size * 0.5 * pressure)

    def _stamp(self, x: float, y: float, p: float) -> Rect | None:
        hit = imaging.disc_coverage(
            y - 0.5, x - 0.5, self._radius(p), self._hardness, self._coverage.shape
        )
        if hit is None:
            return None
        (y0, x0, y1, x1), cov = hit
        cell = self._coverage[y0:y1, x0:x1]
        np.maximum(cell, cov, out=cell)
        self._stroke.touch(y0, x0, y1, x1)
        return y0, x0, y1, x1

    def _repaint(self, rects: list[Rect]) -> list[Rect]:
        """Re-blend the dab rects from the original pixels, once per touched tile."""
        per_tile: dict[tuple[int, int], Rect] = {}
        for y0, x0, y1, x1 in rects:
            for ty in range(y0 // TILE, (y1 - 1) // TILE + 1):
                for tx in range(x0 // TILE, (x1 - 1) // TILE + 1):
                    part = (
                        max(y0, ty * TILE),
                        max(x0, tx * TILE),
                        min(y1, (ty + 1) * TILE),
                        min(x1, (tx + 1) * TILE),
                    )
                    per_tile[ty, tx] = _union(per_tile.get((ty, tx)), part)
        data = self._stroke.data
        for y0, x0, y1, x1 in per_tile.values():
            region = data[y0:y1, x0:x1]
            region[...] = self._orig[y0:y1, x0:x1]
            cov = self._coverage[y0:y1, x0:x1] * self._opacity
            imaging.paint_region(region, self.ink.value, cov, self.ink.erase)
            self.bounds = _union(self.bounds, (y0, x0, y1, x1))
        return list(per_tile.values())


def similar_area(data: np.ndarray, x: int, y: int, tolerance: int) -> np.ndarray:
    """uint8 0/1 mask of the 4-connected area around pixel (x, y) whose values differ from
    it by at most ``tolerance`` (per channel; colours compared premultiplied, so all
    fully transparent pixels count as alike)."""
    if data.ndim == 3:
        px = data.astype(np.int32)
        alpha = px[..., 3:4]
        premul = (px[..., :3] * alpha + 127) // 255
        values = np.concatenate([premul, alpha], axis=2)
        diff = np.abs(values - values[y, x]).max(axis=2).astype(np.uint8)
    else:
        diff = cv2.absdiff(data, np.full_like(data, data[y, x]))
    h, w = diff.shape
    mask = np.zeros((h + 2, w + 2), np.uint8)
    tol = int(min(max(tolerance, 0), 255))
    flags = 4 | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (1 << 8)
    cv2.floodFill(diff, mask, (int(x), int(y)), 0, tol, tol, flags)
    return mask[1:-1, 1:-1]


def flood_fill(
    doc: Document, layer_id: str, x: float, y: float, ink: Ink, tolerance: int, opacity: float
) -> Rect | None:
    """Fill the similar area under canvas point (x, y); returns the changed rect or None."""
    data = doc.layer(layer_id).data
    ix, iy = math.floor(x), math.floor(y)
    if not (0 <= ix < data.shape[1] and 0 <= iy < data.shape[0]):
        return None
    area = similar_area(data, ix, iy, tolerance)
    box = imaging.bbox(area)
    if box is None:
        return None
    y0, x0, y1, x1 = box
    cov = area[y0:y1, x0:x1].astype(np.float32) * np.float32(opacity)
    return _commit(doc, layer_id, box, cov, ink, translate("Painter", "Fill"))


def ellipse_coverage(rect: Rect, clip: Rect) -> np.ndarray:
    """float32 coverage over ``clip`` of the ellipse inscribed in ``rect`` (soft 1px rim)."""
    y0, x0, y1, x1 = rect
    cy, cx = (y0 + y1) / 2.0, (x0 + x1) / 2.0
    ry, rx = max((y1 - y0) / 2.0, 0.5), max((x1 - x0) / 2.0, 0.5)
    ys = (np.arange(clip[0], clip[2], dtype=np.float32) + 0.5 - cy) / ry
    xs = (np.arange(clip[1], clip[3], dtype=np.float32) + 0.5 - cx) / rx
    q = np.sqrt(ys[:, None] ** 2 + xs[None, :] ** 2)
    inside = (1.0 - q) * np.float32(min(rx, ry))  # roughly the distance to the rim in pixels
    return np.clip(inside + 0.5, 0.0, 1.0).astype(np.float32)


def fill_shape(
    doc: Document, layer_id: str, tool: ToolKind, rect: Rect, ink: Ink, opacity: float
) -> Rect | None:
    """Fill a rectangle (exactly ``rect``) or the ellipse inscribed in it; one undo step."""
    data = doc.layer(layer_id).data
    clip = imaging.clip_rect(rect, data.shape)
    if clip is None:
        return None
    y0, x0, y1, x1 = clip
    if tool is ToolKind.ELLIPSE:
        cov = ellipse_coverage(rect, clip) * np.float32(opacity)
    else:
        cov = np.full((y1 - y0, x1 - x0), opacity, np.float32)
    if tool is ToolKind.ELLIPSE:
        label = translate("Painter", "Fill ellipse")
    else:
        label = translate("Painter", "Fill rectangle")
    return _commit(doc, layer_id, clip, cov, ink, label)


def _commit(
    doc: Document, layer_id: str, rect: Rect, cov: np.ndarray, ink: Ink, label: str
) -> Rect | None:
    y0, x0, y1, x1 = rect
    stroke = doc.begin_stroke(layer_id, label)
    try:
        stroke.touch(y0, x0, y1, x1)
        imaging.paint_region(stroke.data[y0:y1, x0:x1], ink.value, cov, ink.erase)
    except BaseException:
        doc.end_stroke(stroke, cancel=True)
        raise
    return rect if doc.end_stroke(stroke) else None


def _union(a: Rect | None, b: Rect) -> Rect:
    if a is None:
        return b
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


@dataclass
class Outcome:
    """What a pointer event did: layer rects to redraw now, an undo step, a refusal."""

    dirty: list[Rect] = field(default_factory=list)
    layer_id: str | None = None  # the layer ``dirty`` belongs to
    finished: str | None = None  # layer id of a gesture that recorded an undo step
    message: str | None = None


@dataclass
class ShapeDrag:
    """A rectangle/ellipse drag in progress (canvas coordinates of both corners)."""

    tool: ToolKind
    layer_id: str
    ink: Ink
    opacity: float
    ax: float
    ay: float
    bx: float
    by: float

    @property
    def rect(self) -> Rect:
        return drag_rect(self.ax, self.ay, self.bx, self.by)


class Gestures:
    """One pointer gesture at a time on a document: a brush stroke or a Move-tool drag (each
    an open document stroke from press to release), a flood fill (on press) or a shape drag
    (filled on release)."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.stroke: BrushStroke | MoveDrag | None = None
        self.shape: ShapeDrag | None = None
        self.committing: str | None = None  # layer id while our stroke is being closed

    @property
    def busy(self) -> bool:
        return self.stroke is not None or self.shape is not None

    def press(
        self,
        layer_id: str | None,
        tool: ToolKind,
        brush: BrushSettings,
        x: float,
        y: float,
        pressure: float = 1.0,
        erase: bool = False,
        reach: float = 0.0,
        keep_ratio: bool = False,
    ) -> Outcome:
        """Start a gesture at canvas point (x, y); ``reach`` (canvas units) is how near a
        Move-tool handle a press grabs it, ``keep_ratio`` whether Shift is held."""
        if tool is ToolKind.MOVE:
            return self._start_move(layer_id, x, y, reach, keep_ratio)
        message = refusal(self.doc, layer_id)
        if message is not None or layer_id is None:
            return Outcome(message=message)
        ink = ink_for(self.doc.layer(layer_id).kind, tool, brush, erase)
        try:
            if tool.is_brush:
                self.stroke = BrushStroke(self.doc, layer_id, ink, brush)
                return Outcome(self.stroke.add_point(x, y, pressure), layer_id)
            if tool is ToolKind.FILL:
                tol, opacity = brush.fill_tolerance, brush.opacity
                done = flood_fill(self.doc, layer_id, x, y, ink, tol, opacity)
                return Outcome(finished=layer_id if done else None)
        except (RuntimeError, ValueError) as exc:  # e.g. another edit holds the document
            self.stroke = None
            return Outcome(message=str(exc))
        self.shape = ShapeDrag(tool, layer_id, ink, brush.opacity, x, y, x, y)
        return Outcome()

    def _start_move(
        self, layer_id: str | None, x: float, y: float, reach: float, keep_ratio: bool
    ) -> Outcome:
        try:
            drag = start_move(self.doc, layer_id, x, y, reach)
        except (RuntimeError, ValueError) as exc:  # e.g. another edit holds the document
            return Outcome(message=str(exc))
        if isinstance(drag, str):
            return Outcome(message=drag)
        drag.keep_ratio = keep_ratio
        self.stroke = drag
        return Outcome()

    def set_keep_ratio(self, keep: bool) -> Outcome:
        """Shift went down or up: a Move-tool scale follows at once."""
        if not isinstance(self.stroke, MoveDrag):
            return Outcome()
        return Outcome(self.stroke.set_keep_ratio(keep), self.stroke.layer_id)

    def move(self, x: float, y: float, pressure: float = 1.0) -> Outcome:
        if self.stroke is not None:
            return Outcome(self.stroke.add_point(x, y, pressure), self.stroke.layer_id)
        if self.shape is not None:
            self.shape.bx, self.shape.by = x, y
        return Outcome()

    def release(self, x: float, y: float, pressure: float = 1.0) -> Outcome:
        if self.stroke is not None:
            out = self.move(x, y, pressure)
            out.finished = self.finish().finished
            return out
        shape, self.shape = self.shape, None
        if shape is None:
            return Outcome()
        shape.bx, shape.by = x, y
        rect = shape.rect
        if (rect[2] - rect[0], rect[3] - rect[1]) == (1, 1):
            return Outcome()  # a click, not a drag
        try:
            done = fill_shape(self.doc, shape.layer_id, shape.tool, rect, shape.ink, shape.opacity)
        except (KeyError, RuntimeError, ValueError) as exc:
            return Outcome(message=str(exc))
        return Outcome(finished=shape.layer_id if done else None)

    def finish(self) -> Outcome:
        """Commit the brush stroke in progress (a shape drag is left alone)."""
        stroke, self.stroke = self.stroke, None
        if stroke is None:
            return Outcome()
        self.committing = stroke.layer_id
        try:
            recorded = stroke.finish()
        finally:
            self.committing = None
        return Outcome(finished=stroke.layer_id if recorded else None)

    def cancel(self) -> Outcome:
        """Drop the gesture in progress: pixels go back, no undo step."""
        stroke, self.stroke, self.shape = self.stroke, None, None
        if stroke is None:
            return Outcome()
        bounds = stroke.cancel()
        return Outcome([bounds] if bounds else [], stroke.layer_id)
