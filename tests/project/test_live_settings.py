"""Live settings are saved with a project, checked like the others, and old projects open."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from f1studio.document.document import Document
from f1studio.document.layers import LayerKind
from f1studio.document.settings import GenerationSettings, check_setting
from f1studio.project.errors import StudioFileError
from f1studio.project.f1s import MANIFEST_NAME, load_project, save_project


def _doc() -> Document:
    doc = Document(64, 64, prompt="a red circle")
    doc.add_layer(LayerKind.PAINT, name="Sketch")
    return doc


def _rewrite_manifest(path: Path, edit) -> None:  # noqa: ANN001 - a dict -> None callable
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    manifest = json.loads(members[MANIFEST_NAME])
    edit(manifest)
    members[MANIFEST_NAME] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def test_live_settings_round_trip(tmp_path: Path) -> None:
    doc = _doc()
    steps_before = list(doc.history.labels)
    for name, value in (("live", True), ("live_seed", 1234), ("live_strength", 0.4)):
        doc.set_setting(name, value)
    doc.set_setting("live_steps", 3)
    assert doc.history.labels == steps_before  # live settings are no undo steps
    loaded = load_project(save_project(doc, tmp_path / "live.f1s"))
    s = loaded.settings
    assert (s.live, s.live_seed, s.live_strength, s.live_steps) == (True, 1234, 0.4, 3)


def test_a_project_without_live_settings_opens_with_the_defaults(tmp_path: Path) -> None:
    path = save_project(_doc(), tmp_path / "old.f1s")

    def drop_live(manifest: dict) -> None:
        for name in ("live", "live_seed", "live_strength", "live_steps"):
            del manifest["settings"][name]

    _rewrite_manifest(path, drop_live)
    s = load_project(path).settings
    default = GenerationSettings()
    assert (s.live, s.live_seed, s.live_strength, s.live_steps) == (
        default.live,
        default.live_seed,
        default.live_strength,
        default.live_steps,
    )
    assert s.live is False


@pytest.mark.parametrize(
    ("name", "bad"),
    [("live", "yes"), ("live", 1), ("live_steps", 0), ("live_steps", "4"), ("live_strength", 1.5)],
)
def test_live_settings_are_checked_like_the_others(tmp_path: Path, name: str, bad: object) -> None:
    with pytest.raises(ValueError, match=name):
        check_setting(name, bad)
    path = save_project(_doc(), tmp_path / "bad.f1s")
    _rewrite_manifest(path, lambda m: m["settings"].__setitem__(name, bad))
    with pytest.raises(StudioFileError, match=name):
        load_project(path)


@pytest.mark.parametrize("bad", [0.5, 31.0, -1.0, "3", True, float("nan")])
def test_the_live_guidance_is_zero_or_a_guidance(bad: object) -> None:
    with pytest.raises(ValueError, match="live_guidance"):
        check_setting("live_guidance", bad)
    assert check_setting("live_guidance", 0) == 0.0
    assert check_setting("live_guidance", 3) == 3.0


def test_a_format_5_project_opens_with_live_following_the_prompts_guidance(
    tmp_path: Path,
) -> None:
    doc = _doc()
    doc.set_setting("live_guidance", 3.0)
    path = save_project(doc, tmp_path / "v5.f1s")

    def as_format_5(manifest: dict) -> None:
        manifest["format_version"] = 5
        del manifest["settings"]["live_guidance"]

    _rewrite_manifest(path, as_format_5)
    assert load_project(path).settings.live_guidance == 0.0
    doc.set_setting("live_guidance", 2.5)  # and today's format keeps it
    assert load_project(save_project(doc, tmp_path / "v6.f1s")).settings.live_guidance == 2.5


def test_the_live_few_step_choice_is_saved_and_a_format_6_project_uses_the_lora(
    tmp_path: Path,
) -> None:
    doc = _doc()
    assert doc.settings.live_few_step is True  # a new project: the model's own LoRA, if any
    doc.set_setting("live_few_step", False)
    path = save_project(doc, tmp_path / "off.f1s")
    assert load_project(path).settings.live_few_step is False

    def as_format_6(manifest: dict) -> None:
        manifest["format_version"] = 6
        del manifest["settings"]["live_few_step"]

    _rewrite_manifest(path, as_format_6)
    assert load_project(path).settings.live_few_step is True
    with pytest.raises(ValueError, match="live_few_step"):
        check_setting("live_few_step", "no")
