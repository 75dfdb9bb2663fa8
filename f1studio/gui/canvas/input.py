"""The canvas' input: mouse, pen, wheel, keys and drops, turned into pans, zooms and the calls
of the painting gesture that :class:`~f1studio.gui.canvas.view.CanvasView` implements."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFocusEvent,
    QHideEvent,
    QInputDevice,
    QKeyEvent,
    QMouseEvent,
    QTabletEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from f1studio.gui.qimage import image_from_mime, local_files

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class CanvasInput(QWidget):
    """Panning (space+drag, middle button), wheel zoom, ``[``/``]`` brush size, Esc, drops.

    A subclass provides the view transform (``widget_to_canvas``, ``offset``, ``set_offset``,
    ``zoom``, ``set_zoom``) and the gesture: ``gesture_press``, ``gesture_move``,
    ``gesture_release``, ``gesture_busy``, ``end_lost_gesture``, ``cancel_stroke``,
    ``change_brush_size``, ``uses_pressure`` and ``update_brush_outline``; it may follow the
    hovering pointer (``hover_at``) and Shift (``shift_held``, ``keep_ratio_changed``).
    """

    filesDropped = Signal(list, float, float)  # local paths, canvas x, canvas y
    imageDropped = Signal(object, float, float)  # QImage, canvas x, canvas y
    cursorMoved = Signal(float, float)  # canvas x, y under the pointer
    statusMessage = Signal(str)
    resultPreviewDismissed = Signal()  # painting began or Esc: the result preview went away
    resultApplyRequested = Signal()  # Enter on the canvas while a result previews

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setTabletTracking(True)
        self.setAcceptDrops(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._pan_from: QPointF | None = None
        self._space = False
        self._shift = False
        self._hover: QPointF | None = None

    # ---- what the view provides (declared for the type checker; CanvasView defines them) ---
    if TYPE_CHECKING:

        def widget_to_canvas(self, pos: QPointF) -> tuple[float, float]: ...

        @property
        def offset(self) -> QPointF: ...

        def set_offset(self, offset: QPointF) -> None: ...

        @property
        def zoom(self) -> float: ...

        def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None: ...

        @property
        def gesture_busy(self) -> bool: ...

        @property
        def previewing_result(self) -> bool: ...

        @property
        def uses_pressure(self) -> bool: ...

        def gesture_press(self, x: float, y: float, pressure: float, erase: bool) -> None: ...

        def gesture_move(self, x: float, y: float, pressure: float) -> None: ...

        def gesture_release(self, x: float, y: float, pressure: float) -> None: ...

        def end_lost_gesture(self) -> None: ...

        def cancel_stroke(self) -> None: ...

        def change_brush_size(self, factor: float) -> None: ...

        def update_brush_outline(self) -> None: ...

    def hover_at(self, x: float, y: float) -> None:
        """The pointer hovers over canvas point (x, y) with no gesture under way."""

    def keep_ratio_changed(self, keep: bool) -> None:
        """Shift went down or up (a scale keeps its proportions while it is held)."""

    @property
    def shift_held(self) -> bool:
        """Shift was held at the press or went down since (and has not come up)."""
        return self._shift

    def _set_shift(self, held: bool) -> None:
        if held != self._shift:
            self._shift = held
            if self.gesture_busy:
                self.keep_ratio_changed(held)

    # ---- pointer ----------------------------------------------------------------------------
    @property
    def panning(self) -> bool:
        """True while space is held or a pan drag is under way (no brush outline then)."""
        return self._space or self._pan_from is not None

    def _press(
        self, pos: QPointF, button: Qt.MouseButton, mods: Qt.KeyboardModifier, pressure: float
    ) -> None:
        if button == Qt.MouseButton.MiddleButton or (
            button == Qt.MouseButton.LeftButton and self._space
        ):
            self._pan_from = pos
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif button == Qt.MouseButton.LeftButton:
            self.end_lost_gesture()
            self._shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
            erase = bool(mods & Qt.KeyboardModifier.AltModifier)
            self.gesture_press(*self.widget_to_canvas(pos), pressure, erase)

    def _move(self, pos: QPointF, pressure: float) -> None:
        self.update_brush_outline()
        self._hover = QPointF(pos)
        self.update_brush_outline()
        x, y = self.widget_to_canvas(pos)
        self.cursorMoved.emit(x, y)
        if self._pan_from is not None:
            self.set_offset(self.offset + (pos - self._pan_from))
            self._pan_from = QPointF(pos)
        elif self.gesture_busy:
            self.gesture_move(x, y, pressure)
        else:
            self.hover_at(x, y)

    def _release(self, pos: QPointF, button: Qt.MouseButton, pressure: float) -> None:
        if self._pan_from is not None and button in (
            Qt.MouseButton.MiddleButton,
            Qt.MouseButton.LeftButton,
        ):
            self._pan_from = None
            self.setCursor(
                Qt.CursorShape.OpenHandCursor if self._space else Qt.CursorShape.CrossCursor
            )
        elif button == Qt.MouseButton.LeftButton and self.gesture_busy:
            self.gesture_release(*self.widget_to_canvas(pos), pressure)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self._press(event.position(), event.button(), event.modifiers(), 1.0)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self._set_shift(True)
        self._move(event.position(), 1.0)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._release(event.position(), event.button(), 1.0)

    def tabletEvent(self, event: QTabletEvent) -> None:
        """Pen input: pressure scales the brush size when the device reports it."""
        caps = event.pointingDevice().capabilities()
        has_pressure = bool(caps & QInputDevice.Capability.Pressure)
        pressure = event.pressure() if has_pressure and self.uses_pressure else 1.0
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            self._press(event.position(), event.button(), event.modifiers(), pressure)
        elif kind == QEvent.Type.TabletMove:
            self._move(event.position(), pressure)
        elif kind == QEvent.Type.TabletRelease:
            self._release(event.position(), event.button(), pressure)
        event.accept()

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if delta:
            self.set_zoom(self.zoom * 2.0 ** (delta / 480.0), event.position())
        event.accept()

    def leaveEvent(self, event: QEvent) -> None:
        self.update_brush_outline()
        self._hover = None
        super().leaveEvent(event)

    # ---- keyboard -----------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and (
                event.key() == Qt.Key.Key_Space
                or (
                    event.key() == Qt.Key.Key_Escape
                    and (self.gesture_busy or self.previewing_result)
                )
                or (event.key() in _ENTER and self.previewing_result)
            )
        ):  # space pans here, Esc drops a gesture or the result preview, Enter applies it,
            # whatever the window binds to them
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space:
            if not event.isAutoRepeat() and self._pan_from is None:
                self.setCursor(Qt.CursorShape.OpenHandCursor)
            self._space = True
        elif key == Qt.Key.Key_BracketLeft:
            self.change_brush_size(1 / 1.25)
        elif key == Qt.Key.Key_BracketRight:
            self.change_brush_size(1.25)
        elif key == Qt.Key.Key_Shift:
            self._set_shift(True)
        elif key == Qt.Key.Key_Escape and self.gesture_busy:
            self.cancel_stroke()
        elif key == Qt.Key.Key_Escape and self.previewing_result:
            self.resultPreviewDismissed.emit()
        elif key in _ENTER and self.previewing_result:
            self.resultApplyRequested.emit()
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            if self._pan_from is None:
                self.setCursor(Qt.CursorShape.CrossCursor)
        elif event.key() == Qt.Key.Key_Shift:
            self._set_shift(False)
        else:
            super().keyReleaseEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self._space = self._shift = False
        self.end_lost_gesture()
        super().focusOutEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self.end_lost_gesture()
        super().hideEvent(event)

    # ---- drag and drop ------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if local_files(mime) or mime.hasImage():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self.dragEnterEvent(event)  # type: ignore[arg-type]

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        x, y = self.widget_to_canvas(event.position())
        files, image = local_files(mime), image_from_mime(mime)
        if files:
            self.filesDropped.emit(files, x, y)
        elif image is not None:
            self.imageDropped.emit(image, x, y)
        else:
            self.statusMessage.emit(self.tr("Drop local image files or image data here"))
            event.ignore()
            return
        event.acceptProposedAction()
