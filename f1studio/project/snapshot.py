"""What a save writes, taken in a moment and written at leisure, re-encoding only what changed.

:meth:`ProjectSnapshot.take` runs where the document lives (the UI thread): it builds the
manifest and, for each layer, either reuses the PNG it wrote or read last time (from a
:class:`LayerPngCache`, while the layer's pixels are unchanged) or copies the pixels to encode.
That costs a copy of the changed layers only, so it never stalls a brush stroke.
:meth:`ProjectSnapshot.write` may then run on any thread: it encodes the copied layers and
writes the archive atomically. :meth:`ProjectSnapshot.remember` (back where the document lives)
files the new PNGs in the cache, so the next save of a large, mostly unchanged document only
encodes the layers edited since.

A cached PNG is current while the layer still holds the same array (a canvas resize replaces
the arrays) and :meth:`Document.pixel_revision` has not moved (every committed pixel edit,
undo and redo moves it).
"""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
from PIL import Image

from f1studio import __version__
from f1studio.document.document import Document
from f1studio.document.layers import validate_property
from f1studio.project import errors
from f1studio.project.atomic import PathLike, write_atomically
from f1studio.project.manifest_schema import MANIFEST_NAME, check_before_saving
from f1studio.project.migrations import CURRENT_FORMAT

PNG_COMPRESS_LEVEL = 3  # lossless either way; 3 is much faster than 6 for nearly the same size

_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class EncodedLayer:
    """The PNG of one layer and what it was made from: the live array (by identity) and the
    document's pixel revision of that layer at the time."""

    source: np.ndarray
    revision: int
    png: bytes


class LayerPngCache:
    """The PNG of each layer as last written or read, by layer id (one cache per document)."""

    def __init__(self) -> None:
        self._entries: dict[str, EncodedLayer] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def current(self, key: str, source: np.ndarray, revision: int) -> bytes | None:
        """The cached PNG of ``key`` when it was made from ``source`` at ``revision``."""
        entry = self._entries.get(key)
        if entry is None or entry.source is not source or entry.revision != revision:
            return None
        return entry.png

    def store(self, layer_id: str, entry: EncodedLayer) -> None:
        self._entries[layer_id] = entry

    def keep_only(self, keys: set[str]) -> None:
        """Forget layers and results no longer in the document (and the arrays they hold)."""
        for key in set(self._entries) - keys:
            del self._entries[key]


def encode_png(pixels: np.ndarray) -> bytes:
    """Pixels as a lossless PNG: RGBA for (H, W, 4), RGB for (H, W, 3), greyscale for (H, W)."""
    mode = {4: "RGBA", 3: "RGB"}[pixels.shape[2]] if pixels.ndim == 3 else "L"
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels), mode).save(
        out, format="PNG", compress_level=PNG_COMPRESS_LEVEL
    )
    return out.getvalue()


@dataclass
class _Member:
    """One layer PNG of a snapshot: cached bytes, or a private copy of the pixels to encode."""

    name: str
    key: str  # the cache key: a layer's id, or "result:" + a result's id
    source: np.ndarray
    revision: int
    png: bytes | None
    pixels: np.ndarray | None

    def encoded(self) -> bytes:
        if self.png is None:
            assert self.pixels is not None
            self.png = encode_png(self.pixels)
            self.pixels = None  # the copy is not needed any more
        return self.png


class ProjectSnapshot:
    """A document frozen for writing: the manifest bytes and one member per layer."""

    def __init__(
        self, manifest: bytes, members: list[_Member], layers: int, cacheable: bool = True
    ) -> None:
        self.manifest = manifest
        self.members = members
        self.layers = layers  # how many of the members are layers (the rest are results)
        # pixels copied in the middle of a brush stroke may never be committed: not cached
        self.cacheable = cacheable
        self.stamp = time.localtime()[:6]

    @property
    def to_encode(self) -> int:
        """How many layers this snapshot must still encode (the others come from the cache)."""
        return sum(1 for m in self.members if m.png is None)

    @classmethod
    def take(cls, doc: Document, name: str, cache: LayerPngCache | None = None) -> ProjectSnapshot:
        """Freeze ``doc`` (call where the document lives). ``name`` is used in errors only.

        Raises :class:`ProjectSaveError` when a layer cannot be stored (wrong size or type).
        """
        manifest, files = build_manifest(doc, name)
        check_before_saving(manifest, name)
        sources = [(layer.id, layer.data, doc.pixel_revision(layer.id)) for layer in doc.layers]
        sources += [(f"result:{r.id}", r.image, 0) for r in doc.results]
        members = []
        for member, (key, source, revision) in zip(files, sources, strict=True):
            png = cache.current(key, source, revision) if cache is not None else None
            copy = None if png is not None else source.copy()
            members.append(_Member(member, key, source, revision, png, copy))
        if cache is not None:
            cache.keep_only({key for key, _, _ in sources})
        payload = json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8")
        return cls(payload, members, len(doc.layers), cacheable=not doc.stroke_open)

    def write(self, path: PathLike) -> Path:
        """Encode what is left and write the archive atomically (any thread). OSError on
        failure, with ``path`` untouched."""

        def write(fh: IO[bytes]) -> None:
            with zipfile.ZipFile(fh, "w", allowZip64=True) as zf:
                info = zipfile.ZipInfo(MANIFEST_NAME, date_time=self.stamp)
                zf.writestr(info, self.manifest, compress_type=zipfile.ZIP_DEFLATED)
                for member in self.members:
                    info = zipfile.ZipInfo(member.name, date_time=self.stamp)
                    zf.writestr(info, member.encoded(), compress_type=zipfile.ZIP_STORED)

        return write_atomically(path, write)

    def remember(self, cache: LayerPngCache) -> None:
        """File this snapshot's PNGs in ``cache`` (after a successful write)."""
        if not self.cacheable:
            return
        for member in self.members:
            if member.png is not None:
                cache.store(member.key, EncodedLayer(member.source, member.revision, member.png))


def build_manifest(doc: Document, name: str) -> tuple[dict[str, Any], list[str]]:
    """The manifest and the member names of the PNGs: the layers' then the results' (checked
    before touching disk)."""
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
            if isinstance(value, tuple):  # a curve's numbers, a region's LoRAs
                value = [v.to_json() if hasattr(v, "to_json") else v for v in value]
            props[key] = value
        stem = layer.id if _SAFE_ID.fullmatch(str(layer.id)) else f"layer-{index:04d}"
        member, attempt = f"layers/{stem}.png", 0
        while member in used:  # an unsafe id's stand-in may be another layer's real id
            attempt += 1
            member = f"layers/layer-{index:04d}-{attempt}.png"
        used.add(member)
        files.append(member)
        entries.append(
            {"id": layer.id, "kind": layer.kind.value, "file": member, "properties": props}
        )
    items = []
    for record in doc.results:
        member = f"results/{record.id}.png"
        files.append(member)
        items.append(
            {
                "id": record.id,
                "file": member,
                "created": record.created,
                "applied_layer": doc.results.applied_layer(record.id),
                "request": record.request,
            }
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
        "results": {"limit": doc.results.limit, "items": items},
    }
    return manifest, files
