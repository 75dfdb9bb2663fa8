"""The migration mechanism: old manifests are stepped up to the current format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from f1studio.document.document import Document
from f1studio.project import migrations
from f1studio.project.errors import ManifestError, NewerFormatError
from f1studio.project.f1s import MANIFEST_NAME, load_project, save_project
from f1studio.project.migrations import CURRENT_FORMAT, migrate
from tests.project.conftest import assert_same_document, full_document, read_members, write_zip


def _v0_to_v1(manifest: dict[str, Any]) -> dict[str, Any]:
    """A made-up format 0 that kept the canvas as "size": [w, h] and called it "negative"."""
    width, height = manifest.pop("size")
    manifest["canvas"] = {"width": width, "height": height}
    manifest["negative_prompt"] = manifest.pop("negative", "")
    manifest["format_version"] = 1
    return manifest


def _v0_manifest() -> dict[str, Any]:
    return {"format_version": 0, "size": [64, 128], "prompt": "p", "negative": "n", "layers": []}


def test_current_manifest_passes_through_unchanged() -> None:
    manifest = {"format_version": CURRENT_FORMAT, "canvas": {"width": 64, "height": 64}}
    assert migrate(manifest) == manifest


def test_fake_v0_is_stepped_up_without_mutating_input() -> None:
    old = _v0_manifest()
    snapshot = json.dumps(old, sort_keys=True)
    new = migrate(old, current=1, steps={0: _v0_to_v1})
    assert new["format_version"] == 1
    assert new["canvas"] == {"width": 64, "height": 128}
    assert new["negative_prompt"] == "n"
    assert json.dumps(old, sort_keys=True) == snapshot


def test_steps_chain_in_order() -> None:
    def step(n: int):
        def apply(m: dict[str, Any]) -> dict[str, Any]:
            return {**m, "format_version": n + 1, "trail": m.get("trail", []) + [n]}

        return apply

    out = migrate({"format_version": 0}, current=3, steps={0: step(0), 1: step(1), 2: step(2)})
    assert out == {"format_version": 3, "trail": [0, 1, 2]}


def test_load_project_uses_the_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(migrations.MIGRATIONS, 0, _v0_to_v1)
    path = write_zip(tmp_path / "old.f1s", {MANIFEST_NAME: json.dumps(_v0_manifest()).encode()})
    loaded = load_project(path)
    assert (loaded.width, loaded.height, loaded.negative_prompt) == (64, 128, "n")
    assert_same_document(loaded, load_project(save_project(loaded, tmp_path / "new.f1s")))
    manifest = json.loads(read_members(tmp_path / "new.f1s")[MANIFEST_NAME])
    assert manifest["format_version"] == CURRENT_FORMAT


def test_version_without_a_step() -> None:
    with pytest.raises(ManifestError, match="format 0 is too old"):
        migrate(_v0_manifest())


def test_step_must_advance_exactly_one_version() -> None:
    with pytest.raises(ManifestError, match="produced format 0, expected 1"):
        migrate(_v0_manifest(), steps={0: lambda m: m})


def test_newer_version() -> None:
    with pytest.raises(NewerFormatError) as info:
        migrate({"format_version": CURRENT_FORMAT + 1})
    assert info.value.version == CURRENT_FORMAT + 1
    assert info.value.supported == CURRENT_FORMAT
    assert "Update F1 Studio to open it." in str(info.value)


@pytest.mark.parametrize("version", [None, "1", 1.0, True, -1])
def test_invalid_version(version: object) -> None:
    with pytest.raises(ManifestError, match="no valid format version"):
        migrate({"format_version": version})


def test_save_writes_current_format(tmp_path: Path) -> None:
    path = save_project(Document(64, 64), tmp_path / "a.f1s")
    assert json.loads(read_members(path)[MANIFEST_NAME])["format_version"] == CURRENT_FORMAT


# ---- format 1 -> 2: ControlNets keyed by guide kind ---------------------------------------------
def _as_format_1(path: Path, out: Path) -> Path:
    """The project at ``path`` as F1 Studio wrote it in format 1 (one field per ControlNet)."""
    members = read_members(path)
    manifest = json.loads(members[MANIFEST_NAME])
    models = manifest["settings"]["models"]
    for kind, model in models.pop("controlnets").items():
        models[f"{kind}_controlnet"] = model
    manifest["format_version"] = 1
    return write_zip(out, {**members, MANIFEST_NAME: json.dumps(manifest).encode()})


def test_format_1_projects_open_with_their_controlnets(tmp_path: Path) -> None:
    doc = full_document(with_results=False)  # format 1 kept no generation history
    old = _as_format_1(save_project(doc, tmp_path / "new.f1s"), tmp_path / "old.f1s")
    old_models = json.loads(read_members(old)[MANIFEST_NAME])["settings"]["models"]
    assert old_models["edge_controlnet"] == "/models/canny.safetensors"
    loaded = load_project(old)
    assert loaded.settings.models.controlnets == {
        "edge": "/models/canny.safetensors",
        "depth": "lllyasviel/control_v11f1p_sd15_depth",
    }
    assert_same_document(doc, loaded)
    resaved = save_project(loaded, tmp_path / "resaved.f1s")  # round trip in today's format
    manifest = json.loads(read_members(resaved)[MANIFEST_NAME])
    assert manifest["format_version"] == CURRENT_FORMAT
    assert "edge_controlnet" not in manifest["settings"]["models"]
    assert_same_document(doc, load_project(resaved))


def test_format_1_step_keeps_what_it_does_not_know() -> None:
    v1 = {
        "format_version": 1,
        "settings": {"steps": 9, "models": {"base": "b", "edge_controlnet": None}},
        "layers": [],
    }
    assert migrate(v1)["settings"] == {"steps": 9, "models": {"base": "b", "controlnets": {}}}
    assert migrate({"format_version": 1, "layers": []}, current=2) == {
        "format_version": 2,
        "layers": [],
    }


# ---- format 2 -> 3: the generation history ------------------------------------------------------
def test_format_2_projects_open_with_an_empty_history(tmp_path: Path) -> None:
    doc = full_document(with_results=False)
    members = read_members(save_project(doc, tmp_path / "new.f1s"))
    manifest = json.loads(members[MANIFEST_NAME])
    assert manifest.pop("results") == {"limit": 50, "items": []}
    manifest["format_version"] = 2
    old = write_zip(tmp_path / "v2.f1s", {**members, MANIFEST_NAME: json.dumps(manifest).encode()})
    loaded = load_project(old)
    assert len(loaded.results) == 0 and loaded.results.limit == 50
    assert_same_document(doc, loaded)
