"""Atomic file writes: a temporary file beside the target, fsynced, then renamed over it.

After a crash the target holds either its old or its new content, never a mix.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import IO

PathLike = str | os.PathLike[str]


def write_atomically(path: PathLike, write: Callable[[IO[bytes]], object]) -> Path:
    """Call ``write(file)`` on a temporary file beside ``path``, then atomically replace ``path``.

    Symlinks are followed (the link stays a link). The temporary file is fsynced before the
    rename and the directory after it, so after a crash ``path`` holds either the old or the new
    content, never a mix. On any exception the temporary file is removed and ``path`` is
    untouched. Returns the real path written.
    """
    target = Path(os.path.realpath(path))
    directory = target.parent
    tmp = directory / f".{target.name}.{os.urandom(6).hex()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
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
    _fsync_directory(directory)
    return target


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX); skipped where directories cannot be opened."""
    with contextlib.suppress(OSError):
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
