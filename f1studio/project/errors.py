"""Errors raised by the project package.

Every error carries one clear, user-facing sentence (``str(error)`` / ``error.message``) that
the GUI can show as-is and the CLI can print on one line, plus the file it concerns
(``error.path``) when known. Catch :class:`StudioFileError` to handle them all.
"""

from __future__ import annotations

import os


class StudioFileError(Exception):
    """A file could not be read or written. ``str(error)`` is a one-line user-facing message."""

    def __init__(self, message: str, path: str | os.PathLike[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = os.fspath(path) if path is not None else None

    def __str__(self) -> str:
        return self.message


# ---- project files (.f1s) -------------------------------------------------------------------
class ProjectError(StudioFileError):
    """A project file could not be opened or saved."""


class ProjectNotFoundError(ProjectError):
    """The project file does not exist (or is not a regular file)."""


class DamagedProjectError(ProjectError):
    """The file is not a zip archive, or the archive itself is damaged."""


class MissingManifestError(ProjectError):
    """The archive has no ``manifest.json``."""


class ManifestError(ProjectError):
    """``manifest.json`` is not valid JSON or describes an impossible document."""


class LayerImageError(ProjectError):
    """A layer's PNG is missing, damaged, or of the wrong size or mode."""


class UnsafeProjectError(ProjectError):
    """The archive contains a member whose name escapes the archive (``..``, absolute path)."""


class ProjectTooLargeError(UnsafeProjectError):
    """The archive declares more data than a real project can hold (a zip bomb)."""


class NewerFormatError(ProjectError):
    """The project was written by a newer F1 Studio using a format this version cannot read."""

    def __init__(
        self, version: int, supported: int, path: str | os.PathLike[str] | None = None
    ) -> None:
        super().__init__(
            f"This project was saved by a newer F1 Studio (format {version}); this version "
            f"reads up to format {supported}. Update F1 Studio to open it.",
            path,
        )
        self.version = version
        self.supported = supported


class ProjectSaveError(ProjectError):
    """Saving failed; the previous file on disk (if any) is untouched."""


# ---- images ---------------------------------------------------------------------------------
class ImageImportError(StudioFileError):
    """An image file could not be imported (missing, corrupt, unsupported, or too large)."""


class ExportError(StudioFileError):
    """An exported image could not be written; any previous file at the path is untouched."""
