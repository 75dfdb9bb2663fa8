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

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QWidget

from f1studio.document.document import MAX_SIZE, MIN_SIZE
from f1studio.gui.i18n import translate
from f1studio.gui.panels.clamping_spin import ClampingSpinBox

SIDE_STEP = 8  # canvas sides are multiples of this
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


class SizeSpinBox(ClampingSpinBox):
    """One canvas side in pixels; typed numbers apply on Enter or leaving the box (as with
    ``setKeyboardTracking(False)``) and are corrected there to an allowed side."""

    max_digits = 6  # longer numbers are not sizes: refused as they are typed

    def __init__(self, side: Literal["width", "height"], parent: QWidget | None = None) -> None:
        super().__init__(translate("SizeSpinBox", _SIDES[side]), MIN_SIZE, MAX_SIZE, parent)
        self.setSingleStep(SIDE_STEP)
        self.setToolTip(
            translate("SizeSpinBox", "{side} in pixels: {rule}").format(
                side=self.name, rule=size_rule()
            )
        )

    def allowed(self, value: int) -> bool:
        return MIN_SIZE <= value <= MAX_SIZE and value % SIDE_STEP == 0

    def nearest(self, value: int) -> int:
        return nearest_side(value)

    def describe(self, typed: int, value: int) -> str:
        # "Height 37 → 64: sides are multiples of 8, from 64 to 2048"
        return translate("SizeSpinBox", "{side} {typed} → {value}: {rule}").format(
            side=self.name, typed=typed, value=value, rule=size_rule()
        )
