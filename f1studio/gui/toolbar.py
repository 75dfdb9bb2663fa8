"""The tool bar: tools, brush size/hardness/opacity, colour and the depth near/far level."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QColor, QKeySequence, QMouseEvent
from PySide6.QtWidgets import (
    QColorDialog,
    QLabel,
    QSlider,
    QSpinBox,
    QStyle,
    QStyleOptionSlider,
    QToolBar,
    QToolButton,
)

from f1studio.document.layers import LayerKind
from f1studio.gui.canvas.depth_legend import depth_rgb
from f1studio.gui.canvas.view import CanvasView
from f1studio.gui.tools import ToolKind


class JumpSlider(QSlider):
    """A slider whose handle jumps to where its track is clicked (then follows the drag)."""

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            option = QStyleOptionSlider()
            self.initStyleOption(option)
            handle = self.style().subControlRect(
                QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle, self
            )
            if not handle.contains(event.position().toPoint()):
                span = max(1, self.width() - handle.width())
                x = int(event.position().x() - handle.width() / 2)
                self.setValue(
                    QStyle.sliderValueFromPosition(
                        self.minimum(), self.maximum(), x, span, option.upsideDown
                    )
                )
        super().mousePressEvent(event)  # on the handle now: a drag moves it on


def _slider(lo: int, hi: int, value: int, tip: str) -> QSlider:
    s = JumpSlider(Qt.Orientation.Horizontal)
    s.setRange(lo, hi)
    s.setValue(value)
    s.setFixedWidth(90)
    s.setToolTip(tip)
    return s


class ToolBar(QToolBar):
    def __init__(self, canvas: CanvasView) -> None:
        super().__init__()
        self.setWindowTitle(self.tr("Tools"))
        self.setObjectName("tools")
        self.canvas = canvas
        self.tool_actions: dict[ToolKind, QAction] = {}
        group = QActionGroup(self)
        group.setExclusive(True)
        for kind in ToolKind:
            action = QAction(kind.label, self)
            action.setCheckable(True)
            if kind.shortcut:
                action.setShortcut(QKeySequence(kind.shortcut))
                action.setToolTip(
                    self.tr("{tool} ({shortcut})").format(tool=kind.label, shortcut=kind.shortcut)
                )
            if kind is ToolKind.MOVE:
                action.setToolTip(
                    self.tr(
                        "Move (V): drag the active layer to move it, drag a handle of its box to "
                        "scale it (Shift keeps the proportions, Esc cancels)"
                    )
                )
            action.triggered.connect(lambda _=False, k=kind: self.canvas.set_tool(k))
            group.addAction(action)
            self.addAction(action)
            self.tool_actions[kind] = action
        self.tool_actions[ToolKind.BRUSH].setChecked(True)
        self.addSeparator()

        brush = canvas.brush
        self.addWidget(QLabel(" " + self.tr("Size") + " "))
        self.size_spin = QSpinBox()
        self.size_spin.setRange(1, 1000)
        self.size_spin.setValue(int(brush.size))
        self.size_spin.setToolTip(self.tr("Brush size in pixels ([ and ] to change)"))
        self.size_spin.valueChanged.connect(self._size_changed)
        self.addWidget(self.size_spin)
        self.addWidget(QLabel(" " + self.tr("Hardness") + " "))
        self.hardness_slider = _slider(0, 100, int(brush.hardness * 100), self.tr("Brush hardness"))
        self.hardness_slider.valueChanged.connect(lambda v: self._set(hardness=v / 100))
        self.addWidget(self.hardness_slider)
        self.addWidget(QLabel(" " + self.tr("Opacity") + " "))
        self.opacity_slider = _slider(1, 100, int(brush.opacity * 100), self.tr("Brush opacity"))
        self.opacity_slider.valueChanged.connect(lambda v: self._set(opacity=v / 100))
        self.addWidget(self.opacity_slider)
        self.color_button = QToolButton()
        self.color_button.setToolTip(self.tr("Paint colour"))
        self.color_button.clicked.connect(self._pick_color)
        self.addWidget(self.color_button)
        self._show_color()
        self.depth_far_label = QLabel(" " + self.tr("Depth far"))
        self.addWidget(self.depth_far_label)
        self.depth_slider = _slider(
            0, 255, brush.depth_level, self.tr("Grey level painted on depth guides")
        )
        self.depth_slider.valueChanged.connect(lambda v: self._set(depth_level=v))
        self.depth_slider.valueChanged.connect(self._show_depth)
        self.addWidget(self.depth_slider)
        self.depth_near_label = QLabel(self.tr("near") + " ")
        self.addWidget(self.depth_near_label)
        self.depth_value = QLabel()  # the level as a number, on its colour in the depth ramp
        self.depth_value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.depth_value.setFixedWidth(self.depth_value.fontMetrics().horizontalAdvance("000") + 12)
        self.depth_value.setToolTip(self.tr("Depth level the brush paints: 0 = far, 255 = near"))
        self.addWidget(self.depth_value)
        self._show_depth(brush.depth_level)
        self.follow_active_layer()
        # Tab and Qt's hand-on of a lost focus never land here: a stray "5" must not become
        # the brush size (a click still gives these fields the focus)
        for widget in (
            self.size_spin,
            self.hardness_slider,
            self.opacity_slider,
            self.color_button,
            self.depth_slider,
        ):
            widget.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

        # shortcuts without a button: the window adds these to itself
        self.extra_actions: list[QAction] = []
        for key, factor in (("[", 1 / 1.25), ("]", 1.25)):
            action = QAction(self.tr("Brush size {key}").format(key=key), self)
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(lambda _=False, f=factor: self.change_size(f))
            self.extra_actions.append(action)

    def sync_from_brush(self, brush=None) -> None:
        """Show the canvas brush's values (after the canvas changed them itself)."""
        brush = self.canvas.brush
        for widget, value in (
            (self.size_spin, int(brush.size)),
            (self.hardness_slider, int(brush.hardness * 100)),
            (self.opacity_slider, int(brush.opacity * 100)),
            (self.depth_slider, int(brush.depth_level)),
        ):
            if widget.value() != value:
                widget.blockSignals(True)
                widget.setValue(value)
                widget.blockSignals(False)
        self._show_color()
        self.follow_active_layer()  # the brush follows the active layer's kind: so does depth
        self._show_depth(int(brush.depth_level))

    @property
    def depth_active(self) -> bool:
        """Whether the depth level applies: a depth guide is the active layer."""
        return self.depth_slider.isEnabled()

    def follow_active_layer(self) -> None:
        """Enable the depth level only while a depth guide is the active layer. The widgets
        stay in place (greyed out, not hidden), so the tool bar never shifts."""
        layer_id = self.canvas.active_layer_id
        try:
            kind = self.canvas.document.layer(layer_id).kind if layer_id else None
        except KeyError:
            kind = None
        active = kind is LayerKind.DEPTH
        for widget in (self.depth_far_label, self.depth_slider, self.depth_near_label):
            widget.setEnabled(active)
        self.depth_value.setEnabled(active)
        self.depth_slider.setToolTip(
            self.tr("Grey level painted on depth guides")
            if active
            else self.tr("Depth level: select a depth guide layer to paint depth")
        )
        self._show_depth(self.depth_slider.value())

    def _show_depth(self, level: int) -> None:
        self.depth_value.setText(str(level))
        if not self.depth_value.isEnabled():  # greyed out like the slider beside it
            self.depth_value.setStyleSheet("color: palette(mid); border-radius: 3px; padding: 1px;")
            return
        r, g, b = depth_rgb(level)
        text = "black" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "white"
        self.depth_value.setStyleSheet(
            f"background: rgb({r},{g},{b}); color: {text}; border-radius: 3px; padding: 1px;"
        )

    def _set(self, **values) -> None:
        brush = self.canvas.brush
        for name, value in values.items():
            setattr(brush, name, value)
        self.canvas.set_brush(brush.clamp())

    def _size_changed(self, value: int) -> None:
        self._set(size=float(value))

    def change_size(self, factor: float) -> None:
        new = max(1, min(1000, round(self.canvas.brush.size * factor)))
        if new == int(self.canvas.brush.size):
            new += 1 if factor > 1 else -1
        self.size_spin.setValue(max(1, new))

    def _pick_color(self) -> None:
        r, g, b, a = self.canvas.brush.color
        color = QColorDialog.getColor(QColor(r, g, b, a), self, self.tr("Paint colour"))
        if color.isValid():
            self._set(color=(color.red(), color.green(), color.blue(), 255))
            self._show_color()

    def _show_color(self) -> None:
        r, g, b, _ = self.canvas.brush.color
        self.color_button.setStyleSheet(f"background: rgb({r},{g},{b}); min-width: 24px;")
