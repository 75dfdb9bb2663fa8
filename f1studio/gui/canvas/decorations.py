"""What the canvas draws over the picture in widget coordinates: the outline of a shape
being dragged, the Move tool's box with its handles, and a caption badge."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from f1studio.gui.canvas.move_gesture import handle_points

HANDLE_PX = 4.0  # half the side of a handle square, in widget pixels


def paint_outline(p: QPainter, area: QRectF, ellipse: bool = False) -> None:
    """A dashed black-on-white rectangle (and the ellipse inscribed in it)."""
    p.save()
    p.setBrush(Qt.BrushStyle.NoBrush)
    for colour, dash in (
        (QColor(255, 255, 255), Qt.PenStyle.SolidLine),
        (QColor(0, 0, 0), Qt.PenStyle.DashLine),
    ):
        p.setPen(QPen(colour, 1, dash))
        if ellipse:
            p.drawEllipse(area)
        p.drawRect(area)
    p.restore()


def paint_box(p: QPainter, area: QRectF) -> None:
    """The Move tool's content box with its eight handles."""
    paint_outline(p, area)
    p.save()
    p.setPen(QPen(QColor(0, 0, 0), 1))
    p.setBrush(QColor(255, 255, 255))
    corners = area.left(), area.top(), area.right(), area.bottom()
    for hx, hy in handle_points(*corners).values():
        p.drawRect(QRectF(hx - HANDLE_PX, hy - HANDLE_PX, 2 * HANDLE_PX, 2 * HANDLE_PX))
    p.restore()


def paint_badge(p: QPainter, text: str) -> None:
    """A caption in the top-right corner of the view, wrapped onto more lines where the view
    is narrower than it (in the live split the view can be a few hundred pixels wide)."""
    flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
    room = max(p.device().width() - 32, 40)
    text_box = p.fontMetrics().boundingRect(QRect(0, 0, room, 10_000), flags, text)
    box = QRectF(text_box).adjusted(-8, -4, 8, 4)
    box.moveTopRight(QPointF(p.device().width() - 8, 8))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(20, 20, 20, 190))
    p.drawRoundedRect(box, 4, 4)
    p.setPen(QColor(255, 255, 255))
    p.drawText(box.adjusted(8, 4, -8, -4), flags, text)
