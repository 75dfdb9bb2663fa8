"""A whole-number spin box that takes any number typed and says so when it clamps it.

A plain ``QSpinBox`` refuses a digit that would go past its maximum as it is typed, so "300"
in a box that goes to 150 quietly becomes 30. This one lets the number be typed, sets it to the
nearest value in range when the typing ends (Enter or leaving the box: 300 -> 150), where the
user sees it, and emits :attr:`ClampingSpinBox.clamped` with a sentence saying why.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QSpinBox, QWidget

from f1studio.gui.i18n import translate

_MAX_DIGITS = 9  # longer numbers are not counts: refused as they are typed


class ClampingSpinBox(QSpinBox):
    """``name`` (shown, translated by the caller) from ``minimum`` to ``maximum``; typed
    numbers apply on Enter or leaving the box, as with ``setKeyboardTracking(False)``."""

    clamped = Signal(str)  # "Steps 300 → 150: from 1 to 150"

    def __init__(
        self, name: str, minimum: int, maximum: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._name = name
        self.setRange(minimum, maximum)
        self.setKeyboardTracking(False)
        self._typed: tuple[int, int] | None = None  # (typed, clamped to) at the last fixup
        self.editingFinished.connect(self._typing_ended)

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        number = text.strip()
        if not number:
            return QValidator.State.Intermediate, text, pos
        if not number.isdigit() or len(number) > _MAX_DIGITS:
            return QValidator.State.Invalid, text, pos
        if self.minimum() <= int(number) <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos

    def fixup(self, text: str) -> str:
        number = text.strip()
        if not number.isdigit():
            return text  # nothing typed: the box keeps its value
        typed = int(number)
        value = max(self.minimum(), min(self.maximum(), typed))
        self._typed = (typed, value)
        return str(value)

    def _typing_ended(self) -> None:
        typed, self._typed = self._typed, None
        if typed is None or typed[1] != self.value():
            return
        self.clamped.emit(
            translate("ClampingSpinBox", "{name} {typed} → {value}: from {min} to {max}").format(
                name=self._name,
                typed=typed[0],
                value=typed[1],
                min=self.minimum(),
                max=self.maximum(),
            )
        )
