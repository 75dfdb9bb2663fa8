"""A list of LoRAs to edit: the whole picture's (prompt panel) or a region layer's.

One row per LoRA: an on/off switch, its name, its weight (-2..2) and a remove button; under
the name its trigger words as links (a click emits ``insert_words``) and a warning when it is
for another model family than the base model's. "Add LoRA…" lists the LoRAs found in the
user's model folders, and "Choose a file…".

The list knows no document: user edits emit ``changed(tuple)`` with the whole new list;
``editingFinished`` marks where one gesture ends (a weight typed or stepped, a switch, a
removal), so an owner that records undo steps merges a gesture's edits into one and seals
after it. :meth:`set_entries` shows a list without emitting anything.
"""

from __future__ import annotations

import html
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from f1studio.document.loras import MAX_LORAS, LoraEntry
from f1studio.engine.events import EngineError
from f1studio.engine.family_table import ModelFamily
from f1studio.engine.request import LORA_WEIGHT
from f1studio.gui.panels.binding import signals_blocked
from f1studio.lora_library import LoraFound, describe, find_loras, fit_problem, lora_folders
from f1studio.model_library import same_location

WEIGHT_STEP = 0.05
WARNING_STYLE = "color: #c77700;"
ERROR_STYLE = "color: #c62828;"
SMALL_STYLE = "font-size: small;"


class ElidedLabel(QLabel):
    """A one-line label that shortens its text with "…" to the width it gets (a long LoRA
    name never widens a narrow dock)."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._full = text
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("MMM"))
        self._elide()

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        elided = self.fontMetrics().elidedText(
            self._full, Qt.TextElideMode.ElideMiddle, self.width()
        )
        self.setText(elided)


class LoraRow(QWidget):
    """One LoRA of the list: switch, name, weight, remove; trigger words; a warning."""

    def __init__(self, entry: LoraEntry, parent: QWidget | None = None):
        super().__init__(parent)
        self.check = QCheckBox()
        self.check.setToolTip(self.tr("Use this LoRA (off: it stays in the list but does nothing)"))
        self.name_label = ElidedLabel(entry.name)
        self.weight_spin = QDoubleSpinBox()
        self.weight_spin.setRange(-LORA_WEIGHT, LORA_WEIGHT)
        self.weight_spin.setSingleStep(WEIGHT_STEP)
        self.weight_spin.setDecimals(2)
        self.weight_spin.setKeyboardTracking(False)  # a typed weight applies on Enter/leaving
        self.weight_spin.setToolTip(
            self.tr(
                "How strongly this LoRA acts: 1 as trained, 0 not at all, "
                "negative the opposite (-{max}..{max})"
            ).format(max=f"{LORA_WEIGHT:g}")
        )
        self.remove_button = QToolButton()
        self.remove_button.setText("✕")
        self.remove_button.setAutoRaise(True)
        self.remove_button.setToolTip(
            self.tr("Remove {name} from the list").format(name=entry.name)
        )
        self.words_label = QLabel()
        self.words_label.setWordWrap(True)
        self.words_label.setStyleSheet(SMALL_STYLE)
        self.words_label.setTextFormat(Qt.TextFormat.RichText)
        self.words_label.setToolTip(self.tr("Its trigger words: click one to add it to the prompt"))
        self.warning_label = QLabel()
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(WARNING_STYLE + SMALL_STYLE)
        self.words: tuple[str, ...] = ()

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(4)
        top.addWidget(self.check)
        top.addWidget(self.name_label, 1)
        top.addWidget(self.weight_spin)
        top.addWidget(self.remove_button)
        under = QVBoxLayout()
        under.setContentsMargins(self.check.sizeHint().width() + 4, 0, 0, 0)
        under.setSpacing(0)
        under.addWidget(self.words_label)
        under.addWidget(self.warning_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 2)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addLayout(under)
        self.show_entry(entry)

    def show_entry(self, entry: LoraEntry) -> None:
        """The switch and weight of ``entry`` (no signals)."""
        with signals_blocked(self.check, self.weight_spin):
            self.check.setChecked(entry.enabled)
            self.weight_spin.setValue(entry.weight)
        self.name_label.setEnabled(entry.enabled)

    def show_info(self, path: str, info: LoraFound | None, problem: str | None) -> None:
        """What the file says of itself (None: unreadable) and why it may not fit."""
        family = (
            info.family if info is not None and info.family else self.tr("model family not known")
        )
        self.name_label.setToolTip(f"{path}\n{family}")
        self.words = info.trigger_words if info is not None else ()
        links = " · ".join(
            f'<a href="{i}">{html.escape(word)}</a>' for i, word in enumerate(self.words)
        )
        self.words_label.setText(links)
        self.words_label.setVisible(bool(self.words))
        self.warning_label.setText(f"⚠ {problem}" if problem else "")
        self.warning_label.setVisible(bool(problem))

    def warning(self) -> str:
        return self.warning_label.text() if not self.warning_label.isHidden() else ""


class LoraList(QWidget):
    """Edits a tuple of :class:`LoraEntry` (see the module docstring)."""

    changed = Signal(tuple)
    insert_words = Signal(str)
    editingFinished = Signal()
    statusMessage = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._entries: tuple[LoraEntry, ...] = ()
        self._folders: list[str] = []
        self._family: ModelFamily | None = None
        self._info: dict[str, LoraFound | str] = {}  # path -> what it is, or why unreadable
        self._fit: dict[tuple[str, ModelFamily], str | None] = {}
        self._last_dir: str | None = None
        self.rows: list[LoraRow] = []

        self._rows_layout = QVBoxLayout()
        self._rows_layout.setContentsMargins(0, 0, 0, 0)
        self._rows_layout.setSpacing(2)
        self.add_button = QPushButton(self.tr("Add LoRA…"))
        self.add_button.setToolTip(
            self.tr("Add a LoRA from your model folders (Model ▸ Models…) or from a file")
        )
        self.add_button.clicked.connect(self._open_menu)
        self.note_label = QLabel()  # a standing remark from the owner (what this list can do)
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet(WARNING_STYLE + SMALL_STYLE)
        self.note_label.setVisible(False)
        self.message_label = QLabel()  # why the last add did nothing
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet(ERROR_STYLE + SMALL_STYLE)
        self.message_label.setVisible(False)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(self._rows_layout)
        layout.addLayout(buttons)
        layout.addWidget(self.note_label)
        layout.addWidget(self.message_label)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    # ---- what the owner sets ----------------------------------------------------------------
    def entries(self) -> tuple[LoraEntry, ...]:
        return self._entries

    def set_entries(self, entries: tuple[LoraEntry, ...]) -> None:
        """Show ``entries`` (emits nothing)."""
        entries = tuple(entries)
        if entries == self._entries and len(self.rows) == len(entries):
            return
        same_files = [e.path for e in entries] == [e.path for e in self._entries]
        self._entries = entries
        if same_files and len(self.rows) == len(entries):
            for row, entry in zip(self.rows, entries, strict=True):
                row.show_entry(entry)
        else:
            self._rebuild()
        self.add_button.setEnabled(len(entries) < MAX_LORAS)

    def set_folders(self, folders: list[str]) -> None:
        """The user's model folders, where "Add LoRA…" looks (files are read afresh)."""
        self._folders = list(folders)
        self._info.clear()
        self._fit.clear()
        self._show_infos()

    def set_family(self, family: ModelFamily | None) -> None:
        """The base model's family: LoRAs for another one are marked (None: unknown)."""
        if family != self._family:
            self._family = family
            self._show_infos()

    def set_note(self, text: str | None) -> None:
        """A standing remark under the list (None: none)."""
        self.note_label.setText(text or "")
        self.note_label.setVisible(bool(text))

    def message(self) -> str:
        """Why the last attempt to add a LoRA did nothing ("" when it worked)."""
        return self.message_label.text() if not self.message_label.isHidden() else ""

    # ---- adding -----------------------------------------------------------------------------
    def found_loras(self) -> list[LoraFound]:
        """The LoRAs in the user's folders (what the Add menu lists)."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            return find_loras(self._folders)
        finally:
            QApplication.restoreOverrideCursor()

    def build_menu(self) -> QMenu:
        """The Add menu: every LoRA found (those in the list greyed), then "Choose a file…"."""
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        found = self.found_loras()
        for lora in found:
            text = f"{lora.name} — {lora.family}" if lora.family else lora.name
            present = self._index_of(str(lora.path)) is not None
            action = menu.addAction(
                self.tr("{name} (in the list)").format(name=text) if present else text
            )
            action.setToolTip(str(lora.path))
            action.setEnabled(not present)
            action.triggered.connect(lambda _=False, p=str(lora.path): self.add_path(p))
        if not found:
            empty = menu.addAction(
                self.tr("No LoRAs found in your model folders")
                if self._folders
                else self.tr("No model folders set: add one under Model ▸ Models…")
            )
            empty.setEnabled(False)
        menu.addSeparator()
        menu.addAction(self.tr("Choose a file…")).triggered.connect(self.choose_file)
        return menu

    def _open_menu(self) -> None:
        menu = self.build_menu()
        menu.exec(self.add_button.mapToGlobal(self.add_button.rect().bottomLeft()))
        menu.deleteLater()

    def choose_file(self) -> None:
        """Ask for a LoRA file and add it."""
        start = self._last_dir
        if start is None:
            folders = lora_folders(self._folders)
            start = str(folders[0]) if folders else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose a LoRA"),
            start,
            self.tr("LoRA files (*.safetensors);;All files (*)"),
        )
        if path:
            self._last_dir = str(Path(path).parent)
            self.add_path(path)

    def add_path(self, path: str | Path) -> bool:
        """Add the LoRA at ``path`` at weight 1; False (and the reason shown) when it is not a
        readable LoRA, is already in the list or the list is full."""
        path = str(path)
        index = self._index_of(path)
        if index is not None:
            self._say(
                self.tr("{name} is already in the list").format(name=self._entries[index].name)
            )
            return False
        if len(self._entries) >= MAX_LORAS:
            self._say(self.tr("A list holds at most %n LoRAs: remove one first", "", MAX_LORAS))
            return False
        try:
            found = describe(path)
        except EngineError as e:
            self._say(e.message)
            return False
        self._info[str(found.path)] = found
        self._say("")
        self._emit(self._entries + (LoraEntry(str(found.path)),), gesture=True)
        self.statusMessage.emit(self.tr("Added the LoRA {name}").format(name=found.name))
        return True

    # ---- user edits ---------------------------------------------------------------------------
    def set_enabled_at(self, index: int, enabled: bool) -> None:
        self._replace(index, replace(self._entries[index], enabled=bool(enabled)), gesture=True)

    def set_weight_at(self, index: int, weight: float) -> None:
        """A weight stepped or typed: part of a gesture that ``editingFinished`` ends."""
        self._replace(index, replace(self._entries[index], weight=round(weight, 2)), False)

    def remove_at(self, index: int) -> None:
        name = self._entries[index].name
        self._emit(self._entries[:index] + self._entries[index + 1 :], gesture=True)
        self.statusMessage.emit(self.tr("Removed the LoRA {name}").format(name=name))

    def _replace(self, index: int, entry: LoraEntry, gesture: bool) -> None:
        if entry != self._entries[index]:
            entries = list(self._entries)
            entries[index] = entry
            self._emit(tuple(entries), gesture)

    def _emit(self, entries: tuple[LoraEntry, ...], gesture: bool) -> None:
        """Show and announce ``entries``; a whole ``gesture`` is sealed on both sides."""
        if gesture:
            self.editingFinished.emit()
        self.set_entries(entries)
        self.changed.emit(entries)
        if gesture:
            self.editingFinished.emit()

    def _word_clicked(self, row: LoraRow, href: str) -> None:
        try:
            word = row.words[int(href)]
        except (ValueError, IndexError):
            return
        self.insert_words.emit(word)

    # ---- showing ----------------------------------------------------------------------------
    def _rebuild(self) -> None:
        for row in self.rows:
            row.hide()
            row.deleteLater()  # a row's own signal may be running now
        self.rows = []
        for entry in self._entries:
            row = LoraRow(entry, self)
            index = len(self.rows)
            row.check.toggled.connect(lambda on, i=index: self.set_enabled_at(i, on))
            row.weight_spin.valueChanged.connect(lambda v, i=index: self.set_weight_at(i, v))
            row.weight_spin.editingFinished.connect(self.editingFinished)
            row.remove_button.clicked.connect(lambda _=False, i=index: self.remove_at(i))
            row.words_label.linkActivated.connect(lambda h, r=row: self._word_clicked(r, h))
            self._rows_layout.addWidget(row)
            self.rows.append(row)
        self._show_infos()

    def _show_infos(self) -> None:
        for row, entry in zip(self.rows, self._entries, strict=True):
            info = self._describe(entry.path)
            if isinstance(info, str):
                row.show_info(entry.path, None, info)
            else:
                row.show_info(entry.path, info, self._problem(entry.path))

    def _describe(self, path: str) -> LoraFound | str:
        if path not in self._info:
            try:
                self._info[path] = describe(path)
            except EngineError as e:
                self._info[path] = e.message
        return self._info[path]

    def _problem(self, path: str) -> str | None:
        if self._family is None:
            return None
        key = (path, self._family)
        if key not in self._fit:
            self._fit[key] = fit_problem(path, self._family)
        return self._fit[key]

    def _index_of(self, path: str) -> int | None:
        for i, entry in enumerate(self._entries):
            if entry.path == path or same_location(entry.path, path):
                return i
        return None

    def _say(self, message: str) -> None:
        self.message_label.setText(message)
        self.message_label.setVisible(bool(message))
        if message:
            self.statusMessage.emit(message)
