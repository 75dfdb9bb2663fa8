"""A word-wrapped label that never widens its panel and always shows all of its lines."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class WrappedLabel(QLabel):
    """Word-wrapped text that takes the width its layout gives it (a long line wraps instead
    of widening the panel and shifting the canvas) and as much height as its lines need at
    that width (a plain wrapped QLabel in a form can get less and draw its lines cut off)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        super().setText(text)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        # the lines' height at the width it has (QLabel guesses a narrower width, which asks for
        # more lines than it shows and leaves a gap under it once laid out wider)
        hint = super().sizeHint()
        if self.width() > 0 and self.text():
            hint.setHeight(self.heightForWidth(self.width()))
        return hint

    def _fit(self) -> None:
        kept = self.minimumHeight()
        self.setMinimumHeight(0)  # QLabel's height for a width is never below its minimum
        needed = self.heightForWidth(max(self.width(), 1)) if self.text() else 0
        self.setMinimumHeight(max(needed, 0))
        if self.minimumHeight() != kept:
            self.updateGeometry()
