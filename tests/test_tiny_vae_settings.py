"""The user's tiny VAE per family: settings, ``f1studio config --tiny-vae`` and the requests
the window builds."""

from __future__ import annotations

import json

import pytest

from f1studio.appsettings import AppSettings, config_dir
from f1studio.demo import model as demo
from f1studio.model_library import tiny_vae_for


@pytest.fixture(autouse=True)
def _own_config(tmp_path, monkeypatch):
    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path / "config"))


def test_tiny_vaes_are_saved_and_loaded_per_family() -> None:
    chosen = AppSettings().with_tiny_vae("flux", " madebyollin/taef1 ").with_tiny_vae("sd15", "/t")
    chosen.save()
    assert AppSettings.load().tiny_vaes == {"flux": "madebyollin/taef1", "sd15": "/t"}
    assert chosen.with_tiny_vae("sd15", None).tiny_vaes == {"flux": "madebyollin/taef1"}


@pytest.mark.parametrize("value", [{"sd15": 3}, ["madebyollin/taesd"], "taesd"])
def test_tiny_vaes_that_are_not_text_per_family_give_the_defaults(value) -> None:
    config_dir().mkdir(parents=True)
    (config_dir() / "settings.json").write_text(json.dumps({"tiny_vaes": value, "device": "cpu"}))
    assert AppSettings.load() == AppSettings()
    with pytest.raises(ValueError, match="tiny_vaes"):
        AppSettings(tiny_vaes=value)


def test_a_family_this_version_does_not_know_is_left_out() -> None:
    assert AppSettings(tiny_vaes={"sd3": "x", "sdxl": "y", "flux": " "}).tiny_vaes == {"sdxl": "y"}


def test_the_tiny_vae_follows_the_base_models_family(tiny_models, tiny_flux) -> None:
    settings = AppSettings(tiny_vaes={"sd15": "taesd-folder", "flux": "taef1-folder"})
    assert tiny_vae_for(str(tiny_models["pipeline"]), settings) == "taesd-folder"
    assert tiny_vae_for(str(tiny_flux["pipeline"]), settings) == "taef1-folder"
    assert tiny_vae_for(str(tiny_flux["pipeline"]), AppSettings(tiny_vaes={"sd15": "x"})) is None
    assert tiny_vae_for(None, settings) is None


def test_the_demo_model_keeps_its_own_vae() -> None:
    shipped = demo.demo_model()
    assert shipped is not None
    assert tiny_vae_for(shipped.pipeline, AppSettings(tiny_vaes={"sd15": "taesd"})) is None


def test_config_sets_and_removes_a_tiny_vae(capsys) -> None:
    from f1studio.cli import main

    assert main(["config", "--tiny-vae", "sdxl=madebyollin/taesdxl"]) == 0
    assert AppSettings.load().tiny_vaes == {"sdxl": "madebyollin/taesdxl"}
    assert main(["config", "--tiny-vae", "sdxl="]) == 0
    assert AppSettings.load().tiny_vaes == {}
    with pytest.raises(SystemExit):
        main(["config", "--tiny-vae", "sd3=x"])
    assert "FAMILY one of sd15, sdxl, flux" in capsys.readouterr().err


def test_generate_requests_carry_the_families_tiny_vae(tiny_models, qtbot) -> None:
    from f1studio.document.document import Document
    from f1studio.gui.jobs import GenerateController
    from f1studio.gui.worker import EngineWorker

    doc = Document(64, 64, prompt="a red car")
    doc.set_model("base", str(tiny_models["pipeline"]))
    app = AppSettings(tiny_vaes={"sd15": "my-taesd", "flux": "my-taef1"})
    worker = EngineWorker(threads=1)
    try:
        controller = GenerateController(lambda: doc, worker, lambda: app)
        request = controller.build()
        assert (request.tiny_vae, request.fast_decode) == ("my-taesd", False)
        app = AppSettings()
        assert controller.build().tiny_vae is None
    finally:
        assert worker.shutdown()
