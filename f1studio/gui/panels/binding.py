"""Small helpers that bind widgets to a Document both ways.

One small widget per model property: user edits go to the document through its undoable API
(drags and typing merged into one step with ``merge=True``, sealed on release or focus-out);
document notifications update the widgets with their signals blocked, so nothing echoes back.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QSlider, QWidget
from shiboken6 import isValid

from f1studio.document.changes import Change
from f1studio.document.document import Document


@contextmanager
def signals_blocked(*objects: QObject) -> Iterator[None]:
    """Block the signals of ``objects`` for the duration of the block."""
    blockers = [QSignalBlocker(obj) for obj in objects]
    try:
        yield
    finally:
        for blocker in blockers:
            blocker.unblock()


class _FocusOutFilter(QObject):
    """Calls ``callback`` whenever a watched widget loses keyboard focus."""

    def __init__(self, callback: Callable[[], None], parent: QObject):
        super().__init__(parent)
        self._callback = callback

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        # a popup (the word list offered while typing) takes focus only for show: typing goes on
        if (
            isinstance(event, QFocusEvent)
            and event.type() == QEvent.Type.FocusOut
            and event.reason() != Qt.FocusReason.PopupFocusReason
        ):
            self._callback()
        return False


def _weak_listener(view: DocumentView) -> Callable[[Document, Change], None]:
    """A document callback that does not keep ``view`` alive and drops itself once it is gone."""
    ref = weakref.ref(view)

    def listener(doc: Document, change: Change) -> None:
        target = ref()
        if target is None or not isValid(target):
            doc.unsubscribe(listener)
        elif doc is target.document:
            target.document_changed(change)

    return listener


class DocumentView(QWidget):
    """Base of the panels: holds one Document, follows its notifications, writes edits back.

    Subclasses override :meth:`refresh` (show everything) and optionally
    :meth:`document_changed` (react to one notification; the default refreshes).
    """

    statusMessage = Signal(str)  # a user-facing explanation when an edit was refused

    def __init__(self, doc: Document | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._doc: Document | None = None
        self._listener = _weak_listener(self)
        self._focus_filter = _FocusOutFilter(self.seal, self)
        self._pending_doc = doc

    def _bind_initial_document(self) -> None:
        """Call at the end of a subclass ``__init__``, once its widgets exist."""
        self.set_document(self._pending_doc)
        self._pending_doc = None

    @property
    def document(self) -> Document | None:
        return self._doc

    def set_document(self, doc: Document | None) -> None:
        """Show ``doc`` (None shows nothing); stops listening to the previous document."""
        if self._doc is not None:
            self._doc.unsubscribe(self._listener)
        self._doc = doc
        if doc is not None:
            doc.subscribe(self._listener)
        self.document_replaced()
        self.refresh()

    # ---- for subclasses -------------------------------------------------------------------
    def document_replaced(self) -> None:
        """Hook: a different document is now shown (before :meth:`refresh`)."""

    def document_changed(self, change: Change) -> None:
        """Hook: the document sent ``change`` (the layer stack, one layer, the settings ...)."""
        self.refresh()

    def refresh(self) -> None:
        """Hook: make every widget show the document's current values."""

    def edit(self, action: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
        """Run one document edit; a refused edit (ValueError) is reported and the widgets reset."""
        if self._doc is None:
            return False
        try:
            action(*args, **kwargs)
        except ValueError as exc:
            self.statusMessage.emit(str(exc))
            self.refresh()
            return False
        return True

    def seal(self) -> None:
        """End the current merged undo step (a released slider, a field left)."""
        if self._doc is not None:
            self._doc.history.seal()

    def seal_when_done(self, *widgets: QWidget) -> None:
        """Seal the undo step when any of ``widgets`` finishes an edit or loses focus."""
        for widget in widgets:
            for name in ("editingFinished", "sliderReleased"):
                signal = getattr(widget, name, None)
                if signal is not None:
                    signal.connect(self.seal)
            for w in (widget, *widget.findChildren(QWidget)):
                w.installEventFilter(self._focus_filter)


class ValueSlider(QWidget):
    """A slider with exact steps and a spin box showing (and accepting) its value.

    ``valueChanged(float)`` fires for every change, from the slider or the spin box;
    ``editingFinished`` when a drag is released or a typed value is committed;
    ``sliderReleased`` when a drag ends.
    """

    valueChanged = Signal(float)
    editingFinished = Signal()
    sliderReleased = Signal()

    def __init__(
        self,
        minimum: float,
        maximum: float,
        step: float,
        decimals: int = 2,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._min, self._step, self._decimals = float(minimum), float(step), decimals
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, round((maximum - minimum) / step))
        self.slider.setPageStep(max(1, self.slider.maximum() // 10))
        self.spin = QDoubleSpinBox()
        self.spin.setRange(minimum, maximum)
        self.spin.setSingleStep(step)
        self.spin.setDecimals(decimals)
        self.spin.setKeyboardTracking(False)
        self.spin.setButtonSymbols(QDoubleSpinBox.ButtonSymbols.NoButtons)
        self.spin.setFixedWidth(self.spin.fontMetrics().horizontalAdvance("0000.00") + 12)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin)
        self.slider.valueChanged.connect(self._slider_moved)
        self.spin.valueChanged.connect(self._spin_changed)
        self.slider.sliderReleased.connect(self.sliderReleased)
        self.slider.sliderReleased.connect(self.editingFinished)
        self.spin.editingFinished.connect(self.editingFinished)
        self.setFocusProxy(self.slider)

    def _to_value(self, position: int) -> float:
        return round(self._min + position * self._step, self._decimals + 2)

    def _to_position(self, value: float) -> int:
        return round((float(value) - self._min) / self._step)

    def value(self) -> float:
        return self._to_value(self.slider.value())

    def setValue(self, value: float) -> None:  # noqa: N802 (Qt name)
        """Move to the step nearest ``value`` (clamped); emits valueChanged when it changes."""
        self.slider.setValue(self._to_position(value))

    def isSliderDown(self) -> bool:  # noqa: N802 (Qt name)
        return self.slider.isSliderDown()

    def _slider_moved(self, position: int) -> None:
        value = self._to_value(position)
        with signals_blocked(self.spin):
            self.spin.setValue(value)
        self.valueChanged.emit(value)

    def _spin_changed(self, value: float) -> None:
        position = self._to_position(value)
        if position != self.slider.value():
            self.slider.setValue(position)  # emits through _slider_moved
        else:
            with signals_blocked(self.spin):
                self.spin.setValue(self._to_value(position))
