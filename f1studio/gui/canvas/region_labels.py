"""The labels of layout-made regions on the canvas: each region's box, outlined, with its name
in a small tag at its top-left corner (drawn while guides and masks are shown)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from f1studio.document.document import Document
from f1studio.document.layout_record import record_of
from f1studio.document.transform import Rect, content_box


class RegionLabels:
    """The boxes and names of the visible layout-made regions, computed once per revision."""

    def __init__(self) -> None:
        self._key: tuple[int, int] | None = None
        self._boxes: list[tuple[Rect, str]] = []

    def boxes(self, doc: Document) -> list[tuple[Rect, str]]:
        key = (id(doc), doc.revision)
        if key != self._key:
            self._key = key
            self._boxes = []
            for layer in doc.layers:
                if layer.visible and record_of(layer) is not None:
                    box = content_box(layer)
                    if box is not None:
                        self._boxes.append((box, layer.name))
        return self._boxes


def paint_region_labels(p: QPainter, labelled: list[tuple[QRectF, str]]) -> None:
    """Outline each area (dotted) and tag it with its name."""
    p.save()
    metrics = p.fontMetrics()
    for area, name in labelled:
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor(255, 255, 255, 200), 1, Qt.PenStyle.DotLine))
        p.drawRect(area)
        tag = QRectF(metrics.boundingRect(name)).adjusted(-4, -2, 4, 2)
        tag.moveTopLeft(area.topLeft())
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(20, 20, 20, 170))
        p.drawRect(tag)
        p.setPen(QColor(255, 255, 255))
        p.drawText(tag, Qt.AlignmentFlag.AlignCenter, name)
    p.restore()
