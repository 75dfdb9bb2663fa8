"""Ctrl+Z and Ctrl+Shift+Z go to the document unless the user is typing text.

Qt lets the focused widget claim a shortcut first (a ShortcutOverride event): a spin box or
line edit claims Undo and Redo for its own text even when nothing was typed in it, so Ctrl+Z
after merely clicking a number field did nothing. :class:`UndoKeyRouter` watches those claims
for one window and declines them unless the focused widget is a text field with text steps to
undo (or redo) and the document's newest step is that typing: a prompt being typed keeps its
text undo; a number field never does, since its value is set by Enter or by leaving it; and
after a later step (a Layout run from the prompt box with its shortcut, a stroke) Ctrl+Z takes
that step back, not the typing before it (and Ctrl+Shift+Z redoes the document's undone step).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

from f1studio.document.history import History
from f1studio.document.step_names import is_text_step

_REDO_KEYS = (QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y"))


def is_undo_key(event: QKeyEvent) -> bool:
    return event.matches(QKeySequence.StandardKey.Undo)


def is_redo_key(event: QKeyEvent) -> bool:
    if event.matches(QKeySequence.StandardKey.Redo):
        return True
    pressed = QKeySequence(event.keyCombination())
    return any(pressed.matches(key) == QKeySequence.SequenceMatch.ExactMatch for key in _REDO_KEYS)


def has_text_step(widget: QObject, redo: bool) -> bool:
    """Whether ``widget`` is a text field (not a number field) with a text step to undo/redo."""
    if isinstance(widget, QLineEdit):
        if isinstance(widget.parent(), QAbstractSpinBox) or widget.isReadOnly():
            return False
        return widget.isRedoAvailable() if redo else widget.isUndoAvailable()
    if isinstance(widget, (QPlainTextEdit, QTextEdit)):
        if widget.isReadOnly():
            return False
        text = widget.document()
        return text.isRedoAvailable() if redo else text.isUndoAvailable()
    return False


class UndoKeyRouter(QObject):
    """An application event filter for ``window``: see the module docstring."""

    def __init__(self, window: QWidget, history: Callable[[], History | None]) -> None:
        """``history``: the window's document's undo history now."""
        super().__init__(window)
        self._window = window
        self._history = history

    def _typing(self, redo: bool) -> bool:
        """Whether the document's next undo (redo) is the typing's own: its newest step is a
        text edit (it has no undone step to redo)."""
        history = self._history()
        if history is None:
            return True
        return not history.redo_stack if redo else is_text_step(history.undo_label)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() != QEvent.Type.ShortcutOverride or not isinstance(event, QKeyEvent):
            return False
        undo, redo = is_undo_key(event), is_redo_key(event)
        if not (undo or redo) or not isinstance(watched, QWidget):
            return False
        if watched.window() is not self._window:
            return False
        if has_text_step(watched, redo) and self._typing(redo):
            return False
        event.ignore()  # not claimed: the window's Undo/Redo shortcut runs
        return True
