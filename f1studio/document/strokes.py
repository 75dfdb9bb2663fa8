"""Open pixel edits: record the 64x64 tiles of a layer before they first change.

A :class:`Stroke` is what ``Document.begin_stroke`` hands out; when it ends, the tiles that
really changed (before and after copies) become one ``TilePatch`` undo step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from f1studio.document import imaging

if TYPE_CHECKING:
    from f1studio.document.layers import Layer

TILE = 64


class Tile(NamedTuple):
    """One changed rectangle of a layer: its top-left corner and its pixels before/after."""

    y0: int
    x0: int
    before: np.ndarray
    after: np.ndarray


class TileRecorder:
    """Snapshots 64x64 tiles of ``data`` lazily, before they are first modified.

    Call :meth:`touch` with a rect before writing into it; :meth:`finish` returns only the
    tiles whose content really changed, with copies of their pixels before and after.
    """

    def __init__(self, data: np.ndarray, tile: int = TILE):
        self.data = data
        self.tile = tile
        self._before: dict[tuple[int, int], np.ndarray] = {}

    def touch(self, y0: float, x0: float, y1: float, x1: float) -> None:
        """Announce that rect (y0, x0)-(y1, x1) (end exclusive) is about to change."""
        h, w = self.data.shape[:2]
        cy0, cx0 = max(0, int(np.floor(y0))), max(0, int(np.floor(x0)))
        cy1, cx1 = min(h, int(np.ceil(y1))), min(w, int(np.ceil(x1)))
        if cy0 >= cy1 or cx0 >= cx1:
            return
        t = self.tile
        for ty in range(cy0 // t, (cy1 - 1) // t + 1):
            for tx in range(cx0 // t, (cx1 - 1) // t + 1):
                if (ty, tx) not in self._before:
                    self._before[ty, tx] = self.data[
                        ty * t : (ty + 1) * t, tx * t : (tx + 1) * t
                    ].copy()

    @property
    def touched_tiles(self) -> int:
        return len(self._before)

    def rollback(self) -> None:
        """Put every touched tile back as it was."""
        for (ty, tx), before in self._before.items():
            y, x = ty * self.tile, tx * self.tile
            self.data[y : y + before.shape[0], x : x + before.shape[1]] = before
        self._before.clear()

    def finish(self) -> list[Tile]:
        """The changed tiles (before/after copies); the recorder is empty afterwards."""
        tiles = []
        for (ty, tx), before in self._before.items():
            y, x = ty * self.tile, tx * self.tile
            now = self.data[y : y + before.shape[0], x : x + before.shape[1]]
            if not np.array_equal(before, now):
                tiles.append(Tile(y, x, before, now.copy()))
        self._before.clear()
        return tiles


class Stroke(TileRecorder):
    """An open pixel edit of one layer; see ``Document.stroke``.

    ``data`` is the layer's array. Call :meth:`touch` before writing into a rect of it, or
    use the painting helpers :meth:`rect` and :meth:`disc`, which touch for you. Values are
    RGB(A) tuples on paint/reference layers and levels 0..255 on masks and guides.
    """

    def __init__(self, layer: Layer, label: str = "Paint"):
        super().__init__(layer.data)
        self.layer = layer
        self.layer_id = layer.id
        self.label = label

    def rect(
        self,
        y0: float,
        x0: float,
        y1: float,
        x1: float,
        value: object = 0,
        opacity: float = 1.0,
        erase: bool = False,
    ) -> None:
        """Fill a rect (end exclusive): "over" on pictures, blend toward ``value`` on masks."""
        cov = np.float32(imaging.check_unit(opacity, "opacity"))
        r = imaging.clip_rect((y0, x0, y1, x1), self.data.shape)
        if r is not None:
            self._paint(r, cov, value, erase)

    def disc(
        self,
        cy: float,
        cx: float,
        radius: float,
        value: object = 0,
        hardness: float = 1.0,
        opacity: float = 1.0,
        erase: bool = False,
    ) -> None:
        """One round brush dab centred on pixel (cy, cx)."""
        opacity = imaging.check_unit(opacity, "opacity")
        dab = imaging.disc_coverage(cy, cx, radius, hardness, self.data.shape)
        if dab is not None:
            self._paint(dab[0], dab[1] * np.float32(opacity), value, erase)

    def _paint(self, r: imaging.Rect, cov: np.ndarray, value: object, erase: bool) -> None:
        if not erase:
            imaging.check_paint_value(self.layer.kind.is_picture, value)
        self.touch(*r)
        imaging.paint_region(self.data[r[0] : r[2], r[1] : r[3]], value, cov, erase)
