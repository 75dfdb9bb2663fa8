"""Atomic file writes: a temporary file beside the target, fsynced, then renamed over it.

After a crash the target holds either its old or its new content, never a mix. A write killed
mid-way leaves its temporary file (``.NAME.HEX.tmp``) behind; :func:`remove_stale_temporaries`
removes those of one target, and runs at every write of it (and when a project is opened).

A temporary file is *live* while its writer holds an exclusive ``flock`` on it: the writer
takes the lock right after creating it and keeps it until the rename is done, and the kernel
drops it when the writer dies, however it dies. So a temporary file whose lock can be taken
without waiting is stale. Where ``fcntl`` does not exist (Windows, where an open file cannot be
deleted anyway), a temporary file is stale once it is :data:`STALE_AGE_S` old.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

PathLike = str | os.PathLike[str]

#: Without ``fcntl``: a temporary file this old (seconds since its last write) is stale.
STALE_AGE_S = 3600.0


def write_atomically(path: PathLike, write: Callable[[IO[bytes]], object]) -> Path:
    """Call ``write(file)`` on a temporary file beside ``path``, then atomically replace ``path``.

    Symlinks are followed (the link stays a link). The temporary file is fsynced before the
    rename and the directory after it, so after a crash ``path`` holds either the old or the new
    content, never a mix. On any exception the temporary file is removed and ``path`` is
    untouched. Stale temporary files of earlier, killed writes are removed first. Returns the
    real path written.
    """
    target = Path(os.path.realpath(path))
    directory = target.parent
    remove_stale_temporaries(target)
    tmp, fd = _create_locked_temporary(target)
    try:
        with os.fdopen(fd, "wb", closefd=False) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):  # keep the permissions of the file we replace
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        os.close(fd)  # releases the lock, after the rename
    _fsync_directory(directory)
    return target


def temporary_name_pattern(target: Path) -> re.Pattern[str]:
    """The names of ``target``'s temporary files: ``.NAME.`` + 12 hex digits + ``.tmp``."""
    return re.compile(re.escape(f".{target.name}.") + r"[0-9a-f]{12}\.tmp")


def remove_stale_temporaries(path: PathLike) -> list[Path]:
    """Remove the temporary files that killed writes of ``path`` left beside it; return them.

    A file another process is still writing is left alone. Never raises for files it cannot
    inspect or remove (a read-only folder, a file gone meanwhile).
    """
    target = Path(os.path.realpath(path))
    pattern = temporary_name_pattern(target)
    try:
        names = [name for name in os.listdir(target.parent) if pattern.fullmatch(name)]
    except OSError:
        return []
    removed = []
    for name in names:
        candidate = target.parent / name
        with contextlib.suppress(OSError):
            if _remove_if_stale(candidate):
                removed.append(candidate)
    return removed


# ---- internals --------------------------------------------------------------------------------
def _create_locked_temporary(target: Path) -> tuple[Path, int]:
    """A new temporary file beside ``target``, open and locked by this process."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = target.parent / f".{target.name}.{os.urandom(6).hex()}.tmp"
        fd = os.open(tmp, flags, 0o666)
        if fcntl is None:
            return tmp, fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            # Between creating and locking, a cleaner may have found the file unlocked and
            # removed it: write only into a file that is still there, else start again.
            if os.stat(tmp).st_ino == os.fstat(fd).st_ino:
                return tmp, fd
        except FileNotFoundError:
            pass
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        os.close(fd)


def _remove_if_stale(candidate: Path) -> bool:
    if fcntl is None:
        if time.time() - candidate.stat().st_mtime < STALE_AGE_S:
            return False
        candidate.unlink()
        return True
    fd = os.open(candidate, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a live writer holds it
        if os.stat(candidate).st_ino != os.fstat(fd).st_ino:
            return False
        candidate.unlink()
        return True
    finally:
        os.close(fd)


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX); skipped where directories cannot be opened."""
    with contextlib.suppress(OSError):
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
