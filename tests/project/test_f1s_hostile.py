"""Damaged or hostile project files give one clear error and never change anything on disk."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from f1studio.document.document import Document
from f1studio.project import errors
from f1studio.project.f1s import MANIFEST_NAME, load_project, save_project
from f1studio.project.migrations import CURRENT_FORMAT
from tests.project.conftest import read_members, snapshot_dir, write_zip


@pytest.fixture
def members(tmp_path: Path, doc: Document) -> dict[str, bytes]:
    """The members of a valid project, ready to be tampered with."""
    return read_members(save_project(doc, tmp_path / "valid.f1s"))


def _manifest(members: dict[str, bytes]) -> dict:
    return json.loads(members[MANIFEST_NAME])


def _with_manifest(members: dict[str, bytes], manifest: dict) -> dict[str, bytes]:
    return {**members, MANIFEST_NAME: json.dumps(manifest).encode()}


def _png(array: np.ndarray, mode: str) -> bytes:
    out = io.BytesIO()
    Image.fromarray(array, mode).save(out, format="PNG")
    return out.getvalue()


def _expect(path: Path, error: type[errors.ProjectError], message: str) -> errors.ProjectError:
    """Loading fails with exactly ``error`` and ``message``; the folder is unchanged."""
    before = snapshot_dir(path.parent)
    with pytest.raises(error) as info:
        load_project(path)
    assert type(info.value) is error
    assert str(info.value) == message
    assert "\n" not in str(info.value)
    assert info.value.path == str(path)
    assert snapshot_dir(path.parent) == before
    return info.value


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(errors.ProjectNotFoundError, match="'gone.f1s': the file does not exist"):
        load_project(tmp_path / "gone.f1s")


def test_folder_instead_of_file(tmp_path: Path) -> None:
    (tmp_path / "dir.f1s").mkdir()
    with pytest.raises(errors.ProjectNotFoundError, match="it is a folder"):
        load_project(tmp_path / "dir.f1s")


def test_text_file_is_not_a_project(tmp_path: Path) -> None:
    path = tmp_path / "notes.f1s"
    path.write_text("just some notes\n")
    _expect(
        path,
        errors.DamagedProjectError,
        "Cannot open 'notes.f1s': it is not an F1 Studio project or it is damaged "
        "(File is not a zip file).",
    )


def test_truncated_project(tmp_path: Path, doc: Document) -> None:
    path = save_project(doc, tmp_path / "cut.f1s")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(errors.DamagedProjectError, match="'cut.f1s': it is not an F1 Studio"):
        load_project(path)


def test_missing_manifest(tmp_path: Path, members: dict[str, bytes]) -> None:
    del members[MANIFEST_NAME]
    path = write_zip(tmp_path / "p.f1s", members)
    _expect(
        path,
        errors.MissingManifestError,
        "Cannot open 'p.f1s': it has no manifest.json, so it is not an F1 Studio project or it "
        "is damaged.",
    )


def test_bad_json(tmp_path: Path, members: dict[str, bytes]) -> None:
    path = write_zip(tmp_path / "p.f1s", {**members, MANIFEST_NAME: b'{"format_version": 1,,}'})
    _expect(
        path,
        errors.ManifestError,
        "Cannot open 'p.f1s': its manifest is damaged (invalid JSON at line 1, column 22).",
    )


def test_newer_format(tmp_path: Path, members: dict[str, bytes]) -> None:
    manifest = {**_manifest(members), "format_version": 8}
    path = write_zip(tmp_path / "p.f1s", _with_manifest(members, manifest))
    error = _expect(
        path,
        errors.NewerFormatError,
        "This project was saved by a newer F1 Studio (format 8); this version reads up to "
        f"format {CURRENT_FORMAT}. Update F1 Studio to open it.",
    )
    assert isinstance(error, errors.NewerFormatError) and error.version == 8


@pytest.mark.parametrize("member", ["../evil", "layers/../../evil.png", "/tmp/evil", "..\\evil"])
def test_member_escaping_the_archive(
    tmp_path: Path, members: dict[str, bytes], member: str
) -> None:
    inner = tmp_path / "inner"
    inner.mkdir()
    path = write_zip(inner / "p.f1s", {**members, member: b"owned"})
    _expect(
        path,
        errors.UnsafeProjectError,
        f"Refusing to open 'p.f1s': it contains an entry with an unsafe path ({member!r}).",
    )
    assert not any(p.name.startswith("evil") for p in tmp_path.rglob("*"))


def _declare_size(path: Path, member: str, size: int) -> None:
    """Rewrite the uncompressed size that the central directory declares for ``member``."""
    data = bytearray(path.read_bytes())
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46 : pos + 46 + name_len].decode() == member:
            struct.pack_into("<I", data, pos + 24, size)
            path.write_bytes(bytes(data))
            return
        pos = data.find(b"PK\x01\x02", pos + 4)
    raise AssertionError(f"{member} not found")


def test_zip_bomb_declared_size(tmp_path: Path, members: dict[str, bytes]) -> None:
    path = write_zip(tmp_path / "bomb.f1s", members)
    _declare_size(path, "layers/p-1.png", 0xFFFF_FFF0)
    _expect(
        path,
        errors.ProjectTooLargeError,
        "Refusing to open 'bomb.f1s': entry 'layers/p-1.png' claims 4.0 GB, more than a "
        "project can hold (limit 2.0 GB).",
    )


def test_zip_bomb_huge_manifest(tmp_path: Path, members: dict[str, bytes]) -> None:
    # 64 MB of spaces deflate to ~64 KB; the size is checked before anything is inflated.
    path = write_zip(tmp_path / "bomb.f1s", {**members, MANIFEST_NAME: b" " * (64 * 2**20)})
    assert path.stat().st_size < 2**20
    _expect(
        path,
        errors.ProjectTooLargeError,
        "Refusing to open 'bomb.f1s': entry 'manifest.json' claims 64.0 MB (limit 16.0 MB).",
    )


def test_member_larger_than_declared_is_damaged(tmp_path: Path, members: dict[str, bytes]) -> None:
    payload = json.dumps(_manifest(members)).encode() + b" " * 2**20
    path = write_zip(tmp_path / "lie.f1s", {**members, MANIFEST_NAME: payload})
    _declare_size(path, MANIFEST_NAME, 100)  # inflating stops at the declared size
    with pytest.raises(errors.DamagedProjectError, match="'lie.f1s'"):
        load_project(path)


def test_layer_png_declaring_a_huge_image(tmp_path: Path, members: dict[str, bytes]) -> None:
    ihdr = struct.pack(">IIBBBBB", 60_000, 60_000, 8, 6, 0, 0, 0)
    chunk = struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    bomb = b"\x89PNG\r\n\x1a\n" + chunk + b"\0\0\0\0IEND\xaeB`\x82"
    path = write_zip(tmp_path / "p.f1s", {**members, "layers/p-1.png": bomb})
    with pytest.raises(errors.LayerImageError, match=r"layer 2 \('Sketch'\)"):
        load_project(path)


def test_layer_png_missing(tmp_path: Path, members: dict[str, bytes]) -> None:
    del members["layers/p-1.png"]
    path = write_zip(tmp_path / "p.f1s", members)
    _expect(
        path,
        errors.LayerImageError,
        "Cannot open 'p.f1s': the image of layer 2 ('Sketch') (layers/p-1.png) is missing.",
    )


def test_layer_png_wrong_size(tmp_path: Path, members: dict[str, bytes]) -> None:
    png = _png(np.zeros((64, 64, 4), np.uint8), "RGBA")
    path = write_zip(tmp_path / "p.f1s", {**members, "layers/p-1.png": png})
    _expect(
        path,
        errors.LayerImageError,
        "Cannot open 'p.f1s': the image of layer 2 ('Sketch') is 64x64 RGBA, expected 96x64 RGBA.",
    )


def test_layer_png_wrong_mode(tmp_path: Path, members: dict[str, bytes]) -> None:
    png = _png(np.zeros((64, 96, 3), np.uint8), "RGB")
    path = write_zip(tmp_path / "p.f1s", {**members, "layers/e.png": png})
    _expect(
        path,
        errors.LayerImageError,
        "Cannot open 'p.f1s': the image of layer 4 ('Edge guide') is 96x64 RGB, expected 96x64 L.",
    )


@pytest.mark.parametrize("damage", ["truncate", "garbage", "jpeg"])
def test_layer_png_damaged(tmp_path: Path, members: dict[str, bytes], damage: str) -> None:
    png = members["layers/p-1.png"]
    if damage == "truncate":
        bad = png[: len(png) // 2]
    elif damage == "garbage":
        bad = b"this is not a png"
    else:
        out = io.BytesIO()
        Image.new("RGB", (96, 64)).save(out, format="JPEG")
        bad = out.getvalue()
    path = write_zip(tmp_path / "p.f1s", {**members, "layers/p-1.png": bad})
    _expect(
        path,
        errors.LayerImageError,
        "Cannot open 'p.f1s': the image of layer 2 ('Sketch') (layers/p-1.png) is damaged.",
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda m: m.update(canvas={"width": 100, "height": 64}), "canvas: canvas size 100x64"),
        (lambda m: m.update(canvas=[96, 64]), "canvas must be an object with width and height"),
        (lambda m: m["layers"][0].update(kind="hologram"), "layers[0].kind 'hologram' is unknown"),
        (
            lambda m: m["layers"][2]["properties"].update(weight=9),
            "layers[2].properties.weight: weight must be within 0..2, not 9",
        ),
        (
            lambda m: m["layers"][2]["properties"].update(weight="1"),
            "layers[2].properties.weight must be a number, not '1'",
        ),
        (
            lambda m: m["layers"][0]["properties"].update(visible="no"),
            "layers[0].properties.visible must be true or false, not 'no'",
        ),
        (
            lambda m: m["layers"][0]["properties"].update(opacity=True),
            "layers[0].properties.opacity must be a number, not true",
        ),
        (
            lambda m: m["layers"][0]["properties"].update(prompt="x"),
            "layers[0].properties: a reference image layer has no property 'prompt'",
        ),
        (
            lambda m: m["layers"][3]["properties"].update(curve=["a"]),
            "layers[3].properties.curve must be a list of numbers or null, not a list",
        ),
        (lambda m: m["layers"][1].update(id="ref"), "layers[1].id 'ref' is already used by"),
        (lambda m: m["settings"].update(steps=0), "settings.steps must be 1..500, not 0"),
        (lambda m: m["settings"].update(sampler="x"), "settings has no field 'sampler'"),
        (lambda m: m.update(prompt=5), "prompt must be text, not 5"),
        (lambda m: m.update(layers={}), "layers must be a list, not an object"),
        (lambda m: m.update(format_version="1"), "no valid format version (found '1')"),
    ],
)
def test_invalid_manifest_content(
    tmp_path: Path, members: dict[str, bytes], change, reason: str
) -> None:
    manifest = _manifest(members)
    change(manifest)
    path = write_zip(tmp_path / "p.f1s", _with_manifest(members, manifest))
    before = snapshot_dir(tmp_path)
    with pytest.raises(errors.ManifestError) as info:
        load_project(path)
    assert str(info.value).startswith("Cannot open 'p.f1s': ")
    assert reason in str(info.value)
    assert snapshot_dir(tmp_path) == before


def test_failed_load_leaves_other_projects_alone(tmp_path: Path, doc: Document) -> None:
    path = save_project(doc, tmp_path / "p.f1s")
    before = snapshot_dir(tmp_path)
    (tmp_path / "broken.f1s").write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(errors.ProjectError):
        load_project(tmp_path / "broken.f1s")
    assert snapshot_dir(tmp_path) == {**before, "broken.f1s": snapshot_dir(tmp_path)["broken.f1s"]}
    assert load_project(path).layers[0].id == "ref"


def test_all_errors_share_the_base_class() -> None:
    for cls in (
        errors.ProjectNotFoundError,
        errors.DamagedProjectError,
        errors.MissingManifestError,
        errors.ManifestError,
        errors.LayerImageError,
        errors.UnsafeProjectError,
        errors.ProjectTooLargeError,
        errors.NewerFormatError,
        errors.ProjectSaveError,
    ):
        assert issubclass(cls, errors.ProjectError)
        assert issubclass(cls, errors.StudioFileError)
    assert issubclass(errors.ImageImportError, errors.StudioFileError)
    assert not issubclass(errors.ImageImportError, errors.ProjectError)


def test_unknown_members_are_ignored(tmp_path: Path, members: dict[str, bytes]) -> None:
    path = write_zip(tmp_path / "p.f1s", {**members, "results/0001.png": b"later"})
    assert [layer.id for layer in load_project(path).layers][:2] == ["ref", "p-1"]


def test_random_damage_only_ever_gives_project_errors(
    tmp_path: Path, members: dict[str, bytes]
) -> None:
    """Flip bytes inside members (valid zip CRCs) and in the archive itself."""
    rng = np.random.default_rng(7)
    names = sorted(members)
    outcomes: set[str] = set()
    for i in range(300):
        target = dict(members)
        name = names[i % len(names)]
        data = bytearray(target[name])
        for pos in rng.integers(0, len(data), size=int(rng.integers(1, 4))):
            data[pos] = int(rng.integers(0, 256))
        target[name] = bytes(data[: int(rng.integers(1, len(data) + 1))] if i % 5 == 0 else data)
        path = write_zip(tmp_path / "fuzz.f1s", target)
        if i % 3 == 0:
            raw = bytearray(path.read_bytes())
            raw[int(rng.integers(0, len(raw)))] ^= 0xFF
            path.write_bytes(bytes(raw))
        try:
            load_project(path)
            outcomes.add("loaded")
        except errors.ProjectError as exc:
            assert "\n" not in str(exc)
            outcomes.add(type(exc).__name__)
    assert {"LayerImageError", "ManifestError", "DamagedProjectError"} <= outcomes
