"""The model library shared by the command line and the Models dialog: which models render
(precedence), the folders to scan, and which settings use a model."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from f1studio import model_library as library
from f1studio.appsettings import AppSettings
from f1studio.demo import model as demo
from f1studio.engine.catalog import InstalledModel
from f1studio.model_choice import ModelChoice


@pytest.fixture(autouse=True)
def _own_config(tmp_path, monkeypatch):
    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))


@pytest.fixture()
def fake_demo(tmp_path, monkeypatch) -> Path:
    """A demo model with its pipeline and an edge ControlNet only."""
    root = tmp_path / "demo"
    (root / "pipeline").mkdir(parents=True)
    (root / "pipeline" / "model_index.json").write_text("{}")
    (root / "controlnet-edge").mkdir()
    monkeypatch.setattr(demo, "DEMO_ROOT", root)
    return root


# ---- precedence -------------------------------------------------------------------------------
def test_flag_beats_project_beats_user_per_slot(fake_demo):
    user = AppSettings(base="user/base", controlnets={"edge": "user/e", "depth": "user/d"})
    project = ModelChoice(controlnets={"edge": "project/e"}, depth_estimator="project/dpt")
    flags = ModelChoice(controlnets={"depth": "flag/d"})
    assert library.resolve_models(project, user, flags) == ModelChoice(
        "user/base", {"edge": "project/e", "depth": "flag/d"}, "project/dpt"
    )
    assert library.resolve_models(project, user).controlnets == {
        "edge": "project/e",
        "depth": "user/d",
    }
    assert library.resolve_models(ModelChoice("project/base"), user).base == "project/base"
    assert library.resolve_models(None, user, ModelChoice("flag/base")).base == "flag/base"


def test_without_a_base_model_the_demo_renders_with_its_own_controlnets(fake_demo):
    """ControlNets chosen for some other model are not mixed with the demo model's; the depth
    estimator (no part of a render) is kept."""
    user = AppSettings(controlnets={"depth": "org/sdxl-depth"}, depth_estimator="dpt")
    resolved = library.resolve_models(ModelChoice(), user)
    assert resolved == ModelChoice(
        str(fake_demo / "pipeline"), {"edge": str(fake_demo / "controlnet-edge")}, "dpt"
    )
    assert demo.is_demo(resolved.base)


def test_without_the_demo_model_nothing_is_made_up(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "DEMO_ROOT", tmp_path / "nowhere")
    user = AppSettings(controlnets={"edge": "org/e"})
    assert library.resolve_models(None, user) == ModelChoice(controlnets={"edge": "org/e"})


# ---- what a model is for, and who uses it -----------------------------------------------------
def _model(role: str, location: str, **kw: object) -> InstalledModel:
    return InstalledModel(Path(location).name, location, role, None, None, 1, **kw)


def test_slots_a_model_can_fill_and_storing_it(tmp_path):
    net = _model("controlnet", str(tmp_path / "canny"))
    assert library.slots_for(_model("base", "/m/sd")) == ("base",)
    assert library.slots_for(net) == ("edge_controlnet", "depth_controlnet")
    assert library.slots_for(_model("depth-estimator", "/m/dpt")) == ("depth_estimator",)
    saved = library.use_model(AppSettings(device="cpu"), "depth_controlnet", net)
    assert AppSettings.load() == saved and saved.controlnets == {"depth": str(tmp_path / "canny")}
    assert saved.device == "cpu"
    with pytest.raises(library.LibraryError, match="cannot be the base model"):
        library.use_model(saved, "base", net)


def test_in_use_by_path_or_hub_id(tmp_path):
    folder = tmp_path / "models" / "canny"
    folder.mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "models")
    net = _model("controlnet", str(folder))
    cached = _model("base", str(tmp_path / "snap"), source="hf-cache", hub_id="org/sd15")
    user = AppSettings(base="org/sd15", controlnets={"edge": str(tmp_path / "link" / "canny")})
    project = ModelChoice(controlnets={"depth": str(folder)})
    assert library.slots_using(net, user) == ["edge_controlnet"]
    assert library.slots_using(net, project) == ["depth_controlnet"]
    assert library.slots_using(cached, user) == ["base"]
    assert library.in_use(cached, project, user) and not library.in_use(cached, project)
    other = replace(net, location=str(tmp_path / "elsewhere"))
    assert not library.in_use(other, user, project)


# ---- folders ----------------------------------------------------------------------------------
def test_adding_and_removing_folders(tiny_models, tmp_path):
    root = tiny_models["pipeline"].parent
    folder, found = library.models_to_add(root)
    assert folder == root.resolve() and {m.name for m in found} >= {"pipeline", "controlnet-edge"}
    settings = AppSettings()
    assert library.add_folder(settings, root) == (str(root.resolve()), True)
    assert library.add_folder(AppSettings.load(), str(root) + "/") == (str(root.resolve()), False)
    assert AppSettings.load().model_folders == [str(root.resolve())]
    assert library.remove_folder(AppSettings.load(), "/not/in/the/list") is None
    assert library.remove_folder(AppSettings.load(), str(root)) == str(root.resolve())
    assert AppSettings.load().model_folders == [] and (root / "pipeline").is_dir()


def test_what_cannot_be_added_says_why(tmp_path):
    with pytest.raises(library.LibraryError, match="does not exist"):
        library.models_to_add(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.safetensors").write_bytes(b"junk")
    with pytest.raises(library.LibraryError, match="no model F1 Studio can identify in .*notes"):
        library.models_to_add(tmp_path / "empty")


def test_a_damaged_model_folder_cannot_be_added(tmp_path):
    folder = tmp_path / "fm" / "fakemodel"
    (folder / "unet").mkdir(parents=True)
    (folder / "model_index.json").write_text('{"_class_name": "StableDiffusionPipeline"}')
    (folder / "unet" / "config.json").write_text("garbage")
    for path in (folder.parent, folder):
        with pytest.raises(library.LibraryError) as error:
            library.models_to_add(path)
        assert error.value.message == (  # the reason names the file once
            f"no model F1 Studio can identify in {path} "
            f"({folder / 'unet' / 'config.json'} is not valid JSON (a damaged model file))"
        )


def test_own_folders_are_never_deleted(tmp_path):
    mine = _model("base", str(tmp_path / "sd"), source="a1111")
    with pytest.raises(library.LibraryError, match="never deletes files"):
        library.delete_from_hf_cache(mine)
