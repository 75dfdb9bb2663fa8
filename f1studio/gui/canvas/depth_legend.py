"""How depth guides look on the canvas: a perceptual colour ramp from far (black, violet) to
near (orange, pale yellow), the same one the overlay, the legend and the tool bar's depth swatch use, and the
legend drawn in the canvas' top-left corner while a depth guide is shown."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPen, QPolygonF

from f1studio.gui.i18n import translate

# inferno (matplotlib's perceptually uniform map), sampled every eighth: far -> near. Its
# lightness climbs steadily from near-black to pale yellow while the hue turns violet, red,
# orange, so near, middle and far depths differ in both.
_RAMP_ANCHORS = np.array(
    [
        (0, 0, 4),
        (31, 12, 72),
        (85, 15, 109),
        (136, 34, 106),
        (186, 54, 85),
        (227, 89, 51),
        (249, 140, 10),
        (249, 201, 50),
        (252, 255, 164),
    ],
    np.float32,
)
FAR, NEAR = 0, 255
LEGEND_TICKS = (FAR, 128, NEAR)  # the values printed under the legend's bar


def depth_ramp() -> np.ndarray:
    """(256, 3) float32 RGB of each depth level, 0 = far .. 255 = near."""
    where = np.linspace(0.0, len(_RAMP_ANCHORS) - 1.0, 256)
    return np.stack(
        [np.interp(where, np.arange(len(_RAMP_ANCHORS)), _RAMP_ANCHORS[:, c]) for c in range(3)],
        axis=1,
    ).astype(np.float32)


_RAMP = depth_ramp()


def depth_rgb(level: int) -> tuple[int, int, int]:
    """The colour a depth level is shown in."""
    r, g, b = np.rint(_RAMP[int(min(max(level, 0), 255))]).astype(int)
    return int(r), int(g), int(b)


def legend_labels() -> list[str]:
    """The words under the legend's bar, left to right."""
    far = translate("DepthLegend", "far {value}")
    near = translate("DepthLegend", "near {value}")
    return [
        far.format(value=v) if v == FAR else near.format(value=v) if v == NEAR else str(v)
        for v in LEGEND_TICKS
    ]


class DepthLegend:
    """The ramp with its values, and a marker at the brush's depth level."""

    MARGIN, BAR_W, BAR_H, PAD = 10, 150, 12, 6

    def rect(self) -> QRect:
        """Where the legend goes in the widget (top-left corner)."""
        return QRect(self.MARGIN, self.MARGIN, self.BAR_W + 2 * self.PAD, self.BAR_H + 44)

    def bar_rect(self) -> QRectF:
        box = self.rect()
        return QRectF(box.x() + self.PAD, box.y() + 22, self.BAR_W, self.BAR_H)

    def level_x(self, level: int) -> float:
        bar = self.bar_rect()
        return bar.x() + bar.width() * min(max(level, 0), 255) / 255.0

    def paint(self, p: QPainter, widget: QSize, brush_level: int | None) -> None:
        """Draw it; ``brush_level`` marks the level the brush paints (None: no marker)."""
        box = self.rect()
        if box.right() > widget.width() or box.bottom() > widget.height():
            return  # the canvas is too small to hold it
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(20, 20, 24, 200))
        p.drawRoundedRect(QRectF(box), 5, 5)
        p.setPen(QColor(235, 235, 235))
        title = QRectF(box.x() + self.PAD, box.y() + 3, self.BAR_W, 17)
        depth = translate("DepthLegend", "Depth")
        p.drawText(title, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, depth)
        bar = self.bar_rect()
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        for i in range(0, 256, 32):
            gradient.setColorAt(i / 255.0, QColor(*depth_rgb(i)))
        gradient.setColorAt(1.0, QColor(*depth_rgb(NEAR)))
        p.setPen(QPen(QColor(255, 255, 255, 160), 1))
        p.setBrush(gradient)
        p.drawRect(bar)
        labels = QRectF(bar.x() - self.PAD + 1, bar.bottom() + 2, self.BAR_W + 2 * self.PAD - 2, 18)
        p.setPen(QColor(235, 235, 235))
        for text, align in zip(
            legend_labels(),
            (
                Qt.AlignmentFlag.AlignLeft,
                Qt.AlignmentFlag.AlignHCenter,
                Qt.AlignmentFlag.AlignRight,
            ),
            strict=True,
        ):
            p.drawText(labels, align | Qt.AlignmentFlag.AlignVCenter, text)
        if brush_level is not None:  # a small white triangle above the bar
            x = self.level_x(brush_level)
            p.setPen(QPen(QColor(0, 0, 0), 1))
            p.setBrush(QColor(255, 255, 255))
            tip = bar.top() + 1
            p.drawPolygon(
                QPolygonF([QPointF(x, tip), QPointF(x - 4, tip - 6), QPointF(x + 4, tip - 6)])
            )
        p.restore()
