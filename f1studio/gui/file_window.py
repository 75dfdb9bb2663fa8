"""The window's files: new, open, save, export, recent projects, autosave and recovery copies.

:class:`FileWindow` is the base of the main window; it owns which document is shown, where it
is saved, whether it has unsaved changes, and the recovery copy that keeps those changes safe
(:mod:`f1studio.gui.autosave`). The main window builds the widgets and calls
:meth:`FileWindow.show_document` whenever the document changes.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QInputDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
)

from f1studio.appsettings import MAX_AUTOSAVE_S, AppSettings, config_dir
from f1studio.document.changes import Change
from f1studio.document.document import Document
from f1studio.gui.autosave import Autosave
from f1studio.project.errors import StudioFileError
from f1studio.project.recovery import RecoveryCopy, RecoverySession, copies_of, orphaned_copies
from f1studio.project.snapshot import LayerPngCache

PROJECT_PATTERN = "(*.f1s)"
MAX_RECENT = 8


def app_qsettings() -> QSettings:
    """Window state and recent files (an ini file in the user's config folder); with
    ``$F1STUDIO_CONFIG_DIR`` set, ``window.ini`` in that folder, so that a fresh config folder
    also means no last project and no recent files."""
    if os.environ.get("F1STUDIO_CONFIG_DIR"):
        return QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "F1Studio", "F1Studio")


class FileWindow(QMainWindow):
    """A main window that knows its document's file; see the module docstring."""

    doc: Document
    recent_menu: QMenu

    def __init__(self, doc: Document, path: Path | None) -> None:
        super().__init__()
        self.doc = doc
        self.path: Path | None = Path(path) if path else None
        self._saved_revision = doc.revision
        self.png_cache = LayerPngCache()
        self.window_state = app_qsettings()  # recent files, last project (not AppSettings)
        self.autosave = Autosave(RecoverySession(), AppSettings.load().autosave_interval_s, self)
        self.autosave.statusMessage.connect(self.status)
        self.autosave.errorMessage.connect(self.show_error)
        self._exit_signal: int | None = None
        self.autosave.watch(doc, self.png_cache, self.path, self._saved_revision)

    def show_document(self) -> None:
        """Show ``self.doc`` after New, Open or Restore (the main window extends this to point
        every widget at it)."""
        self._update_title()

    def status(self, message: str) -> None:
        self.statusBar().showMessage(message, 6000)

    def show_error(self, message: str) -> None:
        self.statusBar().showMessage(self.tr("⚠ {message}").format(message=message), 15000)

    # ---- the document and its file --------------------------------------------------------
    def set_document(
        self,
        doc: Document,
        path: Path | None,
        cache: LayerPngCache | None = None,
        modified: bool = False,
    ) -> None:
        """Show ``doc``, saved at ``path`` (None: never saved). ``modified``: it holds changes
        that are not in that file (a restored recovery copy)."""
        self.doc.unsubscribe(self._doc_changed)
        self.doc = doc
        self.path = path
        self._saved_revision = doc.revision - 1 if modified else doc.revision
        self.png_cache = cache or LayerPngCache()
        self.autosave.watch(doc, self.png_cache, path, self._saved_revision)
        self.show_document()

    def _doc_changed(self, doc: Document, change: Change) -> None:
        self._update_title()
        self.autosave.document_changed()

    @property
    def is_modified(self) -> bool:
        return self.doc.revision != self._saved_revision

    def _update_title(self) -> None:
        name = self.path.name if self.path else self.tr("Untitled")
        if self.is_modified:
            title = self.tr("{name} * — F1 Studio")
        else:
            title = self.tr("{name} — F1 Studio")
        self.setWindowTitle(title.format(name=name))

    def confirm_discard(self) -> bool:
        """Ask about unsaved changes; True when it's fine to drop the current document."""
        if not self.is_modified:
            return True
        answer = QMessageBox.question(
            self,
            self.tr("Unsaved changes"),
            self.tr("Save the changes to this project first?"),
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QMessageBox.StandardButton.Discard:
            self.autosave.discard()
            return True
        return False

    def new_project(self) -> None:
        from f1studio.gui.new_project import new_document

        if self.confirm_discard():
            self.set_document(new_document(), None)

    def open_dialog(self) -> None:
        start = str(self.path.parent) if self.path else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Open project"), start, self._project_filter()
        )
        if path:
            self.open_path(Path(path))

    def _project_filter(self) -> str:
        return self.tr("F1 Studio projects") + " " + PROJECT_PATTERN

    def open_path(self, path: Path) -> bool:
        """Open a project; on failure say why and keep the current document."""
        from f1studio.project.f1s import load_project

        if not self.confirm_discard():
            return False
        try:
            cache = LayerPngCache()
            doc = load_project(path, cache)
        except StudioFileError as e:
            self.show_error(str(e))
            return False
        self.set_document(doc, Path(path), cache)
        self._remember(Path(path))
        self.status(self.tr("Opened {name}").format(name=Path(path).name))
        for copy in copies_of(Path(path)):
            if self.offer_copy(copy, opened=True):
                break
        return True

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self._save_to(self.path)

    def save_as(self) -> bool:
        start = str(self.path) if self.path else str(Path.home() / "untitled.f1s")
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save project"), start, self._project_filter()
        )
        if not path:
            return False
        if not path.endswith(".f1s"):
            path += ".f1s"
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        from f1studio.project.f1s import save_project

        try:
            save_project(self.doc, path, self.png_cache)
        except StudioFileError as e:
            self.show_error(str(e))
            return False
        self.path = path
        self._saved_revision = self.doc.revision
        self.autosave.watch(self.doc, self.png_cache, path, self._saved_revision)
        self._remember(path)
        self._update_title()
        self.status(self.tr("Saved {name}").format(name=path.name))
        return True

    # ---- recent projects ------------------------------------------------------------------
    def _remember(self, path: Path) -> None:
        recent = [p for p in self._recent() if p != str(path)]
        recent.insert(0, str(path))
        self.window_state.setValue("recent", recent[:MAX_RECENT])
        self.window_state.setValue("last_project", str(path))
        self._refresh_recent()

    def _recent(self) -> list[str]:
        value = self.window_state.value("recent", [])
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value] if isinstance(value, (list, tuple)) else []

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        for entry in self._recent():
            action = self.recent_menu.addAction(entry)
            action.triggered.connect(lambda _=False, p=entry: self.open_path(Path(p)))
        self.recent_menu.setEnabled(bool(self._recent()))

    # ---- recovery -------------------------------------------------------------------------
    def offer_recovery(self) -> None:
        """At start: offer the work of windows that did not close properly, newest first."""
        for copy in orphaned_copies():
            if copy.session == self.autosave.session.session:
                continue
            if self.offer_copy(copy, opened=False):
                return

    def offer_copy(self, copy: RecoveryCopy, opened: bool) -> bool:
        """Ask whether to restore ``copy``; True when it was restored."""
        when = copy.age_text()
        if opened:
            text = self.tr(
                "A recovery copy of {name} from {when} holds changes that are not in "
                "the file. Restore it?"
            ).format(name=copy.name, when=when)
        elif copy.closed_by is not None:
            text = self.tr(
                "F1 Studio was told to stop ({signal}) with unsaved work in "
                "{name} (kept {when}). Restore it?"
            ).format(signal=copy.closed_by, name=copy.name, when=when)
        else:
            text = self.tr(
                "F1 Studio did not close properly. Unsaved work in {name} "
                "(autosaved {when}) can be restored."
            ).format(name=copy.name, when=when)
        box = QMessageBox(
            QMessageBox.Icon.Question, self.tr("Restore unsaved work"), text, parent=self
        )
        restore = box.addButton(self.tr("Restore"), QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton(self.tr("Discard it"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(self.tr("Not now"), QMessageBox.ButtonRole.RejectRole)
        box.setInformativeText(
            self.tr("Not now keeps it: `f1studio recover --list` shows it later.")
        )
        box.exec()
        if box.clickedButton() is discard:
            copy.discard()
            return False
        if box.clickedButton() is restore:
            return self.restore_copy(copy)
        return False

    def restore_copy(self, copy: RecoveryCopy) -> bool:
        """Show the copy's document as unsaved changes to its project (or as Untitled)."""
        from f1studio.project.f1s import load_project

        if not self.confirm_discard():
            return False
        try:
            cache = LayerPngCache()
            doc = load_project(copy.path, cache)
        except StudioFileError as e:
            self.show_error(self.tr("The recovery copy cannot be opened: {error}").format(error=e))
            return False
        self.autosave.session.adopt(copy)
        self.set_document(doc, copy.original, cache, modified=True)
        self.status(
            self.tr("Restored {name} from its recovery copy — save to keep it").format(
                name=copy.name
            )
        )
        return True

    def choose_autosave_interval(self) -> None:
        settings = AppSettings.load()
        seconds, ok = QInputDialog.getInt(
            self,
            self.tr("Autosave"),
            self.tr("Write a recovery copy of unsaved work every (seconds, 0 = off):"),
            settings.autosave_interval_s,
            0,
            MAX_AUTOSAVE_S,
        )
        if ok:
            settings.autosave_interval_s = seconds
            settings.save()
            self.autosave.set_interval(seconds)
            if seconds == 0:
                self.status(self.tr("Autosave is off"))
            else:
                self.status(self.tr("Autosave every {seconds} s").format(seconds=seconds))

    # ---- closing --------------------------------------------------------------------------
    def exit_on_signal(self, signum: int) -> None:
        """SIGTERM or SIGINT: keep unsaved work in the recovery copy and quit at once (open
        dialogs are dismissed first, so none of them can hold the exit up)."""
        self._exit_signal = signum
        while (modal := QApplication.activeModalWidget()) is not None and modal is not self:
            if isinstance(modal, QDialog):
                modal.done(QDialog.DialogCode.Rejected)
            modal.hide()
        QTimer.singleShot(0, self.close)  # once the dialogs' event loops have returned

    @property
    def exit_code(self) -> int:
        """0 after a normal close; 128 + the signal number after :meth:`exit_on_signal`."""
        return 0 if self._exit_signal is None else 128 + self._exit_signal

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self._exit_signal is None and not self.confirm_discard():
            event.ignore()
            return
        signal_name = None if self._exit_signal is None else signal.Signals(self._exit_signal).name
        self.autosave.close(keep=self._exit_signal is not None, reason=signal_name)
        self.save_window_layout()
        self.shut_down_engine()
        event.accept()

    def save_window_layout(self) -> None:
        """Remember the window's size, place and docks (Undo History shown or not)."""
        settings = app_qsettings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())

    def fit_to_screen(self) -> None:
        """Keep the first window inside the screen's free area (at 200 % scaling a 1400x900
        window is larger than a 1600x1000 screen), centred on it."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        free = screen.availableGeometry()
        width = min(self.width(), int(free.width() * 0.95))
        height = min(self.height(), int(free.height() * 0.92))
        self.resize(width, height)
        self.move(free.x() + (free.width() - width) // 2, free.y() + (free.height() - height) // 2)

    def restore_window_layout(self) -> None:
        """Size, place and docks as the last window closed with them (before it is shown)."""
        settings = app_qsettings()
        geometry, state = settings.value("window/geometry"), settings.value("window/state")
        if geometry is None or not self.restoreGeometry(geometry):
            self.fit_to_screen()
        if state is not None:
            self.restoreState(state)

    def shut_down_engine(self) -> None:
        """Stop background work before the window goes (the main window's engine worker)."""
