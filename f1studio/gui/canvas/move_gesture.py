"""The Move tool: drag a layer's content to move it, drag one of the eight handles of its
bounding box to scale it (Shift keeps the proportions).

A drag is an open document stroke, like a brush stroke: every pointer move re-places the
original content (resampled by :mod:`f1studio.document.transform`) into the layer, the view
re-converts only the rects that changed, and the document hears nothing until the release,
which records one undo step ("Move <layer>" or "Scale <layer>") of the changed tiles. Escape
rolls the pixels back. :class:`ContentBoxes` tells the view where the box is when idle.
"""

from __future__ import annotations

import math
from enum import Enum

from PySide6.QtCore import Qt

from f1studio.document import imaging
from f1studio.document.document import Document
from f1studio.document.transform import Content, Rect, content_box
from f1studio.gui.i18n import translate

REACH_PX = 7.0  # how far from a handle's centre a press still grabs it, in widget pixels


class Handle(str, Enum):
    """What a press grabbed: the content (move) or a handle (scale) named by its compass side."""

    MOVE = "move"
    NW = "nw"
    N = "n"
    NE = "ne"
    E = "e"
    SE = "se"
    S = "s"
    SW = "sw"
    W = "w"

    @property
    def cursor(self) -> Qt.CursorShape:
        shapes = Qt.CursorShape
        if self is Handle.MOVE:
            return shapes.SizeAllCursor
        if self in (Handle.N, Handle.S):
            return shapes.SizeVerCursor
        if self in (Handle.E, Handle.W):
            return shapes.SizeHorCursor
        return shapes.SizeFDiagCursor if self in (Handle.NW, Handle.SE) else shapes.SizeBDiagCursor


def handle_points(x0: float, y0: float, x1: float, y1: float) -> dict[Handle, tuple[float, float]]:
    """Each handle's centre (x, y) on the box spanned by (x0, y0)-(x1, y1)."""
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return {
        Handle.NW: (x0, y0),
        Handle.N: (cx, y0),
        Handle.NE: (x1, y0),
        Handle.E: (x1, cy),
        Handle.SE: (x1, y1),
        Handle.S: (cx, y1),
        Handle.SW: (x0, y1),
        Handle.W: (x0, cy),
    }


def handle_at(box: Rect, x: float, y: float, reach: float) -> Handle:
    """The handle of ``box`` within ``reach`` (canvas units) of canvas point (x, y); anywhere
    else a press moves the content. On a small box the reach shrinks so that its inside
    still moves."""
    y0, x0, y1, x1 = box
    reach = min(reach, (x1 - x0) / 3, (y1 - y0) / 3)
    for handle, (hx, hy) in handle_points(x0, y0, x1, y1).items():
        if abs(x - hx) <= reach and abs(y - hy) <= reach:
            return handle
    return Handle.MOVE


def _round(v: float) -> int:
    return math.floor(v + 0.5)


def dragged_box(src: Rect, handle: Handle, dx: float, dy: float, keep_ratio: bool) -> Rect:
    """The destination rect of ``src`` after the pointer moved by (dx, dy) holding ``handle``.

    The opposite side stays put and the box keeps at least one pixel; with ``keep_ratio`` a
    corner scales both sides by the larger change, a side handle scales the other axis about
    the centre.
    """
    y0, x0, y1, x1 = src
    if handle is Handle.MOVE:
        mx, my = _round(dx), _round(dy)
        return y0 + my, x0 + mx, y1 + my, x1 + mx
    side = handle.value
    w, h = x1 - x0, y1 - y0
    left, top, right, bottom = float(x0), float(y0), float(x1), float(y1)
    left = min(x0 + dx, x1 - 1.0) if "w" in side else left
    right = max(x1 + dx, x0 + 1.0) if "e" in side else right
    top = min(y0 + dy, y1 - 1.0) if "n" in side else top
    bottom = max(y1 + dy, y0 + 1.0) if "s" in side else bottom
    if keep_ratio:
        sx, sy = (right - left) / w, (bottom - top) / h
        if len(side) == 2:
            s = sx if abs(sx - 1) >= abs(sy - 1) else sy
        else:
            s = sx if side in "ew" else sy
        s = max(s, 1.0 / w, 1.0 / h)
        left, right = _span(x0, x1, w * s, "w" in side, "e" in side)
        top, bottom = _span(y0, y1, h * s, "n" in side, "s" in side)
    nx0, nx1 = _round(left), _round(right)
    ny0, ny1 = _round(top), _round(bottom)
    nx0, nx1 = (nx1 - 1, nx1) if nx1 <= nx0 and "w" in side else (nx0, max(nx1, nx0 + 1))
    ny0, ny1 = (ny1 - 1, ny1) if ny1 <= ny0 and "n" in side else (ny0, max(ny1, ny0 + 1))
    return ny0, nx0, ny1, nx1


def _span(lo: int, hi: int, size: float, low_moves: bool, high_moves: bool) -> tuple[float, float]:
    """One axis of a proportional scale: the moving side goes, the other stays; neither
    moving: both about the centre."""
    if low_moves:
        return hi - size, float(hi)
    if high_moves:
        return float(lo), lo + size
    centre = (lo + hi) / 2
    return centre - size / 2, centre + size / 2


def move_refusal(doc: Document, layer_id: str | None) -> str | None:
    """Why the Move tool cannot take this layer now (a status message), or None."""
    if layer_id is None:
        return translate("MoveGesture", "Choose a layer to move")
    try:
        layer = doc.layer(layer_id)
    except KeyError:
        return translate("MoveGesture", "The selected layer is gone: choose another one")
    if layer.locked:
        return translate("MoveGesture", "Layer '{name}' is locked: unlock it to move it").format(
            name=layer.name
        )
    if not layer.visible:
        return translate("MoveGesture", "Layer '{name}' is hidden: show it to move it").format(
            name=layer.name
        )
    return None


class MoveDrag:
    """One press-to-release of the Move tool on one layer (holds the document's open stroke).

    ``box`` is where the content is now; :meth:`add_point` follows the pointer,
    :meth:`finish` records one undo step, :meth:`cancel` puts the pixels back.
    """

    def __init__(self, doc: Document, layer_id: str, src: Rect, handle: Handle, x: float, y: float):
        layer = doc.layer(layer_id)
        self.doc = doc
        self.layer_id = layer_id
        self.kind = layer.kind
        self.src = self.box = src
        self.handle = handle
        self.keep_ratio = False
        if handle is Handle.MOVE:
            self.label = translate("MoveGesture", "Move {layer}").format(layer=layer.name)
        else:
            self.label = translate("MoveGesture", "Scale {layer}").format(layer=layer.name)
        self._stroke = doc.begin_stroke(layer_id, self.label)
        self._content = Content(self._stroke.data, layer.kind, src)  # the original pixels
        self._start = self._last = (x, y)
        self._cleared = False
        self.bounds: Rect | None = None  # every pixel this drag may have changed

    def add_point(self, x: float, y: float, pressure: float = 1.0) -> list[Rect]:
        """Follow the pointer to canvas point (x, y); returns the layer rects repainted."""
        self._last = (x, y)
        dx, dy = x - self._start[0], y - self._start[1]
        return self._place(dragged_box(self.src, self.handle, dx, dy, self.keep_ratio))

    def set_keep_ratio(self, keep: bool) -> list[Rect]:
        """Shift pressed or released mid-drag: re-place the content at the last point."""
        self.keep_ratio = bool(keep)
        return self.add_point(*self._last)

    def _place(self, box: Rect) -> list[Rect]:
        if box == self.box:
            return []
        data = self._stroke.data
        old = self.src if not self._cleared else self.box
        if not self._cleared:  # the first change empties the whole layer (as transformed())
            self._stroke.touch(0, 0, *data.shape[:2])
            data[...] = 0
            self._cleared = True
        cleared = imaging.clip_rect(old, data.shape)
        if cleared is not None:
            data[cleared[0] : cleared[2], cleared[1] : cleared[3]] = 0
        placed = self._content.place(box)
        self.box = box
        rects = [cleared] if cleared is not None else []
        if placed is not None:
            (y0, x0, y1, x1), pixels = placed
            data[y0:y1, x0:x1] = pixels
            rects.append((y0, x0, y1, x1))
        for rect in rects:
            self.bounds = _union(self.bounds, rect)
        return rects

    def finish(self) -> bool:
        """Close the drag as one undo step; False when no pixel changed."""
        return self.doc.end_stroke(self._stroke)

    def cancel(self) -> Rect | None:
        """Put the pixels back (no undo step); returns the rect to redraw."""
        self.doc.end_stroke(self._stroke, cancel=True)
        return self.bounds


class ContentBoxes:
    """The content box of the active layer for the view to draw, computed once per
    document revision (a bounding box of a big layer is not free)."""

    def __init__(self) -> None:
        self._key: tuple[str, int, int] | None = None
        self._box: Rect | None = None

    def box(self, doc: Document, layer_id: str | None) -> Rect | None:
        """None when there is no such layer, it is hidden or empty."""
        try:
            layer = doc.layer(layer_id) if layer_id is not None else None
        except KeyError:
            layer = None
        if layer is None or not layer.visible:
            return None
        key = (layer.id, doc.revision, id(layer.data))
        if key != self._key:
            self._key, self._box = key, content_box(layer)
        return self._box


def start_move(
    doc: Document, layer_id: str | None, x: float, y: float, reach: float
) -> MoveDrag | str:
    """A drag of the active layer's content from canvas point (x, y), or why there is none."""
    message = move_refusal(doc, layer_id)
    if message is not None or layer_id is None:
        return message or translate("MoveGesture", "Choose a layer to move")
    layer = doc.layer(layer_id)
    box = content_box(layer)
    if box is None:
        return translate("MoveGesture", "Layer '{name}' is empty: there is nothing to move").format(
            name=layer.name
        )
    return MoveDrag(doc, layer_id, box, handle_at(box, x, y, reach), x, y)


def _union(a: Rect | None, b: Rect) -> Rect:
    if a is None:
        return b
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])
