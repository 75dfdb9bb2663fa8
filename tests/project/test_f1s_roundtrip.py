"""Saving and loading a project restores everything exactly."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

import f1studio
from f1studio.document.document import Document
from f1studio.document.layers import Layer, LayerKind
from f1studio.project.f1s import MANIFEST_NAME, load_project, save_project
from f1studio.project.migrations import CURRENT_FORMAT
from tests.project.conftest import assert_same_document, full_document, read_members


def test_round_trip_is_exact(tmp_path: Path, doc: Document) -> None:
    path = save_project(doc, tmp_path / "scene.f1s")
    loaded = load_project(path)
    assert_same_document(doc, loaded)
    # Transparent pixels keep their colour: nothing premultiplied or cleared.
    paint = loaded.layers[1]
    assert np.all(paint.data[0, :, 3] == 0)
    assert np.array_equal(paint.data[0, :, :3], doc.layers[1].data[0, :, :3])


def test_loaded_document_is_fresh_and_editable(tmp_path: Path, doc: Document) -> None:
    loaded = load_project(save_project(doc, tmp_path / "a.f1s"))
    assert not loaded.can_undo
    assert all(layer.data.flags.writeable for layer in loaded.layers)
    assert all(layer.data.flags.c_contiguous for layer in loaded.layers)
    loaded.layers[0].data[0, 0] = (1, 2, 3, 4)  # does not raise


def test_manifest_and_members(tmp_path: Path, doc: Document) -> None:
    path = save_project(doc, tmp_path / "a.f1s")
    members = read_members(path)
    manifest = json.loads(members[MANIFEST_NAME])
    assert manifest["format_version"] == CURRENT_FORMAT == 7
    assert manifest["app_version"] == f1studio.__version__
    assert manifest["canvas"] == {"width": 96, "height": 64}
    assert manifest["settings"] == doc.settings.to_dict()
    assert manifest["settings"]["models"]["controlnets"] == {
        "edge": "/models/canny.safetensors",
        "depth": "lllyasviel/control_v11f1p_sd15_depth",
    }
    assert [e["kind"] for e in manifest["layers"]] == [la.kind.value for la in doc.layers]
    assert manifest["layers"][1]["file"] == "layers/p-1.png"
    assert manifest["layers"][3]["properties"]["curve"] == [1.0, 0.5, 0.0]
    # An id that is not a safe file name gets a neutral member name but is kept in the manifest.
    assert manifest["layers"][4]["id"] == "../../etc/passwd"
    assert manifest["layers"][4]["file"] == "layers/layer-0004.png"
    results = manifest["results"]
    assert results["limit"] == 12
    assert [(r["file"], r["applied_layer"]) for r in results["items"]] == [
        ("results/res0x0.png", "p-1"),
        ("results/res0x1.png", None),
    ]
    files = [e["file"] for e in manifest["layers"]] + [r["file"] for r in results["items"]]
    assert sorted(members) == sorted([MANIFEST_NAME, *files])
    for entry, layer in zip(manifest["layers"], doc.layers, strict=True):
        with Image.open(io.BytesIO(members[entry["file"]])) as image:
            assert image.format == "PNG"
            assert image.mode == ("RGBA" if layer.kind.is_picture else "L")
            assert image.size == (96, 64)


def test_layer_pngs_are_stored_not_recompressed(tmp_path: Path, doc: Document) -> None:
    with zipfile.ZipFile(save_project(doc, tmp_path / "a.f1s")) as zf:
        kinds = {i.filename: i.compress_type for i in zf.infolist()}
    assert kinds.pop(MANIFEST_NAME) == zipfile.ZIP_DEFLATED
    assert set(kinds.values()) == {zipfile.ZIP_STORED}


def test_empty_and_default_documents(tmp_path: Path) -> None:
    empty = Document(512, 256)
    assert_same_document(empty, load_project(save_project(empty, tmp_path / "e.f1s")))
    blank = Document(64, 64, layers=[Layer(k, k.blank(64, 64)) for k in LayerKind])
    assert_same_document(blank, load_project(save_project(blank, tmp_path / "b.f1s")))


def test_resave_over_existing_and_accepts_str_path(tmp_path: Path) -> None:
    path = str(tmp_path / "p.f1s")
    save_project(full_document(1), path)
    second = full_document(2)
    save_project(second, path)
    assert_same_document(second, load_project(path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.f1s"]  # no temp files left


def test_save_through_symlink_keeps_link(tmp_path: Path, doc: Document) -> None:
    real = tmp_path / "real.f1s"
    save_project(Document(64, 64), real)
    link = tmp_path / "link.f1s"
    link.symlink_to(real)
    assert save_project(doc, link) == real
    assert link.is_symlink()
    assert_same_document(doc, load_project(real))


def test_save_keeps_permissions_of_replaced_file(tmp_path: Path, doc: Document) -> None:
    path = tmp_path / "p.f1s"
    save_project(doc, path)
    path.chmod(0o640)
    save_project(doc, path)
    assert path.stat().st_mode & 0o777 == 0o640
