"""A popup of the words a model knows, offered as one types in a prompt box."""

from __future__ import annotations

import re
from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import QAbstractItemView, QCompleter, QPlainTextEdit

_WORD_BEFORE_CURSOR = re.compile(r"[A-Za-z]+$")
MIN_PREFIX = 2  # letters typed before the popup offers words ("a" would list half of them)
_POPUP_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab, Qt.Key.Key_Escape)


class WordCompleter(QObject):
    """Completes the word being typed in ``edit`` from a word list (none: stays quiet).

    Up/Down choose, Enter or Tab insert the word and a space, Escape closes the popup; typing
    goes on in the box.
    """

    def __init__(self, edit: QPlainTextEdit) -> None:
        super().__init__(edit)
        self._edit = edit
        self._words = QStringListModel(self)
        self.completer = QCompleter(self._words, self)
        self.completer.setWidget(edit)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.activated.connect(self._insert)
        # QCompleter hands the popup's keys to the box by calling its event() directly, past
        # any filter on the box: Enter, Tab and Escape are taken on the popup, before it
        self._popup().installEventFilter(self)
        edit.textChanged.connect(self._update)

    @property
    def words(self) -> list[str]:
        return self._words.stringList()

    def set_words(self, words: Iterable[str]) -> None:
        self._words.setStringList(sorted(set(words)))
        if not self.words:
            self._popup().hide()

    def _popup(self) -> QAbstractItemView:
        popup = self.completer.popup()
        assert popup is not None  # QCompleter makes its popup on construction
        return popup

    def _prefix(self) -> str:
        cursor = self._edit.textCursor()
        before = cursor.block().text()[: cursor.positionInBlock()]
        found = _WORD_BEFORE_CURSOR.search(before)
        return found.group(0) if found else ""

    def _update(self) -> None:
        popup = self._popup()
        prefix = self._prefix()
        if not self.words or not self._edit.hasFocus() or len(prefix) < MIN_PREFIX:
            popup.hide()
            return
        self.completer.setCompletionPrefix(prefix)
        count = self.completer.completionCount()
        if count == 0 or (count == 1 and self.completer.currentCompletion().lower() == prefix):
            popup.hide()  # nothing to offer, or the word is complete
            return
        popup.setCurrentIndex(self.completer.completionModel().index(0, 0))
        area = self._edit.cursorRect()
        area.setWidth(popup.sizeHintForColumn(0) + popup.verticalScrollBar().sizeHint().width())
        self.completer.complete(area)

    def _insert(self, word: str) -> None:
        cursor = self._edit.textCursor()
        cursor.movePosition(
            QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.KeepAnchor, len(self._prefix())
        )
        cursor.insertText(f"{word} ")
        self._edit.setTextCursor(cursor)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        """On the open popup: Enter or Tab insert the chosen word, Escape closes it."""
        popup = self._popup()
        if (
            watched is popup
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and popup.isVisible()
            and event.key() in _POPUP_KEYS
            and not event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            index = popup.currentIndex()
            popup.hide()
            if event.key() != Qt.Key.Key_Escape and index.isValid():
                self._insert(str(index.data()))
            return True
        return False
