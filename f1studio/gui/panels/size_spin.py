"""A spin box for one side of the canvas, which says so when it corrects what was typed.

A canvas side is a multiple of 8 pixels from ``MIN_SIZE`` to ``MAX_SIZE``
(:func:`f1studio.document.validation.check_canvas_size`). A plain ``QSpinBox`` takes 100 as
typed and quietly puts back its old value for a number below its minimum (37 -> 128), so
Apply size used to give a size nobody asked for without a word. This one corrects a typed
number to the nearest allowed side when the typing ends (Enter or leaving the box: 100 -> 104,
37 -> 64, 3000 -> 2048), where the user sees it, emits :attr:`SizeSpinBox.corrected` with a
sentence saying why, and remembers what was typed so Apply can say what it did
(:func:`size_note`).
"""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QSpinBox, QWidget

from f1studio.document.document import MAX_SIZE, MIN_SIZE
from f1studio.gui.i18n import translate

SIDE_STEP = 8  # canvas sides are multiples of this
_MAX_DIGITS = 6  # longer numbers are not sizes: refused as they are typed
_SIDES = {"width": "Width", "height": "Height"}  # shown translated
_SIDE_NAMES = (  # for the translations
    QT_TRANSLATE_NOOP("SizeSpinBox", "Width"),
    QT_TRANSLATE_NOOP("SizeSpinBox", "Height"),
)


def nearest_side(value: int) -> int:
    """The allowed canvas side nearest ``value`` (a multiple of 8 within the limits)."""
    snapped = (int(value) + SIDE_STEP // 2) // SIDE_STEP * SIDE_STEP
    return max(MIN_SIZE, min(MAX_SIZE, snapped))


def size_rule() -> str:
    """Why a typed size changes: the rule, with the real limits, in the window's language."""
    return translate("SizeSpinBox", "sides are multiples of {step}, from {min} to {max}").format(
        step=SIDE_STEP, min=MIN_SIZE, max=MAX_SIZE
    )


def size_note(width: int, height: int) -> str:
    """The status line when Apply size gave another size than the one typed."""
    return translate("SizeSpinBox", "Size {width} × {height}: {rule}").format(
        width=width, height=height, rule=size_rule()
    )


class SizeSpinBox(QSpinBox):
    """One canvas side in pixels; typed numbers apply on Enter or leaving the box (as with
    ``setKeyboardTracking(False)``) and are corrected there to an allowed side."""

    corrected = Signal(str)  # "Height 37 → 64: sides are multiples of 8, from 64 to 2048"

    def __init__(self, side: Literal["width", "height"], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._side = translate("SizeSpinBox", _SIDES[side])
        self.setRange(MIN_SIZE, MAX_SIZE)
        self.setSingleStep(SIDE_STEP)
        self.setKeyboardTracking(False)
        self.setToolTip(
            translate("SizeSpinBox", "{side} in pixels: {rule}").format(
                side=self._side, rule=size_rule()
            )
        )
        self._typed: tuple[int, int] | None = None  # (typed, corrected to) at the last fixup
        self._typed_shown: tuple[int, int] | None = None  # the same, while the box still shows it
        self.editingFinished.connect(self._typing_ended)
        self.valueChanged.connect(self._forget_if_changed)

    def take_typed_value(self) -> int:
        """What the user typed, when the box corrected it and still shows the correction; else
        the value. Apply size compares this with the size it applies; taken once (the next
        Apply compares with what is typed after)."""
        typed, self._typed_shown = self._typed_shown, None
        return typed[0] if typed is not None and typed[1] == self.value() else self.value()

    # ---- Qt's typing hooks ------------------------------------------------------------------
    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        """Any whole number may be typed; only an allowed side is taken as it is, the others
        are corrected when the typing ends (:meth:`fixup`)."""
        number = text.strip()
        if not number:
            return QValidator.State.Intermediate, text, pos
        if not number.isdigit() or len(number) > _MAX_DIGITS:
            return QValidator.State.Invalid, text, pos
        value = int(number)
        if MIN_SIZE <= value <= MAX_SIZE and value % SIDE_STEP == 0:
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos

    def fixup(self, text: str) -> str:
        number = text.strip()
        if not number.isdigit():
            return text  # nothing typed: the box keeps its value
        typed = int(number)
        side = nearest_side(typed)
        self._typed = (typed, side)
        return str(side)

    # ---- telling ----------------------------------------------------------------------------
    def _typing_ended(self) -> None:
        typed, self._typed = self._typed, None
        if typed is None or typed[1] != self.value():
            return
        self._typed_shown = typed
        self.corrected.emit(
            translate("SizeSpinBox", "{side} {typed} → {value}: {rule}").format(
                side=self._side, typed=typed[0], value=typed[1], rule=size_rule()
            )
        )

    def _forget_if_changed(self, value: int) -> None:
        if self._typed_shown is not None and self._typed_shown[1] != value:
            self._typed_shown = None
