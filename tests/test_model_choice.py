"""Model choices keyed by guide kind, and the user's settings files of every age."""

from __future__ import annotations

import json

import pytest

from f1studio.appsettings import AppSettings, config_dir
from f1studio.engine.request import ControlKind
from f1studio.model_choice import MODEL_SLOTS, ModelChoice, slot_kind, slot_label


@pytest.fixture(autouse=True)
def _own_config(tmp_path, monkeypatch):
    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path / "config"))


def test_one_slot_per_control_kind():
    assert MODEL_SLOTS == ("base", "edge_controlnet", "depth_controlnet", "depth_estimator")
    assert [slot_kind(slot) for slot in MODEL_SLOTS] == [None, *ControlKind, None]
    assert [slot_label(slot) for slot in MODEL_SLOTS] == [
        "base model",
        "edge ControlNet",
        "depth ControlNet",
        "depth estimator",
    ]


def test_choosing_a_model_per_slot():
    choice = ModelChoice(base="org/sd15")
    edged = choice.with_model("edge_controlnet", " /models/canny ")
    assert edged.controlnets == {"edge": "/models/canny"} and choice.controlnets == {}
    assert edged.model_in("edge_controlnet") == edged.controlnet_for(ControlKind.EDGE)
    assert edged.model_in("depth_controlnet") is None
    both = edged.with_model("depth_controlnet", "org/depth").with_model("depth_estimator", "dpt")
    assert both.chosen() == {
        "base": "org/sd15",
        "edge_controlnet": "/models/canny",
        "depth_controlnet": "org/depth",
        "depth_estimator": "dpt",
    }
    assert both.with_model("edge_controlnet", "").controlnets == {"depth": "org/depth"}
    assert both.with_model("base", None).base is None
    with pytest.raises(ValueError, match="unknown model slot 'vae'"):
        choice.with_model("vae", "x")
    with pytest.raises(ValueError, match="'pose' is not a valid ControlKind"):
        ModelChoice(controlnets={"pose": "x"})


def test_settings_save_controlnets_by_kind_and_keep_the_rest():
    settings = AppSettings(device="cpu", model_folders=["/m"]).with_model("depth_controlnet", "d")
    assert isinstance(settings, AppSettings) and settings.device == "cpu"
    settings.save()
    data = json.loads((config_dir() / "settings.json").read_text())
    assert data["controlnets"] == {"depth": "d"} and "depth_controlnet" not in data
    assert AppSettings.load() == settings


def test_settings_files_written_before_the_mapping_still_load():
    """An existing user's settings.json with one field per ControlNet keeps its choices."""
    config_dir().mkdir(parents=True)
    old = {
        "base": "org/sd15",
        "edge_controlnet": "lllyasviel/control_v11p_sd15_canny",
        "depth_controlnet": "/models/depth",
        "depth_estimator": None,
        "device": "cuda",
        "allow_pickle": True,
        "model_folders": ["/models"],
    }
    (config_dir() / "settings.json").write_text(json.dumps(old))
    loaded = AppSettings.load()
    assert loaded.controlnets == {
        "edge": "lllyasviel/control_v11p_sd15_canny",
        "depth": "/models/depth",
    }
    assert (loaded.base, loaded.device, loaded.allow_pickle) == ("org/sd15", "cuda", True)
    assert loaded.model_folders == ["/models"]
    loaded.save()  # rewritten in the new form, with nothing lost
    assert AppSettings.load() == loaded


def test_a_newer_settings_file_loads_what_this_version_knows():
    config_dir().mkdir(parents=True)
    newer = {"controlnets": {"edge": "e", "pose": "p"}, "edge_controlnet": "old", "theme": "x"}
    (config_dir() / "settings.json").write_text(json.dumps(newer))
    assert AppSettings.load().controlnets == {"edge": "e"}  # the mapping wins over old fields
