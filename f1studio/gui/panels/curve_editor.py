"""The strength-curve editor of a guide: the curve over the steps, its points dragged up and
down, presets, and the guide's active step range shaded on the same axis."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import QComboBox, QVBoxLayout, QWidget

from f1studio.document.curves import CURVE_MAX, CURVE_PRESETS, curve_points, normalised, preset_of
from f1studio.gui.i18n import translate
from f1studio.gui.qimage import hidpi_pixmap

CUSTOM = "Custom"  # the preset menu's item data for a curve that is no preset
# the preset names of ``CURVE_PRESETS`` (f1studio.document.curves), for the translations
_PRESET_NAMES = (
    QT_TRANSLATE_NOOP("CurveEditor", "Constant"),
    QT_TRANSLATE_NOOP("CurveEditor", "Structure first"),
    QT_TRANSLATE_NOOP("CurveEditor", "Texture later"),
    QT_TRANSLATE_NOOP("CurveEditor", "Ease in/out"),
)
PAD = 8.0  # pixels around the plot
GRAB = 10.0  # how near (pixels) a press must be to take a point


class CurvePlot(QWidget):
    """x: the denoising steps, first to last; y: 0..2× the guide's weight. The curve spans the
    guide's active range (``start``..``end``); outside it the guide does nothing (shaded).

    ``edited(values, done)``: a point moved (``done`` on release: one undo step per drag)."""

    edited = Signal(object, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: tuple[float, ...] = curve_points(None)
        self.start, self.end = 0.0, 1.0
        self._dragging: int | None = None
        self.setMinimumHeight(90)
        self.setToolTip(
            self.tr(
                "Strength over the steps (left: first step, right: last; up to 2× the weight).\n"
                "Drag a point up or down; the shaded parts are outside the guide's step range."
            )
        )

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(220, 100)

    def show_curve(self, values: tuple[float, ...], start: float, end: float) -> None:
        if self._dragging is None:
            self.values = tuple(values)
        self.start, self.end = start, end
        self.update()

    # ---- geometry -------------------------------------------------------------------------
    def _plot(self) -> QRectF:
        return QRectF(self.rect()).adjusted(PAD, PAD, -PAD, -PAD)

    def point_at(self, index: int) -> QPointF:
        """Where point ``index`` is drawn (widget pixels)."""
        area = self._plot()
        n = len(self.values)
        fraction = index / (n - 1) if n > 1 else 0.0
        x = area.left() + area.width() * (self.start + (self.end - self.start) * fraction)
        y = area.bottom() - area.height() * self.values[index] / CURVE_MAX
        return QPointF(x, y)

    def _value_at(self, y: float) -> float:
        area = self._plot()
        value = (area.bottom() - y) / max(1.0, area.height()) * CURVE_MAX
        return round(min(CURVE_MAX, max(0.0, value)), 3)

    # ---- mouse ----------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt name)
        pos = event.position()
        distances = [
            ((self.point_at(i) - pos).manhattanLength(), i) for i in range(len(self.values))
        ]
        nearest = min(distances)
        if event.button() == Qt.MouseButton.LeftButton and nearest[0] <= 2 * GRAB:
            self._dragging = nearest[1]
            self._move(pos.y(), done=False)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt name)
        if self._dragging is not None:
            self._move(event.position().y(), done=False)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt name)
        if self._dragging is not None:
            self._move(event.position().y(), done=True)
            self._dragging = None

    def _move(self, y: float, done: bool) -> None:
        assert self._dragging is not None
        values = list(self.values)
        values[self._dragging] = self._value_at(y)
        self.values = tuple(values)
        self.update()
        self.edited.emit(self.values, done)

    # ---- drawing --------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = self._plot()
        p.fillRect(area, QColor(250, 250, 250))
        for lo, hi in ((0.0, self.start), (self.end, 1.0)):  # outside the step range
            if hi > lo:
                band = QRectF(area.left() + area.width() * lo, area.top(), 0, area.height())
                band.setWidth(area.width() * (hi - lo))
                p.fillRect(band, QColor(215, 215, 220))
        p.setPen(QPen(QColor(160, 160, 160), 1, Qt.PenStyle.DashLine))
        one = area.bottom() - area.height() / CURVE_MAX
        p.drawLine(QPointF(area.left(), one), QPointF(area.right(), one))  # 1× the weight
        p.setPen(QColor(120, 120, 120))
        p.drawRect(area)
        p.drawText(area.adjusted(3, 1, 0, 0), "2×")
        p.drawText(QRectF(area.left() + 3, one - 15, 30, 14), "1×")
        path = QPainterPath(self.point_at(0))
        for i in range(1, len(self.values)):
            path.lineTo(self.point_at(i))
        p.setPen(QPen(QColor(0, 140, 200), 2))
        p.drawPath(path)
        p.setBrush(QColor(255, 255, 255))
        for i in range(len(self.values)):
            p.drawEllipse(self.point_at(i), 4, 4)
        p.end()


class CurveEditor(QWidget):
    """A preset menu over the plot. ``curveEdited(curve, done)`` carries the new curve (None:
    constant) as it is dragged (``done`` False) and when a drag or a preset ends it."""

    curveEdited = Signal(object, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.presets = QComboBox()
        for name in CURVE_PRESETS:
            self.presets.addItem(translate("CurveEditor", name), name)
        self.presets.addItem(self.tr("Custom"), CUSTOM)
        self.presets.setToolTip(self.tr("Shapes for the guide's strength over the steps"))
        self.plot = CurvePlot()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.presets)
        column.addWidget(self.plot)
        self.presets.activated.connect(self._preset_chosen)
        self.plot.edited.connect(self._dragged)

    def show_curve(self, curve: tuple[float, ...] | None, start: float, end: float) -> None:
        self.plot.show_curve(curve_points(curve), start, end)
        self._show_preset(curve)

    def _preset_chosen(self, index: int) -> None:
        name = self.presets.itemData(index)
        if name in CURVE_PRESETS:
            self.curveEdited.emit(CURVE_PRESETS[name], True)

    def _dragged(self, values: tuple[float, ...], done: bool) -> None:
        curve = normalised(values)
        self._show_preset(curve)
        self.curveEdited.emit(curve, done)

    def _show_preset(self, curve: tuple[float, ...] | None) -> None:
        """Show the preset ``curve`` is, or "Custom" (by item data: the texts are translated)."""
        self.presets.setCurrentIndex(self.presets.findData(preset_of(curve) or CUSTOM))


def sparkline(curve: tuple[float, ...] | None, start: float, end: float, size: int) -> QPixmap:
    """A tiny picture of a guide's curve over the steps, for the layer list."""
    pixmap = hidpi_pixmap(size, size)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(QColor(120, 120, 120), 1))
    p.drawRect(QRectF(0.5, 0.5, size - 1, size - 1))
    values = curve_points(curve)
    inner = size - 4
    points = [
        QPointF(
            2 + inner * (start + (end - start) * i / (len(values) - 1)),
            2 + inner * (1 - v / CURVE_MAX),
        )
        for i, v in enumerate(values)
    ]
    # the area under the curve, filled, so the shape reads at icon size
    base = 2.0 + inner
    area = QPolygonF([QPointF(points[0].x(), base), *points, QPointF(points[-1].x(), base)])
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(0, 140, 200, 90))
    p.drawPolygon(area)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(QPen(QColor(0, 105, 170), 2.0))
    for a, b in zip(points, points[1:], strict=False):
        p.drawLine(a, b)
    p.end()
    return pixmap
