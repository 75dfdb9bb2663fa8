"""Open ``.f1s`` project files (the format is described in :mod:`f1studio.project.f1s`).

Loading never extracts anything to disk: members are read into memory after every name is
checked for ``..``/absolute paths and every declared size against sane limits (zip bombs).
Every failure is a :class:`~f1studio.project.errors.ProjectError` with one clear message.
"""

from __future__ import annotations

import io
import json
import os
import re
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from f1studio.document.document import Document, check_canvas_size
from f1studio.document.layers import (
    COMMON_PROPERTIES,
    KIND_PROPERTIES,
    Layer,
    LayerKind,
    validate_property,
)
from f1studio.document.settings import GenerationSettings
from f1studio.project import errors
from f1studio.project.atomic import PathLike
from f1studio.project.migrations import migrate

MANIFEST_NAME = "manifest.json"

# Limits that no real project reaches; anything above is treated as damaged or hostile.
MAX_LAYERS = 1_000
MAX_MEMBERS = 4 * MAX_LAYERS + 16
MAX_MANIFEST_BYTES = 16 * 2**20
MAX_MEMBER_BYTES = 2 * 2**30
MAX_TOTAL_BYTES = 16 * 2**30
MAX_DECODED_BYTES = 16 * 2**30

_PROPERTY_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "prompt": (str,),
    "negative_prompt": (str,),
    "visible": (bool,),
    "locked": (bool,),
    "feather": (int,),
    "curve": (list, type(None)),
}


# ---- loading ----------------------------------------------------------------------------------
def load_project(path: PathLike) -> Document:
    """Open a ``.f1s`` file and return the document exactly as it was saved.

    Raises a :class:`ProjectError` subclass with a user-facing message; never writes anything.
    """
    file = Path(path)
    name = file.name
    if not file.exists():
        raise errors.ProjectNotFoundError(f"Cannot open '{name}': the file does not exist.", path)
    if file.is_dir():
        raise errors.ProjectNotFoundError(
            f"Cannot open '{name}': it is a folder, not a file.", path
        )
    try:
        with zipfile.ZipFile(file, "r") as zf:
            return _read_archive(zf, name)
    except errors.ProjectError as exc:
        if exc.path is None:
            exc.path = os.fspath(path)
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise errors.DamagedProjectError(
            f"Cannot open '{name}': it is not an F1 Studio project or it is damaged ({exc}).",
            path,
        ) from exc
    except OSError as exc:
        raise errors.ProjectError(f"Cannot open '{name}': {exc.strerror or exc}.", path) from exc


def _read_archive(zf: zipfile.ZipFile, name: str) -> Document:
    infos = _check_members(zf, name)
    if MANIFEST_NAME not in infos:
        raise errors.MissingManifestError(
            f"Cannot open '{name}': it has no {MANIFEST_NAME}, so it is not an F1 Studio "
            "project or it is damaged."
        )
    raw = _read_member(zf, infos[MANIFEST_NAME], name, MAX_MANIFEST_BYTES)
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise errors.ManifestError(
            f"Cannot open '{name}': its manifest is not UTF-8 text."
        ) from exc
    except json.JSONDecodeError as exc:
        raise errors.ManifestError(
            f"Cannot open '{name}': its manifest is damaged (invalid JSON at line "
            f"{exc.lineno}, column {exc.colno})."
        ) from exc
    if not isinstance(manifest, dict):
        raise errors.ManifestError(f"Cannot open '{name}': its manifest is not a JSON object.")
    try:
        manifest = migrate(manifest)
    except errors.NewerFormatError:
        raise
    except errors.ManifestError as exc:
        reason = exc.message[:1].lower() + exc.message[1:]
        raise errors.ManifestError(f"Cannot open '{name}': {reason}") from exc
    return _build_document(zf, infos, manifest, name)


def _check_members(zf: zipfile.ZipFile, name: str) -> dict[str, zipfile.ZipInfo]:
    """Refuse unsafe names, encrypted or duplicate entries and oversized declarations."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise errors.ProjectTooLargeError(
            f"Refusing to open '{name}': it has {len(infos)} entries; a project has at most "
            f"{MAX_MEMBERS}."
        )
    by_name: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        member = info.filename
        parts = re.split(r"[/\\]", member)
        if member.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", member) or ".." in parts:
            raise errors.UnsafeProjectError(
                f"Refusing to open '{name}': it contains an entry with an unsafe path ({member!r})."
            )
        if member in by_name:
            raise errors.DamagedProjectError(
                f"Cannot open '{name}': entry {member!r} appears twice."
            )
        if info.flag_bits & 0x1:
            raise errors.DamagedProjectError(
                f"Cannot open '{name}': entry {member!r} is encrypted."
            )
        if info.file_size > MAX_MEMBER_BYTES:
            raise errors.ProjectTooLargeError(
                f"Refusing to open '{name}': entry {member!r} claims {size_text(info.file_size)}, "
                f"more than a project can hold (limit {size_text(MAX_MEMBER_BYTES)})."
            )
        total += info.file_size
        by_name[member] = info
    if total > MAX_TOTAL_BYTES:
        raise errors.ProjectTooLargeError(
            f"Refusing to open '{name}': it claims {size_text(total)} of content, more than a "
            f"project can hold (limit {size_text(MAX_TOTAL_BYTES)})."
        )
    return by_name


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limit: int) -> bytes:
    """Read one entry into memory, never more than its (checked) declared size."""
    if info.file_size > limit:
        raise errors.ProjectTooLargeError(
            f"Refusing to open '{name}': entry {info.filename!r} claims "
            f"{size_text(info.file_size)} (limit {size_text(limit)})."
        )
    with zf.open(info) as fh:
        data = fh.read(info.file_size + 1)
    if len(data) != info.file_size:
        raise errors.DamagedProjectError(
            f"Cannot open '{name}': entry {info.filename!r} is damaged (wrong size)."
        )
    return data


def _build_document(
    zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], m: dict[str, Any], name: str
) -> Document:
    def bad(reason: str) -> errors.ManifestError:
        return errors.ManifestError(f"Cannot open '{name}': its manifest is invalid ({reason}).")

    canvas = m.get("canvas")
    if not isinstance(canvas, dict):
        raise bad("no canvas size")
    try:
        width, height = check_canvas_size(canvas.get("width"), canvas.get("height"))
    except ValueError as exc:
        raise bad(str(exc)) from exc
    prompt, negative = m.get("prompt", ""), m.get("negative_prompt", "")
    if not isinstance(prompt, str) or not isinstance(negative, str):
        raise bad("prompts must be text")
    settings_data = m.get("settings", {})
    if not isinstance(settings_data, dict):
        raise bad("settings must be an object")
    try:
        settings = GenerationSettings(**settings_data)
    except (TypeError, ValueError) as exc:
        raise bad(f"settings: {exc}") from exc
    entries = m.get("layers", [])
    if not isinstance(entries, list) or len(entries) > MAX_LAYERS:
        raise bad(f"layers must be a list of at most {MAX_LAYERS}")
    specs = [_layer_spec(entry, i, bad) for i, entry in enumerate(entries)]
    decoded = sum(width * height * kind.channels for kind, *_ in specs)
    if decoded > MAX_DECODED_BYTES:
        raise errors.ProjectTooLargeError(
            f"Refusing to open '{name}': its layers would need {size_text(decoded)} of memory "
            f"(limit {size_text(MAX_DECODED_BYTES)})."
        )
    layers = []
    for index, (kind, layer_id, member, props) in enumerate(specs):
        label = f"layer {index + 1} ('{props.get('name') or kind.label}')"
        data = _read_layer_pixels(zf, infos, member, kind, width, height, name, label)
        try:
            layers.append(Layer(kind=kind, data=data, id=layer_id, **props))
        except (TypeError, ValueError) as exc:
            raise bad(f"{label}: {exc}") from exc
    try:
        return Document(width, height, prompt, negative, settings=settings, layers=layers)
    except (TypeError, ValueError) as exc:
        raise bad(str(exc)) from exc


def _layer_spec(
    entry: object, index: int, bad: Callable[[str], errors.ManifestError]
) -> tuple[LayerKind, str, str, dict[str, Any]]:
    """Check one manifest layer entry: (kind, id, member name, validated properties)."""
    if not isinstance(entry, dict):
        raise bad(f"layer {index + 1} is not an object")
    try:
        kind = LayerKind(entry.get("kind"))
    except ValueError:
        raise bad(f"layer {index + 1} has unknown kind {entry.get('kind')!r}") from None
    layer_id, member = entry.get("id"), entry.get("file")
    if not isinstance(layer_id, str) or not layer_id:
        raise bad(f"layer {index + 1} has no id")
    if not isinstance(member, str) or not member:
        raise bad(f"layer {index + 1} names no image file")
    raw_props = entry.get("properties", {})
    if not isinstance(raw_props, dict):
        raise bad(f"layer {index + 1} properties must be an object")
    props: dict[str, Any] = {}
    for key, value in raw_props.items():
        if key not in COMMON_PROPERTIES + KIND_PROPERTIES[kind]:
            raise bad(f"a {kind.label.lower()} layer has no property {key!r}")
        expected = _PROPERTY_TYPES.get(key)
        well_typed = isinstance(value, expected) if expected else _is_number(value)
        if key == "curve" and isinstance(value, list):
            well_typed = all(_is_number(x) for x in value)
        if not well_typed or (isinstance(value, bool) and expected != (bool,)):
            raise bad(f"layer {index + 1} property {key!r} has the wrong type")
        try:
            props[key] = validate_property(kind, key, value)
        except (TypeError, ValueError) as exc:
            raise bad(f"layer {index + 1}: {exc}") from exc
    return kind, layer_id, member, props


def _read_layer_pixels(
    zf: zipfile.ZipFile,
    infos: dict[str, zipfile.ZipInfo],
    member: str,
    kind: LayerKind,
    width: int,
    height: int,
    name: str,
    label: str,
) -> np.ndarray:
    """Decode one layer PNG after checking its header: format, mode and size."""
    info = infos.get(member)
    if info is None:
        raise errors.LayerImageError(
            f"Cannot open '{name}': the image of {label} ({member}) is missing."
        )
    # A PNG never needs much more than its raw pixels plus filter bytes and chunk overhead.
    limit = width * height * kind.channels * 17 // 16 + height + 2**20
    data = _read_member(zf, info, name, limit)
    mode = "RGBA" if kind.is_picture else "L"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=["PNG"])
            if image.mode != mode or image.size != (width, height):
                raise errors.LayerImageError(
                    f"Cannot open '{name}': the image of {label} is {image.size[0]}x"
                    f"{image.size[1]} {image.mode}, expected {width}x{height} {mode}."
                )
            image.load()
            return np.array(image, dtype=np.uint8)
    except errors.LayerImageError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, zlib.error, Warning) as exc:
        raise errors.LayerImageError(
            f"Cannot open '{name}': the image of {label} ({member}) is damaged."
        ) from exc
    except Image.DecompressionBombError as exc:
        raise errors.LayerImageError(
            f"Cannot open '{name}': the image of {label} ({member}) is too large."
        ) from exc


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def size_text(nbytes: int) -> str:
    """A byte count for messages: '3.2 MB'."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20)):
        if nbytes >= scale:
            return f"{nbytes / scale:.1f} {unit}"
    return f"{nbytes / 1024:.1f} KB"
