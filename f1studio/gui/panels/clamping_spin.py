"""A whole-number spin box that takes any number typed and says so when it corrects it.

A plain ``QSpinBox`` refuses a digit that would go past its maximum as it is typed, so "300"
in a box that goes to 150 quietly becomes 30 (and one below its minimum quietly goes back to
its old value). This one lets the number be typed, sets it to the nearest allowed value when
the typing ends (Enter or leaving the box: 300 -> 150), where the user sees it, and emits
:attr:`ClampingSpinBox.corrected` with a sentence saying why. Subclasses with a stricter rule
(:class:`~f1studio.gui.panels.size_spin.SizeSpinBox`: multiples of 8) override
:meth:`allowed`, :meth:`nearest` and :meth:`describe`.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QSpinBox, QWidget

from f1studio.gui.i18n import translate


class ClampingSpinBox(QSpinBox):
    """``name`` (shown, translated by the caller) from ``minimum`` to ``maximum``; typed
    numbers apply on Enter or leaving the box, as with ``setKeyboardTracking(False)``."""

    corrected = Signal(str)  # "Steps 300 → 150: from 1 to 150"
    max_digits = 9  # longer numbers are refused as they are typed

    def __init__(
        self, name: str, minimum: int, maximum: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.name = name
        self.setRange(minimum, maximum)
        self.setKeyboardTracking(False)
        self._typed: tuple[int, int] | None = None  # (typed, corrected to) at the last fixup
        self._typed_shown: tuple[int, int] | None = None  # the same, while the box still shows it
        self.editingFinished.connect(self._typing_ended)
        self.valueChanged.connect(self._forget_if_changed)

    # ---- the rule (subclasses may narrow it) -------------------------------------------------
    def allowed(self, value: int) -> bool:
        """Whether ``value`` is taken as typed."""
        return self.minimum() <= value <= self.maximum()

    def nearest(self, value: int) -> int:
        """The allowed value a typed ``value`` becomes."""
        return max(self.minimum(), min(self.maximum(), value))

    def describe(self, typed: int, value: int) -> str:
        """The sentence :attr:`corrected` carries."""
        return translate("ClampingSpinBox", "{name} {typed} → {value}: from {min} to {max}").format(
            name=self.name, typed=typed, value=value, min=self.minimum(), max=self.maximum()
        )

    def take_typed_value(self) -> int:
        """What the user typed, when the box corrected it and still shows the correction; else
        the value. Taken once (a later call compares with what is typed after)."""
        typed, self._typed_shown = self._typed_shown, None
        return typed[0] if typed is not None and typed[1] == self.value() else self.value()

    # ---- Qt's typing hooks --------------------------------------------------------------------
    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        """Any whole number may be typed; only an allowed one is taken as it is, the others
        are corrected when the typing ends (:meth:`fixup`)."""
        number = text.strip()
        if not number:
            return QValidator.State.Intermediate, text, pos
        if not number.isdigit() or len(number) > self.max_digits:
            return QValidator.State.Invalid, text, pos
        if self.allowed(int(number)):
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos

    def fixup(self, text: str) -> str:
        number = text.strip()
        if not number.isdigit():
            return text  # nothing typed: the box keeps its value
        typed = int(number)
        value = self.nearest(typed)
        self._typed = (typed, value)
        return str(value)

    # ---- telling ------------------------------------------------------------------------------
    def _typing_ended(self) -> None:
        typed, self._typed = self._typed, None
        if typed is None or typed[1] != self.value():
            return
        self._typed_shown = typed
        self.corrected.emit(self.describe(*typed))

    def _forget_if_changed(self, value: int) -> None:
        if self._typed_shown is not None and self._typed_shown[1] != value:
            self._typed_shown = None
