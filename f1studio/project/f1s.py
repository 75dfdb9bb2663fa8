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

import json
import os
import re
import time
import zipfile
from pathlib import Path
from typing import IO, Any

import numpy as np
from PIL import Image

from f1studio import __version__
from f1studio.document.document import Document
from f1studio.document.layers import Layer, validate_property
from f1studio.project import errors
from f1studio.project.atomic import PathLike, write_atomically
from f1studio.project.loading import MANIFEST_NAME, load_project
from f1studio.project.migrations import CURRENT_FORMAT

__all__ = ["MANIFEST_NAME", "load_project", "save_project", "write_atomically"]

PNG_COMPRESS_LEVEL = 3  # lossless either way; 3 is much faster than 6 for nearly the same size

_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


# ---- saving -----------------------------------------------------------------------------------
def save_project(doc: Document, path: PathLike) -> Path:
    """Save ``doc`` to ``path`` atomically and return the path written.

    Raises :class:`ProjectSaveError` (previous file untouched) when the document cannot be
    stored or the disk refuses the write.
    """
    name = Path(path).name
    try:
        manifest, layer_files = _build_manifest(doc, name)
    except errors.ProjectSaveError as exc:
        exc.path = os.fspath(path)
        raise
    payload = json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8")
    stamp = time.localtime()[:6]

    def write(fh: IO[bytes]) -> None:
        with zipfile.ZipFile(fh, "w") as zf:
            info = zipfile.ZipInfo(MANIFEST_NAME, date_time=stamp)
            zf.writestr(info, payload, compress_type=zipfile.ZIP_DEFLATED)
            for member, layer in zip(layer_files, doc.layers, strict=True):
                _write_layer_png(zf, zipfile.ZipInfo(member, date_time=stamp), layer)

    try:
        return write_atomically(path, write)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        # A failed write never creates nor changes the target: if it is there, it was before.
        kept = "The previous file is unchanged" if os.path.lexists(path) else "No file was created"
        raise errors.ProjectSaveError(f"Could not save '{name}': {reason}. {kept}.", path) from exc


def _build_manifest(doc: Document, name: str) -> tuple[dict[str, Any], list[str]]:
    """The manifest and the member names of the layer PNGs (checked before touching disk)."""
    entries: list[dict[str, Any]] = []
    files: list[str] = []
    used: set[str] = set()
    for index, layer in enumerate(doc.layers):
        label = f"layer {index + 1} ('{layer.name}')"
        expected = (doc.height, doc.width) + ((4,) if layer.kind.is_picture else ())
        if layer.data.shape != expected or layer.data.dtype != np.uint8:
            raise errors.ProjectSaveError(
                f"Could not save '{name}': {label} is {layer.data.shape} "
                f"{layer.data.dtype}, expected {expected} uint8 for the canvas.",
            )
        props: dict[str, Any] = {}
        for key, value in layer.properties().items():
            try:
                value = validate_property(layer.kind, key, value)
            except (TypeError, ValueError) as exc:
                raise errors.ProjectSaveError(f"Could not save '{name}': {label}: {exc}.") from exc
            props[key] = list(value) if isinstance(value, tuple) else value
        stem = layer.id if _SAFE_ID.fullmatch(str(layer.id)) else f"layer-{index:04d}"
        member = f"layers/{stem}.png"
        if member in used:
            member = f"layers/layer-{index:04d}.png"
        used.add(member)
        files.append(member)
        entries.append(
            {"id": layer.id, "kind": layer.kind.value, "file": member, "properties": props}
        )
    manifest = {
        "format_version": CURRENT_FORMAT,
        "app": "F1 Studio",
        "app_version": __version__,
        "canvas": {"width": int(doc.width), "height": int(doc.height)},
        "prompt": doc.prompt,
        "negative_prompt": doc.negative_prompt,
        "settings": doc.settings.to_dict(),
        "layers": entries,
    }
    return manifest, files


def _write_layer_png(zf: zipfile.ZipFile, info: zipfile.ZipInfo, layer: Layer) -> None:
    """Stream one layer as a PNG into the archive (stored: PNG is already compressed)."""
    mode = "RGBA" if layer.kind.is_picture else "L"
    image = Image.fromarray(np.ascontiguousarray(layer.data), mode)
    info.compress_type = zipfile.ZIP_STORED
    with zf.open(info, "w", force_zip64=layer.data.nbytes > 2**30) as out:
        image.save(out, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
