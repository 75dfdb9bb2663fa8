"""Moving and scaling a layer's content: the pixel transform of the Move tool.

A layer's content is its non-empty pixels (alpha > 0 on pictures, nonzero on masks and
guides); :func:`content_box` is their bounding rect. A transform maps that source rect onto a
destination rect of whole pixels (same size: a move; another size: a scale, per axis).
Pictures are resampled on premultiplied alpha (area when shrinking, linear when enlarging),
masks and edge guides take the nearest pixel so they stay crisp, depth guides are interpolated
linearly. Content that lands off the canvas is clipped; everything outside the destination
becomes empty (transparent, or 0). A move of the same size copies pixels exactly.

Rects are (y0, x0, y1, x1), end exclusive, in canvas pixels, as in :mod:`imaging`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from f1studio.document import imaging
from f1studio.document.layers import Layer, LayerKind

if TYPE_CHECKING:
    from f1studio.document.document import Document

Rect = tuple[int, int, int, int]


def content_box(layer: Layer) -> Rect | None:
    """Bounding rect of a layer's visible content, or None when the layer is empty."""
    data = layer.data
    return imaging.bbox(data[..., 3] if layer.kind.is_picture else data)


def transform_label(name: str, src: Rect, dst: Rect) -> str:
    """ "Move <name>" when the size stays, else "Scale <name>" (the undo step's name)."""
    same = (src[2] - src[0], src[3] - src[1]) == (dst[2] - dst[0], dst[3] - dst[1])
    return f"{'Move' if same else 'Scale'} {name}"


class Content:
    """A layer's content cut out of ``src`` once, ready to be placed on many destinations
    (every pointer move of a drag re-places the same original pixels)."""

    def __init__(self, data: np.ndarray, kind: LayerKind, src: Rect):
        sy0, sx0, sy1, sx1 = src
        if sy1 <= sy0 or sx1 <= sx0:
            raise ValueError(f"empty source rect {src}")
        self.kind, self.src, self.canvas = kind, src, data.shape[:2]
        self.pixels = data[sy0:sy1, sx0:sx1].copy()
        self._source: np.ndarray | None = None  # what the resampler reads, made when needed
        self._premultiplied = False

    def place(self, dst: Rect) -> tuple[Rect, np.ndarray] | None:
        """The content resampled onto ``dst`` and clipped to the canvas: the visible part of
        ``dst`` and its pixels, or None when nothing of it is on the canvas."""
        dy0, dx0, dy1, dx1 = dst
        if dy1 <= dy0 or dx1 <= dx0:
            raise ValueError(f"empty destination rect {dst}")
        seen = imaging.clip_rect(dst, self.canvas)
        if seen is None:
            return None
        vy0, vx0, vy1, vx1 = seen
        (sh, sw), dh, dw = self.pixels.shape[:2], dy1 - dy0, dx1 - dx0
        if (sh, sw) == (dh, dw):  # a move: exact copy
            return seen, self.pixels[vy0 - dy0 : vy1 - dy0, vx0 - dx0 : vx1 - dx0].copy()
        import cv2  # lazy, as in imaging

        source = self._resample_source()
        shrinking = dh <= sh and dw <= sw
        if self.kind.is_mask or self.kind is LayerKind.EDGE:
            mode = cv2.INTER_NEAREST_EXACT if shrinking else cv2.INTER_NEAREST
        else:
            mode = cv2.INTER_AREA if self.kind.is_picture and shrinking else cv2.INTER_LINEAR
        if shrinking:  # the whole patch is no larger than the source
            out = cv2.resize(source, (dw, dh), interpolation=mode)
            out = out[vy0 - dy0 : vy1 - dy0, vx0 - dx0 : vx1 - dx0]
        else:  # enlarging: resample only the part that lands on the canvas
            fy, fx = sh / dh, sw / dw
            matrix = np.array(
                [
                    [fx, 0.0, (vx0 - dx0 + 0.5) * fx - 0.5],
                    [0.0, fy, (vy0 - dy0 + 0.5) * fy - 0.5],
                ],
                np.float64,
            )
            flags = mode | cv2.WARP_INVERSE_MAP
            size = (vx1 - vx0, vy1 - vy0)
            out = cv2.warpAffine(source, matrix, size, flags=flags, borderMode=cv2.BORDER_REPLICATE)
        if self._premultiplied:
            out = _straight(out)
        return seen, np.ascontiguousarray(out, dtype=np.uint8)

    def _resample_source(self) -> np.ndarray:
        """Pictures with some transparency resample on premultiplied float alpha; opaque
        pictures (where that is the identity), masks and guides resample as they are."""
        if self._source is None:
            px = self.pixels
            self._premultiplied = self.kind.is_picture and not bool((px[..., 3] == 255).all())
            self._source = _premultiplied(px) if self._premultiplied else px
        return self._source


def placed_patch(
    data: np.ndarray, kind: LayerKind, src: Rect, dst: Rect
) -> tuple[Rect, np.ndarray] | None:
    """The content of ``src`` resampled onto ``dst`` and clipped to the canvas (see
    :meth:`Content.place`)."""
    return Content(data, kind, src).place(dst)


def transformed(data: np.ndarray, kind: LayerKind, src: Rect, dst: Rect) -> np.ndarray:
    """A new array: the content of ``src`` put onto ``dst``, empty everywhere else."""
    out = np.zeros_like(data)
    placed = placed_patch(data, kind, src, dst)
    if placed is not None:
        (y0, x0, y1, x1), pixels = placed
        out[y0:y1, x0:x1] = pixels
    return out


def transform_layer(
    doc: Document, layer_id: str, dst: Rect, src: Rect | None = None, label: str | None = None
) -> bool:
    """Move/scale a layer's content (``src``, default its content box) onto ``dst`` as one
    undo step that stores only the changed rect. Returns False when no pixel changed.

    Raises ValueError for a locked or empty layer (the message says why)."""
    layer = doc.layer(layer_id)
    src = content_box(layer) if src is None else src
    if src is None:
        raise ValueError(f"layer {layer.name!r} is empty: there is nothing to move")
    new = transformed(layer.data, layer.kind, src, dst)
    before = doc.revision
    doc.replace_pixels(layer_id, new, label or transform_label(layer.name, src, dst))
    return doc.revision != before


def move_layer_content(doc: Document, layer_id: str, dx: int, dy: int) -> bool:
    """Shift a layer's content by whole pixels (one undo step); see :func:`transform_layer`."""
    box = content_box(doc.layer(layer_id))
    if box is None:
        raise ValueError(f"layer {doc.layer(layer_id).name!r} is empty: there is nothing to move")
    y0, x0, y1, x1 = box
    return transform_layer(doc, layer_id, (y0 + dy, x0 + dx, y1 + dy, x1 + dx), box)


def _premultiplied(rgba: np.ndarray) -> np.ndarray:
    out = rgba.astype(np.float32)
    out[..., :3] *= out[..., 3:4] / 255.0
    return out


def _straight(premul: np.ndarray) -> np.ndarray:
    """Premultiplied float RGBA back to straight uint8 (in place on ``premul``)."""
    alpha = premul[..., 3]
    scale = np.divide(255.0, alpha, out=np.zeros_like(alpha), where=alpha > 0)
    premul[..., :3] *= scale[..., None]
    np.rint(premul, out=premul)
    np.clip(premul, 0, 255, out=premul)
    return premul.astype(np.uint8)
