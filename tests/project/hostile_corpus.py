"""The hostile corpus: 56 damaged or malicious project files and 17 hostile images, built on
demand into a folder (nothing binary is committed).

``python -m tests.project.hostile_corpus OUT`` writes them all and prints one line per file.
Each project case says whether it must open (a few honest edge cases) or be refused with one
line, and whether it is an *amplification* case: a small file that asks the loader for far more
memory or time than its size, whose peak memory the tests measure in a child process.
"""

from __future__ import annotations

import io
import json
import struct
import sys
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from f1studio.project.f1s import MANIFEST_NAME, save_project
from tests.project.conftest import full_document

PROJECT_COUNT, IMAGE_COUNT = 56, 17
BIG = 2048  # the largest canvas: amplification cases ask for many layers of it


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[], bytes]
    opens: bool = False  # an honest file that must open
    amplification: bool = False  # a small file asking for a lot: memory is measured


# ---- building blocks --------------------------------------------------------------------------
def _members() -> dict[str, bytes]:
    """The members of a valid 96x64 project with all six layer kinds."""
    with tempfile.TemporaryDirectory() as folder:
        path = save_project(full_document(), Path(folder) / "valid.f1s")
        with zipfile.ZipFile(path) as zf:
            return {info.filename: zf.read(info) for info in zf.infolist()}


_BASE: dict[str, bytes] = {}


def base() -> dict[str, bytes]:
    if not _BASE:
        _BASE.update(_members())
    return dict(_BASE)


def manifest() -> dict[str, Any]:
    return json.loads(base()[MANIFEST_NAME])


def zip_bytes(members: dict[str, bytes], *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def with_manifest(change: Callable[[dict[str, Any]], object] | None = None, **top: Any) -> bytes:
    m = manifest()
    m.update(top)
    if change is not None:
        change(m)
    return zip_bytes({**base(), MANIFEST_NAME: json.dumps(m).encode()})


def raw_manifest(text: bytes | str) -> bytes:
    data = text.encode() if isinstance(text, str) else text
    return zip_bytes({**base(), MANIFEST_NAME: data})


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def png_header(width: int, height: int, mode: int = 6) -> bytes:
    """A PNG declaring ``width`` x ``height`` (colour type ``mode``) with one empty IDAT."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, mode, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def with_layer_png(data: bytes, member: str = "layers/p-1.png") -> bytes:
    return zip_bytes({**base(), member: data})


def _patch_central(data: bytes, member: bytes, offset: int, fmt: str, value: int) -> bytes:
    """Rewrite one field of ``member``'s central directory entry."""
    out = bytearray(data)
    pos = out.find(b"PK\x01\x02")
    while pos != -1:
        name_len = struct.unpack_from("<H", out, pos + 28)[0]
        if bytes(out[pos + 46 : pos + 46 + name_len]) == member:
            struct.pack_into(fmt, out, pos + offset, value)
            return bytes(out)
        pos = out.find(b"PK\x01\x02", pos + 4)
    raise AssertionError(member)


def _rename_everywhere(data: bytes, old: bytes, new: bytes) -> bytes:
    assert len(old) == len(new)
    return data.replace(old, new)


def big_project(
    layers: list[dict[str, Any]], members: dict[str, bytes], size: int = BIG, **top: Any
) -> bytes:
    """A project on a ``size`` x ``size`` canvas (the largest by default) with these layers."""
    m = manifest()
    m.update(canvas={"width": size, "height": size}, layers=layers, **top)
    m.pop("results", None)  # the sample document's results are not among ``members``
    return zip_bytes({MANIFEST_NAME: json.dumps(m).encode(), **members})


def blank_png(mode: str = "RGBA", size: int = BIG) -> bytes:
    out = io.BytesIO()
    Image.new(mode, (size, size)).save(out, format="PNG", compress_level=9)
    return out.getvalue()


def paint_entry(index: int, member: str) -> dict[str, Any]:
    return {"id": f"p{index}", "kind": "paint", "file": member, "properties": {}}


# ---- project cases ----------------------------------------------------------------------------
def _shared_png(count: int) -> bytes:
    layers = [paint_entry(i, "layers/one.png") for i in range(count)]
    return big_project(layers, {"layers/one.png": blank_png()})


def _over_canvas_budget() -> bytes:
    """130 distinct paint layers of the largest canvas: 130 canvases of pixels (cap: 128)."""
    layers = [paint_entry(i, f"layers/{i}.png") for i in range(130)]
    one = blank_png()
    return big_project(layers, {f"layers/{i}.png": one for i in range(130)})


def _zip_bomb_layer() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in base().items():
            if name != "layers/p-1.png":
                zf.writestr(name, data)
        with zf.open("layers/p-1.png", "w") as fh:
            chunk = b"\0" * 2**20
            for _ in range(512):  # 512 MiB of zeros deflate to about 500 KiB
                fh.write(chunk)
    return out.getvalue()


def _duplicate_member() -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(out, "w") as zf:
            for name, data in base().items():
                zf.writestr(name, data)
            zf.writestr(MANIFEST_NAME, b'{"format_version": 2}')
    return out.getvalue()


def _non_utf8_name() -> bytes:
    data = zip_bytes({**base(), "layers/é.png": b"x"})  # a non-ASCII name sets flag 0x800
    return _rename_everywhere(data, "layers/é.png".encode(), b"layers/\xff\xfe.png")


def _encrypted() -> bytes:
    data = zip_bytes(base())
    member = b"layers/p-1.png"
    flags = 1  # "encrypted" in the central directory
    return _patch_central(data, member, 8, "<H", flags)


def _unknown_compression() -> bytes:
    data = zip_bytes(base())
    return _patch_central(data, MANIFEST_NAME.encode(), 10, "<H", 99)


def _crc_mismatch() -> bytes:
    data = bytearray(zip_bytes(base(), method=zipfile.ZIP_STORED))
    pos = data.find(b'"format_version"')
    data[pos + 1] = ord("F")
    return bytes(data)


def _declared_size(size: int, member: str = "layers/p-1.png") -> bytes:
    return _patch_central(zip_bytes(base()), member.encode(), 24, "<I", size)


def _member_larger_than_declared() -> bytes:
    m = json.dumps(manifest()).encode() + b" " * 2**20
    data = zip_bytes({**base(), MANIFEST_NAME: m})
    return _patch_central(data, MANIFEST_NAME.encode(), 24, "<I", 100)


def _too_many_members() -> bytes:
    return zip_bytes({**base(), **{f"junk/{i}": b"" for i in range(1100)}})


def _legacy_format_1() -> bytes:
    m = manifest()
    models = m["settings"]["models"]
    nets = models.pop("controlnets")
    models.update(edge_controlnet=nets["edge"], depth_controlnet=nets["depth"])
    m["format_version"] = 1
    return zip_bytes({**base(), MANIFEST_NAME: json.dumps(m).encode()})


def _symlink_member() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in base().items():
            zf.writestr(name, data)
        link = zipfile.ZipInfo("results/link")
        link.external_attr = (0o120777 << 16) | 0x20
        zf.writestr(link, "/etc/passwd")
    return out.getvalue()


def _settings(**values: Any) -> Callable[[dict[str, Any]], object]:
    return lambda m: m["settings"].update(values)


def _models(**values: Any) -> Callable[[dict[str, Any]], object]:
    return lambda m: m["settings"]["models"].update(values)


def _layer(index: int, **values: Any) -> Callable[[dict[str, Any]], object]:
    return lambda m: m["layers"][index].update(values)


def _prop(index: int, **values: Any) -> Callable[[dict[str, Any]], object]:
    return lambda m: m["layers"][index]["properties"].update(values)


def _replace_value(text: str) -> Callable[[], bytes]:
    """The valid manifest with ``"steps": 37`` replaced by raw JSON ``text``."""
    return lambda: raw_manifest(json.dumps(manifest()).replace('"steps": 37', f'"steps": {text}'))


def _seed_text(text: str) -> Callable[[], bytes]:
    text_manifest = json.dumps(manifest())
    seed = f'"seed": {manifest()["settings"]["seed"]}'
    assert seed in text_manifest
    return lambda: raw_manifest(text_manifest.replace(seed, f'"seed": {text}'))


def _canvas_text(text: str) -> Callable[[], bytes]:
    return lambda: raw_manifest(json.dumps(manifest()).replace('"width": 96', f'"width": {text}'))


def project_cases() -> list[Case]:
    grey = Image.new("L", (96, 64))
    region_bomb = "a " * (15 * 2**19)  # 15 MiB
    cases = [
        # the archive
        Case("not-a-zip", lambda: b"just some notes\n"),
        Case("empty-file", lambda: b""),
        Case("random-bytes", lambda: np.random.default_rng(1).bytes(4096)),
        Case("truncated-half", lambda: zip_bytes(base())[: len(zip_bytes(base())) // 2]),
        Case("truncated-central-directory", lambda: zip_bytes(base())[:-10]),
        Case("empty-zip", lambda: zip_bytes({})),
        Case(
            "missing-manifest",
            lambda: zip_bytes({k: v for k, v in base().items() if k != MANIFEST_NAME}),
        ),
        Case("zip-bomb-declared-4gb", lambda: _declared_size(0xFFFF_FFF0)),
        Case(
            "zip-bomb-manifest-64mb", lambda: raw_manifest(b" " * (64 * 2**20)), amplification=True
        ),
        Case("zip-bomb-layer-512mb", _zip_bomb_layer, amplification=True),
        Case("member-larger-than-declared", _member_larger_than_declared),
        Case("path-traversal-dotdot", lambda: zip_bytes({**base(), "../evil": b"owned"})),
        Case("path-traversal-nested", lambda: zip_bytes({**base(), "layers/../../evil": b"x"})),
        Case("path-traversal-absolute", lambda: zip_bytes({**base(), "/tmp/evil": b"owned"})),
        Case("path-traversal-backslash", lambda: zip_bytes({**base(), "..\\evil": b"owned"})),
        Case("path-traversal-drive", lambda: zip_bytes({**base(), "C:/evil": b"owned"})),
        Case("duplicate-member", _duplicate_member),
        Case("encrypted-member", _encrypted),
        Case("unknown-compression", _unknown_compression),
        Case("crc-mismatch", _crc_mismatch),
        Case("too-many-members", _too_many_members),
        Case("non-utf8-member-name", _non_utf8_name),
        Case("symlink-member-ignored", _symlink_member, opens=True),
        Case(
            "unknown-member-ignored",
            lambda: zip_bytes({**base(), "results/x.png": b"l"}),
            opens=True,
        ),
        # the manifest as JSON
        Case("manifest-not-json", lambda: raw_manifest('{"format_version": 2,,}')),
        Case("manifest-not-utf8", lambda: raw_manifest(b'{"prompt": "\xff\xfe"}')),
        Case("manifest-is-a-list", lambda: raw_manifest("[1, 2, 3]")),
        Case(
            "nested-arrays-100000",
            lambda: raw_manifest("[" * 100_000 + "]" * 100_000),
            amplification=True,
        ),
        Case(
            "nested-objects-40",
            lambda: with_manifest(app=json.loads('{"a":' * 40 + "1" + "}" * 40)),
        ),
        Case("newer-format", lambda: with_manifest(format_version=99)),
        Case("format-version-text", lambda: with_manifest(format_version="2")),
        Case("format-1-migrates", _legacy_format_1, opens=True),
        # manifest values
        Case("steps-infinity", _replace_value("Infinity")),
        Case("steps-nan", _replace_value("NaN")),
        Case("steps-1e999", _replace_value("1e999")),
        Case("steps-text", lambda: with_manifest(_settings(steps="8"))),
        Case("seed-5000-digits", lambda: _seed_text("9" * 5000)()),
        Case("canvas-infinity", _canvas_text("Infinity")),
        Case("canvas-huge", lambda: with_manifest(canvas={"width": 10**9, "height": 64})),
        Case("base-model-number", lambda: with_manifest(_models(base=5))),
        Case("controlnet-number", lambda: with_manifest(_models(controlnets={"edge": 1.5}))),
        Case("settings-not-object", lambda: with_manifest(settings=[1, 2])),
        Case("layer-unknown-kind", lambda: with_manifest(_layer(0, kind="hologram"))),
        Case("layer-property-wrong-type", lambda: with_manifest(_prop(2, weight="heavy"))),
        Case("duplicate-layer-ids", lambda: with_manifest(_layer(1, id="ref"))),
        # amplification
        Case("prompt-15mib", lambda: with_manifest(prompt=region_bomb), amplification=True),
        Case(
            "region-prompt-15mib",
            lambda: with_manifest(_prop(2, prompt=region_bomb)),
            amplification=True,
        ),
        Case("200-layers-share-one-png", lambda: _shared_png(200), amplification=True),
        Case("1000-layers", lambda: _shared_png(1000), amplification=True),
        Case("130-canvases-of-pixels", _over_canvas_budget, amplification=True),
        # layer images
        Case(
            "png-decompression-bomb",
            lambda: with_layer_png(png_header(60_000, 60_000)),
            amplification=True,
        ),
        Case("png-wrong-size", lambda: with_layer_png(png(Image.new("RGBA", (64, 64))))),
        Case("png-wrong-mode", lambda: with_layer_png(png(grey))),
        Case("png-truncated", lambda: with_layer_png(base()["layers/p-1.png"][:500])),
        Case("png-is-jpeg", lambda: with_layer_png(_jpeg(Image.new("RGB", (96, 64))))),
        Case(
            "png-missing",
            lambda: zip_bytes({k: v for k, v in base().items() if k != "layers/p-1.png"}),
        ),
    ]
    assert len(cases) == PROJECT_COUNT, len(cases)
    return cases


# ---- image cases ------------------------------------------------------------------------------
def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return out.getvalue()


def _animated(fmt: str) -> bytes:
    frames = [Image.new("RGB", (32, 24), colour) for colour in ("red", "green", "blue")]
    out = io.BytesIO()
    frames[0].save(out, format=fmt, save_all=True, append_images=frames[1:], duration=100)
    return out.getvalue()


def _saved(image: Image.Image, fmt: str, **kwargs: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def _palette_with_transparency() -> bytes:
    image = Image.new("P", (16, 16), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    return _saved(image, "PNG", transparency=0)


def _bad_crc() -> bytes:
    data = bytearray(_saved(Image.new("RGB", (16, 16), "red"), "PNG"))
    data[-20] ^= 0xFF  # inside the IDAT chunk: its CRC no longer matches
    return bytes(data)


def image_cases() -> list[Case]:
    photo = Image.fromarray(np.random.default_rng(2).integers(0, 256, (48, 64, 3), np.uint8))
    good_png = _saved(photo, "PNG")
    good_jpeg = _saved(photo, "JPEG")
    cases = [
        Case("corrupt.png", lambda: b"\x89PNG\r\n\x1a\n" + np.random.default_rng(3).bytes(500)),
        Case("truncated.png", lambda: good_png[: len(good_png) // 2]),
        Case("truncated.jpg", lambda: good_jpeg[: len(good_jpeg) // 2]),
        Case("empty.png", lambda: b""),
        Case("huge-dimensions.png", lambda: png_header(100_000, 100_000), amplification=True),
        Case("zero-by-zero.png", lambda: png_header(0, 0)),
        Case("bad-crc.png", _bad_crc),
        Case("animated.gif", lambda: _animated("GIF"), opens=True),
        Case("animated.png", lambda: _animated("PNG"), opens=True),
        Case(
            "cmyk.jpg",
            lambda: _saved(Image.new("CMYK", (20, 10), (0, 255, 0, 0)), "JPEG"),
            opens=True,
        ),
        Case("16-bit.png", lambda: _saved(Image.new("I;16", (20, 10), 40000), "PNG"), opens=True),
        Case("palette-transparency.png", _palette_with_transparency, opens=True),
        Case("svg-as.png", lambda: b'<svg xmlns="http://www.w3.org/2000/svg" width="9e9"/>'),
        Case("html-as.png", lambda: b"<!doctype html><html><script>alert(1)</script></html>"),
        Case("eps-as.png", lambda: b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n"),
        Case(
            "gif-huge-screen.gif", lambda: b"GIF89a" + struct.pack("<HH", 65535, 65535) + b"\0\0\0;"
        ),
        Case("text-as.jpg", lambda: b"not an image at all\n"),
    ]
    assert len(cases) == IMAGE_COUNT, len(cases)
    return cases


def write_corpus(folder: Path) -> dict[str, list[tuple[Case, Path]]]:
    """Write every case into ``folder/projects`` and ``folder/images``."""
    out: dict[str, list[tuple[Case, Path]]] = {"projects": [], "images": []}
    for group, cases, suffix in (
        ("projects", project_cases(), ".f1s"),
        ("images", image_cases(), ""),
    ):
        (folder / group).mkdir(parents=True, exist_ok=True)
        for case in cases:
            path = folder / group / f"{case.name}{suffix}"
            path.write_bytes(case.build())
            out[group].append((case, path))
    return out


if __name__ == "__main__":
    for group, entries in write_corpus(Path(sys.argv[1])).items():
        for _case, path in entries:
            print(f"{group}: {path.name} {path.stat().st_size} bytes")
