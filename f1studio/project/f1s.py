"""Save ``.f1s`` project files (and the names every reader and writer of them share).

A project is a zip archive holding ``manifest.json`` (format version, app version, canvas size,
prompts, generation settings and the layer stack bottom to top with each layer's id, kind,
properties and image file) and one lossless PNG per layer under ``layers/`` (RGBA for paint
and reference layers, greyscale ``L`` for masks and guides).

Saving is atomic (:mod:`f1studio.project.atomic`): a failure or a crash mid-save leaves the
previous file untouched. Loading lives in :mod:`f1studio.project.loading`; both are re-exported
here, so ``from f1studio.project.f1s import load_project, save_project`` is the public API.
"""

from __future__ import annotations

import os
from pathlib import Path

from f1studio.document.document import Document
from f1studio.project import errors
from f1studio.project.atomic import PathLike, write_atomically
from f1studio.project.loading import MANIFEST_NAME, load_project
from f1studio.project.snapshot import LayerPngCache, ProjectSnapshot

__all__ = [
    "MANIFEST_NAME",
    "LayerPngCache",
    "ProjectSnapshot",
    "load_project",
    "save_project",
    "write_atomically",
    "write_snapshot",
]


# ---- saving -----------------------------------------------------------------------------------
def save_project(doc: Document, path: PathLike, cache: LayerPngCache | None = None) -> Path:
    """Save ``doc`` to ``path`` atomically and return the path written.

    With a ``cache`` (one per document), layers whose pixels did not change since the last save
    or open are not encoded again. Raises :class:`ProjectSaveError` (previous file untouched)
    when the document cannot be stored or the disk refuses the write.
    """
    name = Path(path).name
    try:
        snapshot = ProjectSnapshot.take(doc, name, cache)
    except errors.ProjectSaveError as exc:
        exc.path = os.fspath(path)
        raise
    return write_snapshot(snapshot, path, cache)


def write_snapshot(
    snapshot: ProjectSnapshot, path: PathLike, cache: LayerPngCache | None = None
) -> Path:
    """Write a snapshot taken before (any thread); :class:`ProjectSaveError` on failure.
    ``cache``: file the new PNGs there (call from where the document lives, or pass None and
    call ``snapshot.remember(cache)`` there afterwards)."""
    name = Path(path).name
    try:
        written = snapshot.write(path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        # A failed write never creates nor changes the target: if it is there, it was before.
        kept = "The previous file is unchanged" if os.path.lexists(path) else "No file was created"
        raise errors.ProjectSaveError(f"Could not save '{name}': {reason}. {kept}.", path) from exc
    if cache is not None:
        snapshot.remember(cache)
    return written
