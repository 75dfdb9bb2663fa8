"""Scaling every layer of a document to a new canvas size, as one undo step."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from f1studio.document.changes import LAYERS, Change
from f1studio.document.history import Command
from f1studio.document.layers import Layer, LayerKind

if TYPE_CHECKING:
    from f1studio.document.document import Document


def resized(layer: Layer, width: int, height: int) -> np.ndarray:
    """A layer's pixels at ``width`` x ``height``.

    Pictures are area-resampled on premultiplied alpha (no dark fringes), masks and edge
    guides take the nearest pixel (they stay crisp), depth guides are interpolated linearly.
    """
    import cv2  # lazy, as in imaging

    new: np.ndarray
    if layer.kind.is_picture:
        rgba = layer.data.astype(np.float32)
        rgba[..., :3] *= rgba[..., 3:4] / 255.0
        out = cv2.resize(rgba, (width, height), interpolation=cv2.INTER_AREA)
        alpha = out[..., 3:4]
        out[..., :3] = np.where(alpha > 0, out[..., :3] * 255.0 / np.maximum(alpha, 1e-6), 0)
        new = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    else:
        mode = cv2.INTER_LINEAR if layer.kind is LayerKind.DEPTH else cv2.INTER_NEAREST_EXACT
        new = cv2.resize(layer.data, (width, height), interpolation=mode)
    return np.ascontiguousarray(new, dtype=np.uint8)


class CanvasResized(Command):
    """The canvas and every layer scaled; undo puts the original arrays back (exact pixels)."""

    label = "Resize canvas"

    def __init__(self, doc: Document, width: int, height: int):
        self.sizes = {"before": (doc.width, doc.height), "after": (width, height)}
        self.arrays: dict[str, dict[str, np.ndarray]] = {
            "before": {layer.id: layer.data for layer in doc.layers},
            "after": {layer.id: resized(layer, width, height) for layer in doc.layers},
        }

    @property
    def change(self) -> Change:
        return LAYERS

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for side in self.arrays.values() for a in side.values()) + 128

    def describe(self) -> str:
        (w0, h0), (w1, h1) = self.sizes["before"], self.sizes["after"]
        return f"Resize canvas: {w0}×{h0} → {w1}×{h1}"

    def _put(self, doc: Document, side: str) -> None:
        doc.width, doc.height = self.sizes[side]
        for layer_id, data in self.arrays[side].items():
            doc.layer(layer_id).data = data

    def apply_undo(self, doc: Document) -> None:
        self._put(doc, "before")

    def apply_redo(self, doc: Document) -> None:
        self._put(doc, "after")
