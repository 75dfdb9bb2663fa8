"""Tiny VAEs in the Models dialog: recommended with their licence, found when installed, and
chosen per family."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402

from f1studio.appsettings import AppSettings  # noqa: E402
from f1studio.gui.models_dialog import ModelsDialog  # noqa: E402
from tests.gui.test_models_dialog import names, put_in_hf_cache  # noqa: E402


@pytest.fixture(autouse=True)
def _own_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))


@pytest.fixture(scope="module")
def tiny_vae_folders(tmp_path_factory):
    from f1studio.testing.tiny_vae import build_tiny_vae

    out = tmp_path_factory.mktemp("tae")
    return {c: build_tiny_vae(out / f"tae-{c}", latent_channels=c) for c in (4, 16)}


def _dialog(qtbot) -> ModelsDialog:
    dialog = ModelsDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_the_recommended_tab_lists_the_tiny_vaes_with_their_licence(qtbot):
    dialog = _dialog(qtbot)
    ids = [m.id for m in dialog.downloads.recommended]
    for repo in ("madebyollin/taesd", "madebyollin/taesdxl", "madebyollin/taef1"):
        assert repo in ids
        assert dialog.downloads.rec_table.item(ids.index(repo), 4).text() == "mit"
    dialog.downloads.select_recommended("madebyollin/taef1")
    assert "Licence: <a href='https://huggingface.co/madebyollin/taef1'>mit</a>" in (
        dialog.downloads.details.text()
    )
    assert dialog.downloads.download_button.isEnabled()


def test_an_installed_tiny_vae_is_chosen_for_its_family(qtbot, tmp_path, tiny_vae_folders):
    put_in_hf_cache(tmp_path, tiny_vae_folders[16], "madebyollin/taef1")
    put_in_hf_cache(tmp_path, tiny_vae_folders[4], "madebyollin/taesdxl")
    AppSettings(device="cpu", tiny_vaes={"sd15": "mine"}).save()
    dialog = _dialog(qtbot)
    assert names(dialog) == ["madebyollin/taesdxl", "madebyollin/taef1"]
    assert not dialog.use_tiny_vae_button.isEnabled()
    dialog.select_model("madebyollin/taef1")
    assert dialog.use_tiny_vae_button.isEnabled()
    assert not any(b.isEnabled() for b in dialog.use_buttons.values())
    qtbot.mouseClick(dialog.use_tiny_vae_button, Qt.MouseButton.LeftButton)
    dialog.select_model("madebyollin/taesdxl")
    qtbot.mouseClick(dialog.use_tiny_vae_button, Qt.MouseButton.LeftButton)
    assert "Tiny VAE for SDXL: madebyollin/taesdxl" in dialog.status.text()
    saved = AppSettings.load()
    assert saved.tiny_vaes == {
        "sd15": "mine",
        "flux": "madebyollin/taef1",
        "sdxl": "madebyollin/taesdxl",
    }
    assert saved.device == "cpu"
