"""Recovery copies: what autosave writes, so that a crash loses at most one interval of work.

They live in the per-user data folder (``appsettings.data_dir() / "recovery"``), never beside
or over the user's file. Each running window is one *session* and owns three files there:

- ``SESSION.f1s``: its document as of the last autosave (an ordinary project file);
- ``SESSION.json``: what that is: the project file it belongs to (absent for a document never
  saved), its title, when it was written, how many layers, the app version;
- ``SESSION.lock``: locked by the window (``flock``) for as long as it runs.

A copy whose lock nobody holds belongs to a window that ended without cleaning up (a crash,
``kill -9``, a power cut): :func:`orphaned_copies` lists those, the window offers them at its
next start and ``f1studio recover`` from the terminal. A window that closes normally, with its
work saved or its changes discarded, deletes its copy. No Qt here.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from f1studio import __version__
from f1studio.appsettings import data_dir
from f1studio.project.atomic import write_atomically
from f1studio.project.f1s import write_snapshot
from f1studio.project.snapshot import ProjectSnapshot

if sys.platform == "win32":  # pragma: no cover - Windows
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def recovery_dir() -> Path:
    return data_dir() / "recovery"


@dataclass(frozen=True)
class RecoveryCopy:
    """One recovery copy on disk (see the module docstring)."""

    session: str
    path: Path
    original: Path | None
    title: str
    saved_at: float
    layers: int
    closed_by: str | None = None  # e.g. "SIGTERM" when the window was told to stop

    @property
    def name(self) -> str:
        """The project's file name, or its title when it was never saved."""
        return self.original.name if self.original is not None else self.title

    def age_text(self, now: float | None = None) -> str:
        """'2 minutes ago' style, for dialogs and the terminal."""
        seconds = max(0, int((now or time.time()) - self.saved_at))
        for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
            if seconds >= size:
                count = seconds // size
                return f"{count} {unit}{'s' if count > 1 else ''} ago"
        return f"{seconds} seconds ago"

    def newer_than_original(self) -> bool:
        """True when the copy was written after the project file last changed (or there is
        no project file): opening the file alone would lose the copy's work."""
        if self.original is None:
            return True
        try:
            return self.saved_at > self.original.stat().st_mtime
        except OSError:
            return True

    def discard(self) -> None:
        for suffix in (".f1s", ".json", ".lock"):
            with contextlib.suppress(OSError):
                self.path.with_suffix(suffix).unlink()


class RecoverySession:
    """The recovery copy of one running window. Create it when the window opens; ``close()``
    it when the window closes. ``write`` may run on any thread, one call at a time."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or recovery_dir()
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.session = f"{stamp}-{os.getpid()}-{os.urandom(3).hex()}"
        self.copy_path = self.folder / f"{self.session}.f1s"
        self._lock: IO[bytes] | None = _hold_lock(self.folder / f"{self.session}.lock")

    @property
    def has_copy(self) -> bool:
        return self.copy_path.exists()

    def write(self, snapshot: ProjectSnapshot, original: Path | None, title: str) -> Path:
        """Write the copy (atomically) and then its description. ProjectSaveError on failure."""
        write_snapshot(snapshot, self.copy_path)
        info = {
            "original": os.fspath(original) if original is not None else None,
            "title": title,
            "saved_at": time.time(),
            "layers": snapshot.layers,
            "app_version": __version__,
        }
        payload = json.dumps(info, indent=1, ensure_ascii=False).encode("utf-8")
        write_atomically(self.copy_path.with_suffix(".json"), lambda fh: fh.write(payload))
        return self.copy_path

    def mark_closed(self, reason: str) -> None:
        """Say in the description why the window ended with unsaved work (e.g. "SIGTERM")."""
        meta = self.copy_path.with_suffix(".json")
        try:
            info = json.loads(meta.read_text("utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(info, dict):
            info["closed_by"] = reason
            payload = json.dumps(info, indent=1, ensure_ascii=False).encode("utf-8")
            write_atomically(meta, lambda fh: fh.write(payload))

    def discard(self) -> None:
        """Delete the copy (the work is saved, or the user chose to lose it)."""
        for suffix in (".json", ".f1s"):
            with contextlib.suppress(OSError):
                self.copy_path.with_suffix(suffix).unlink()

    def adopt(self, copy: RecoveryCopy) -> None:
        """Take over an orphaned copy the user restored: it becomes this session's copy, so
        it is still there if this session crashes too, and it is not offered twice."""
        for suffix in (".f1s", ".json"):
            with contextlib.suppress(OSError):
                os.replace(copy.path.with_suffix(suffix), self.copy_path.with_suffix(suffix))
        with contextlib.suppress(OSError):
            copy.path.with_suffix(".lock").unlink()

    def close(self, keep: bool) -> None:
        """End the session: keep the copy for the next start (``keep``) or delete it."""
        if not keep:
            self.discard()
        if self._lock is not None:
            self._lock.close()
            self._lock = None
            with contextlib.suppress(OSError):
                self.copy_path.with_suffix(".lock").unlink()


def orphaned_copies(folder: Path | None = None) -> list[RecoveryCopy]:
    """Copies no running window owns, newest first. Stale lock files are removed."""
    folder = folder or recovery_dir()
    found = []
    for path in _entries(folder, ".f1s"):
        lock = path.with_suffix(".lock")
        if _lock_is_held(lock):
            continue
        found.append(_describe(path))
    for lock in _entries(folder, ".lock"):  # a session that ended before writing any copy
        if not lock.with_suffix(".f1s").exists() and not _lock_is_held(lock):
            with contextlib.suppress(OSError):
                lock.unlink()
    return sorted(found, key=lambda c: c.saved_at, reverse=True)


def copies_of(project: Path, folder: Path | None = None) -> list[RecoveryCopy]:
    """Orphaned copies of ``project`` that hold work the file does not, newest first."""
    target = os.path.realpath(project)
    return [
        c
        for c in orphaned_copies(folder)
        if c.original is not None
        and os.path.realpath(c.original) == target
        and c.newer_than_original()
    ]


def find_copy(session: str, folder: Path | None = None) -> RecoveryCopy | None:
    """The orphaned copy of ``session`` (as ``f1studio recover --list`` shows it), if any."""
    return next((c for c in orphaned_copies(folder) if c.session == session), None)


def _entries(folder: Path, suffix: str) -> Iterator[Path]:
    try:
        yield from (p for p in folder.iterdir() if p.suffix == suffix and p.is_file())
    except OSError:
        return


def _describe(path: Path) -> RecoveryCopy:
    """Read a copy's description; a copy without a readable one is still offered."""
    info: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):
        loaded = json.loads(path.with_suffix(".json").read_text("utf-8"))
        info = loaded if isinstance(loaded, dict) else {}
    original = info.get("original")
    saved_at = info.get("saved_at")
    layers = info.get("layers")
    closed_by = info.get("closed_by")
    if not isinstance(saved_at, (int, float)) or isinstance(saved_at, bool):
        saved_at = path.stat().st_mtime
    return RecoveryCopy(
        session=path.stem,
        path=path,
        original=Path(original) if isinstance(original, str) and original else None,
        title=str(info.get("title") or "Untitled"),
        saved_at=float(saved_at),
        layers=layers if isinstance(layers, int) and not isinstance(layers, bool) else 0,
        closed_by=closed_by if isinstance(closed_by, str) else None,
    )


def _hold_lock(path: Path) -> IO[bytes] | None:
    """Open and lock ``path`` for as long as this session runs (None if it cannot be locked:
    the copy is then offered as orphaned, which is the safe side)."""
    try:
        fh = open(path, "wb")  # noqa: SIM115 - held open for the whole session
    except OSError:
        return None
    fh.write(str(os.getpid()).encode())
    fh.flush()
    if not _try_lock(fh.fileno()):
        fh.close()
        return None
    return fh


def _lock_is_held(path: Path) -> bool:
    """True while the window that created ``path`` is running."""
    try:
        with open(path, "rb") as fh:
            if not _try_lock(fh.fileno()):
                return True
            _unlock(fh.fileno())
            return False
    except OSError:
        return False
