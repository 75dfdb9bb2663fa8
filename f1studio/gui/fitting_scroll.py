"""A vertical scroll area as tall as its content wants, that scrolls only when squeezed."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QSizePolicy, QWidget


class FittingScrollArea(QScrollArea):
    """``content`` at its full height while the window has room (a plain QScrollArea asks for
    at most 24 text lines and would scroll on a tall screen), scrolling vertically once the
    window is shorter (a short screen, or more lines under the prompt), instead of pushing the
    window taller than the screen. Its width is the content's, so nothing is cut off at the
    side."""

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidget(content)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        content.installEventFilter(self)  # its size hint changes as its lines come and go

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)

    def _bar(self) -> int:
        return self.verticalScrollBar().sizeHint().width()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        content = self.widget()
        wanted = content.sizeHint() if content is not None else QSize(0, 0)
        return QSize(wanted.width() + self._bar(), wanted.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        content = self.widget()
        width = content.minimumSizeHint().width() if content is not None else 0
        return QSize(width + self._bar(), 4 * self.fontMetrics().height())
