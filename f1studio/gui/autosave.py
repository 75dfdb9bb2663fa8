"""Autosave: keep the window's recovery copy current while there is unsaved work.

A recovery copy (:mod:`f1studio.project.recovery`) is written at most ``interval`` seconds after
the first change that is not in it yet, and right after a render adds a layer. The UI thread
only takes a :class:`~f1studio.project.snapshot.ProjectSnapshot` (the manifest and a copy of
the layers changed since the last write: milliseconds); encoding and writing happen on one
background thread, so a brush stroke never waits for it. Work on that thread runs in order,
so a copy discarded after a save can never be written again by an older autosave.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from f1studio.document.document import Document
from f1studio.gui.background import ui_thread_callback
from f1studio.project.errors import StudioFileError
from f1studio.project.recovery import RecoverySession
from f1studio.project.snapshot import LayerPngCache, ProjectSnapshot

RETRY_MS = 1000  # a stroke is open or a write is still running: look again this much later


class Autosave(QObject):
    """Writes the recovery copy of the watched document; see the module docstring."""

    statusMessage = Signal(str)
    errorMessage = Signal(str)
    written = Signal(int)  # the document revision now safe in the recovery copy

    def __init__(
        self, session: RecoverySession, interval_s: int, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.interval_s = interval_s
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.write_now)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="f1studio-autosave")
        self._pending: Future | None = None
        self._doc: Document | None = None
        self._cache = LayerPngCache()
        self._path: Path | None = None
        self._saved_revision = 0
        self._written_revision: int | None = None
        self._failed = False
        self._closed = False
        self.last_snapshot_ms = 0.0  # UI-thread cost of the last autosave (benchmarks read it)

    # ---- what the window tells it ---------------------------------------------------------
    def watch(
        self, doc: Document, cache: LayerPngCache, path: Path | None, saved_revision: int
    ) -> None:
        """The window shows ``doc`` (saved at ``saved_revision`` to ``path``, if any)."""
        self._doc, self._cache, self._path = doc, cache, path
        self._saved_revision = saved_revision
        self._written_revision = None
        if self.modified:
            self.document_changed()
        else:
            self._timer.stop()
            self._queue(self.session.discard)

    @property
    def modified(self) -> bool:
        return self._doc is not None and self._doc.revision != self._saved_revision

    def document_changed(self) -> None:
        """Call on every edit: the next write is due one interval after the first."""
        if self._closed or self.interval_s <= 0 or self._timer.isActive():
            return
        if self.modified:
            self._timer.start(self.interval_s * 1000)

    def set_interval(self, seconds: int) -> None:
        self.interval_s = seconds
        self._timer.stop()
        if seconds > 0:
            self.document_changed()

    # ---- writing --------------------------------------------------------------------------
    def write_now(self) -> None:
        """Write the copy now when it lacks changes (e.g. after a render); never blocks."""
        doc = self._doc
        if self._closed or doc is None:
            return
        if not self.modified:
            self._queue(self.session.discard)
            return
        if doc.revision == self._written_revision:
            return
        if doc.stroke_open or (self._pending is not None and not self._pending.done()):
            self._timer.start(RETRY_MS)
            return
        self._start_write(doc)

    def _start_write(self, doc: Document) -> None:
        started = time.perf_counter()
        try:
            snapshot = ProjectSnapshot.take(doc, self.session.copy_path.name, self._cache)
        except StudioFileError as e:
            self._report_failure(e)
            return
        self.last_snapshot_ms = (time.perf_counter() - started) * 1000
        revision, cache = doc.revision, self._cache
        path, title = self._path, self._title()

        def finished(future: Future) -> None:
            self._write_done(future, snapshot, cache, revision)

        done = ui_thread_callback(finished, self)
        self._pending = self._thread.submit(self.session.write, snapshot, path, title)
        self._pending.add_done_callback(done)

    def _write_done(
        self, future: Future, snapshot: ProjectSnapshot, cache: LayerPngCache, revision: int
    ) -> None:
        error = future.exception()
        if error is not None:
            self._report_failure(error)
            return
        if cache is self._cache:
            snapshot.remember(cache)
            self._written_revision = revision
        if self._failed:
            self._failed = False
            self.statusMessage.emit(self.tr("Autosave works again"))
        self.written.emit(revision)
        if self._doc is not None and self._doc.revision != revision:
            self.document_changed()  # edits made while it was writing

    def _report_failure(self, error: BaseException) -> None:
        if not self._failed:  # once, not every interval
            reason = str(error) if isinstance(error, StudioFileError) else repr(error)
            self.errorMessage.emit(self.tr("Autosave failed: {reason}").format(reason=reason))
        self._failed = True
        self.document_changed()

    def _title(self) -> str:
        # stored in the recovery copy (``f1studio recover --list`` shows it): not translated
        return self._path.name if self._path is not None else "Untitled"

    def _queue(self, fn: Callable[[], object]) -> None:
        if not self._closed:
            self._thread.submit(fn)

    # ---- ending ---------------------------------------------------------------------------
    def discard(self) -> None:
        """The user chose to lose the unsaved changes: delete the copy."""
        self._timer.stop()
        self._written_revision = None
        self._queue(self.session.discard)

    def close(self, keep: bool, reason: str | None = None) -> None:
        """End the session (the window is closing). ``keep``: leave a copy of any unsaved
        work for the next start, writing it now if needed (e.g. on SIGTERM); otherwise the copy
        is deleted. Waits for the write in progress."""
        if self._closed:
            return
        self._timer.stop()
        self._thread.shutdown(wait=True)
        self._closed = True
        doc = self._doc
        if keep and doc is not None and self.modified and doc.revision != self._written_revision:
            try:
                snapshot = ProjectSnapshot.take(doc, self.session.copy_path.name, self._cache)
                self.session.write(snapshot, self._path, self._title())
            except (StudioFileError, OSError):
                pass  # the last autosave, if any, stays
        if keep and self.modified and reason is not None:
            with contextlib.suppress(OSError):
                self.session.mark_closed(reason)
        self.session.close(keep=keep and self.modified)
