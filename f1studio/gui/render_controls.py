"""Generate and Cancel under the prompt, and the progress bar of the running render."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from f1studio.engine.events import Loading, Progress, Started


class RenderControls(QWidget):
    """The buttons that start and stop renders, and how far the running one has got.

    Its slots follow a :class:`~f1studio.gui.jobs.GenerateController`: a job queued,
    started, progressing, ended.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.generate_button = QPushButton(self.tr("Generate  (Ctrl+Enter)"))
        self.generate_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("Cancel  (Esc)"))
        self.cancel_button.setEnabled(False)
        for button in (self.generate_button, self.cancel_button):  # a click leaves the focus
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # where the user put it
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress.setTextVisible(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button, 1)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)

    def job_queued(self, waiting: int) -> None:
        """A job was submitted, with ``waiting`` jobs queued behind the running one."""
        if not waiting and self.progress.isHidden():
            self.progress.setRange(0, 0)  # feedback at once; the model may still be loading
            self.progress.setFormat(self.tr("starting…"))
            self.progress.setVisible(True)
        self.cancel_button.setEnabled(True)

    def job_loading(self, loading: Loading) -> None:
        """The model is loading: a moving bar that says what."""
        self.progress.setRange(0, 0)
        self.progress.setFormat(self.tr("loading {name}…").format(name=loading.name))
        self.progress.setVisible(True)
        self.cancel_button.setEnabled(True)

    def job_started(self, started: Started) -> None:
        total = started.total_steps
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(0)
        self.progress.setFormat(self.tr("step {step}/{total}").format(step=0, total=total))
        self.progress.setVisible(True)
        self.cancel_button.setEnabled(True)

    def job_progressed(self, progress: Progress) -> None:
        self.progress.setMaximum(max(progress.total, 1))
        self.progress.setValue(progress.step)
        self.progress.setFormat(
            self.tr("step {step}/{total}").format(step=progress.step, total=progress.total)
        )

    def job_ended(self, waiting: int) -> None:
        """A job finished, failed or was cancelled; ``waiting`` jobs are still queued."""
        if not waiting:
            self.progress.setVisible(False)
            if self.cancel_button.hasFocus():  # reached by Tab: stay here, not down the chain
                self.generate_button.setFocus(Qt.FocusReason.OtherFocusReason)
            self.cancel_button.setEnabled(False)


def commit_typed_number() -> None:
    """Make a number being typed count before a render starts.

    Number fields apply a typed value on Enter or when the focus leaves them, and neither
    Ctrl+Enter nor a click on Generate (which leaves the focus alone) does either: a batch of
    "2" typed and rendered at once used the old value, and the field then lost the "2".
    """
    focus = QApplication.focusWidget()
    while focus is not None and not isinstance(focus, QAbstractSpinBox):
        focus = focus.parentWidget()  # the spin box's own line edit may hold the focus
    if focus is not None:
        focus.interpretText()
