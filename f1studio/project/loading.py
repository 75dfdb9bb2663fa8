"""Open ``.f1s`` project files (the format is described in :mod:`f1studio.project.f1s`).

Loading never extracts anything to disk: members are read into memory after every name is
checked for ``..``/absolute paths and every declared size against sane limits (zip bombs).
Every failure is a :class:`~f1studio.project.errors.ProjectError` with one clear message.
"""

from __future__ import annotations

import io
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

from f1studio.document.document import MAX_SIZE, Document
from f1studio.document.layers import Layer, LayerKind
from f1studio.document.results import ResultHistory, ResultRecord
from f1studio.project import errors
from f1studio.project.atomic import PathLike, remove_stale_temporaries
from f1studio.project.manifest_schema import (
    MANIFEST_NAME,
    MAX_LAYERS,
    CheckedManifest,
    check_manifest,
    parse_manifest,
)
from f1studio.project.migrations import migrate
from f1studio.project.snapshot import EncodedLayer, LayerPngCache

MAX_RESULT_PNG_BYTES = MAX_SIZE * MAX_SIZE * 3 * 17 // 16 + MAX_SIZE + 2**20

# Limits that no real project reaches; anything above is treated as damaged or hostile. What
# the manifest may ask for (layers, pixels, prompt lengths) is bounded in manifest_schema.
MAX_MEMBERS = 4 * MAX_LAYERS + 16
MAX_MANIFEST_BYTES = 16 * 2**20
MAX_MEMBER_BYTES = 2 * 2**30
MAX_TOTAL_BYTES = 16 * 2**30


# ---- loading ----------------------------------------------------------------------------------
def load_project(path: PathLike, cache: LayerPngCache | None = None) -> Document:
    """Open a ``.f1s`` file and return the document exactly as it was saved.

    ``cache``: file each layer's PNG there, so saving the document again only encodes the
    layers changed after opening it.

    Raises a :class:`ProjectError` subclass with a user-facing message. Writes nothing; the
    only change on disk is the removal of temporary files that killed saves of this very
    project left beside it (see :func:`~f1studio.project.atomic.remove_stale_temporaries`).
    """
    file = Path(path)
    name = file.name
    if not file.exists():
        raise errors.ProjectNotFoundError(f"Cannot open '{name}': the file does not exist.", path)
    if file.is_dir():
        raise errors.ProjectNotFoundError(
            f"Cannot open '{name}': it is a folder, not a file.", path
        )
    remove_stale_temporaries(file)  # left by saves of this project that were killed mid-way
    try:
        with zipfile.ZipFile(file, "r") as zf:
            return _read_archive(zf, name, cache)
    except errors.ProjectError as exc:
        if exc.path is None:
            exc.path = os.fspath(path)
        raise
    except UnicodeDecodeError as exc:  # zipfile decoding a name flagged UTF-8 that is not
        raise errors.DamagedProjectError(
            f"Cannot open '{name}': it is damaged (an entry name is not valid UTF-8).", path
        ) from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise errors.DamagedProjectError(
            f"Cannot open '{name}': it is not an F1 Studio project or it is damaged ({exc}).",
            path,
        ) from exc
    except MemoryError as exc:
        raise errors.ProjectTooLargeError(
            f"Refusing to open '{name}': it needs more memory than this computer has.", path
        ) from exc
    except OSError as exc:
        raise errors.ProjectError(f"Cannot open '{name}': {exc.strerror or exc}.", path) from exc


def _read_archive(zf: zipfile.ZipFile, name: str, cache: LayerPngCache | None) -> Document:
    infos = _check_members(zf, name)
    if MANIFEST_NAME not in infos:
        raise errors.MissingManifestError(
            f"Cannot open '{name}': it has no {MANIFEST_NAME}, so it is not an F1 Studio "
            "project or it is damaged."
        )
    raw = _read_member(zf, infos[MANIFEST_NAME], name, MAX_MANIFEST_BYTES)
    manifest = parse_manifest(raw, name)
    try:
        manifest = migrate(manifest)
    except errors.NewerFormatError:
        raise
    except errors.ManifestError as exc:
        reason = exc.message[:1].lower() + exc.message[1:]
        raise errors.ManifestError(f"Cannot open '{name}': {reason}") from exc
    return _build_document(zf, infos, manifest, name, cache)


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
    zf: zipfile.ZipFile,
    infos: dict[str, zipfile.ZipInfo],
    m: dict[str, Any],
    name: str,
    cache: LayerPngCache | None,
) -> Document:
    checked = check_manifest(m, name)
    width, height = checked.width, checked.height
    layers = []
    for index, entry in enumerate(checked.layers):
        label = f"layer {index + 1} ('{entry.label}')"
        data, png = _read_layer_pixels(
            zf, infos, entry.file, entry.kind, width, height, name, label
        )
        layers.append(Layer(kind=entry.kind, data=data, id=entry.id, **entry.properties))
        if cache is not None:  # the document's pixel revisions start at 0
            cache.store(entry.id, EncodedLayer(data, 0, png))
    return Document(
        width,
        height,
        checked.prompt,
        checked.negative_prompt,
        settings=checked.settings,
        layers=layers,
        results=_read_results(zf, infos, checked, name, cache),
    )


def _read_results(
    zf: zipfile.ZipFile,
    infos: dict[str, zipfile.ZipInfo],
    checked: CheckedManifest,
    name: str,
    cache: LayerPngCache | None,
) -> ResultHistory:
    """The generation history; each picture's header is checked against what the layers left
    of the memory budget before it is decoded."""
    history = ResultHistory(checked.results.limit)
    budget = checked.pixel_budget()
    for index, entry in enumerate(checked.results.items):
        label = f"result {index + 1}"
        info = infos.get(entry.file)
        if info is None:
            raise errors.LayerImageError(
                f"Cannot open '{name}': the picture of {label} ({entry.file}) is missing."
            )
        data = _read_member(zf, info, name, MAX_RESULT_PNG_BYTES)

        image = _decode_png(data, _result_fits(name, budget), name, label, entry.file)
        budget -= image.nbytes
        record = ResultRecord(image, entry.request, entry.created, entry.id)
        history.add(record, applied_layer=entry.applied_layer)
        if cache is not None:
            cache.store(f"result:{entry.id}", EncodedLayer(image, 0, data))
    return history


def _result_fits(name: str, budget: int) -> Callable[[tuple[int, int], str], str | None]:
    """What a result's PNG header must say: RGB, within the canvas limits and the budget."""

    def fits(size: tuple[int, int], mode: str) -> str | None:
        w, h = size
        if mode != "RGB" or not (0 < w <= MAX_SIZE and 0 < h <= MAX_SIZE):
            return f"is {w}x{h} {mode}, expected an RGB picture of at most {MAX_SIZE}x{MAX_SIZE}"
        if w * h * 3 > budget:
            raise errors.ProjectTooLargeError(
                f"Refusing to open '{name}': its results would need more memory than a "
                "project may hold."
            )
        return None

    return fits


def _read_layer_pixels(
    zf: zipfile.ZipFile,
    infos: dict[str, zipfile.ZipInfo],
    member: str,
    kind: LayerKind,
    width: int,
    height: int,
    name: str,
    label: str,
) -> tuple[np.ndarray, bytes]:
    """Decode one layer PNG after checking its header: format, mode and size. Returns the
    pixels and the PNG they came from."""
    info = infos.get(member)
    if info is None:
        raise errors.LayerImageError(
            f"Cannot open '{name}': the image of {label} ({member}) is missing."
        )
    # A PNG never needs much more than its raw pixels plus filter bytes and chunk overhead.
    limit = width * height * kind.channels * 17 // 16 + height + 2**20
    data = _read_member(zf, info, name, limit)
    mode = "RGBA" if kind.is_picture else "L"

    def fits(size: tuple[int, int], found: str) -> str | None:
        if found != mode or size != (width, height):
            return f"is {size[0]}x{size[1]} {found}, expected {width}x{height} {mode}"
        return None

    return _decode_png(data, fits, name, label, member), data


def _decode_png(
    data: bytes,
    fits: Callable[[tuple[int, int], str], str | None],
    name: str,
    label: str,
    member: str,
) -> np.ndarray:
    """Decode a PNG once ``fits(size, mode)`` accepted its header (None) instead of saying
    what is wrong with it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=["PNG"])
            problem = fits(image.size, image.mode)
            if problem is not None:
                raise errors.LayerImageError(
                    f"Cannot open '{name}': the image of {label} {problem}."
                )
            image.load()
            return np.array(image, dtype=np.uint8)
    except errors.ProjectError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, zlib.error, Warning) as exc:
        raise errors.LayerImageError(
            f"Cannot open '{name}': the image of {label} ({member}) is damaged."
        ) from exc
    except Image.DecompressionBombError as exc:
        raise errors.LayerImageError(
            f"Cannot open '{name}': the image of {label} ({member}) is too large."
        ) from exc


def size_text(nbytes: int) -> str:
    """A byte count for messages: '3.2 MB'."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20)):
        if nbytes >= scale:
            return f"{nbytes / scale:.1f} {unit}"
    return f"{nbytes / 1024:.1f} KB"
