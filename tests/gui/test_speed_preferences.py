"""Preferences ▸ Engine: the speed switches are saved with the user's settings and reach the
engine as the variables it reads; a variable set outside wins and greys the switch out."""

from __future__ import annotations

import os

import pytest
from PySide6.QtWidgets import QLabel

from f1studio import engine_environment
from f1studio.appsettings import AppSettings
from f1studio.gui.preferences_dialog import PreferencesDialog

SPEED = ("F1STUDIO_CHANNELS_LAST", "F1STUDIO_FUSED_QKV", "F1STUDIO_COMPILE")


@pytest.fixture
def clean_engine_environment(monkeypatch):
    for name in engine_environment.VARIABLES.values():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(engine_environment, "_written", {})
    yield
    for name in engine_environment.VARIABLES.values():
        os.environ.pop(name, None)


def test_speed_switches_are_saved_and_reach_the_engine(
    qtbot, tmp_path, monkeypatch, clean_engine_environment
):
    from f1studio.engine.speed import CompileMode, SpeedSettings

    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path))
    dialog = PreferencesDialog(AppSettings())
    qtbot.addWidget(dialog)
    assert not dialog.channels_last.isChecked() and dialog.compile_mode.currentData() == "off"
    dialog.channels_last.setChecked(True)
    dialog.fused_qkv.setChecked(True)
    dialog.compile_mode.setCurrentIndex(dialog.compile_mode.findData("denoiser+vae"))
    dialog.result_settings().save()

    saved = AppSettings.load()
    assert (saved.channels_last, saved.fused_qkv, saved.compile_mode) == (
        True,
        True,
        "denoiser+vae",
    )
    engine_environment.apply(saved)
    speed = SpeedSettings.from_environment()
    assert speed == SpeedSettings(True, True, CompileMode.DENOISER_VAE)
    # a dialog opened again shows what was saved
    again = PreferencesDialog(saved)
    qtbot.addWidget(again)
    assert again.fused_qkv.isChecked() and again.compile_mode.currentData() == "denoiser+vae"
    # all off again: the variables go, and the engine's switches are off
    engine_environment.apply(AppSettings())
    assert not any(name in os.environ for name in SPEED)
    assert SpeedSettings.from_environment() == SpeedSettings()


def test_a_speed_variable_set_outside_wins(qtbot, monkeypatch, clean_engine_environment):
    monkeypatch.setenv("F1STUDIO_COMPILE", "denoiser")
    engine_environment.apply(AppSettings(compile_mode="off", fused_qkv=True))
    assert os.environ["F1STUDIO_COMPILE"] == "denoiser"
    dialog = PreferencesDialog(AppSettings())
    qtbot.addWidget(dialog)
    assert not dialog.compile_mode.isEnabled() and dialog.fused_qkv.isEnabled()
    note = dialog.findChild(QLabel, "override-compile_mode")
    assert "F1STUDIO_COMPILE=denoiser" in note.text()


def test_hand_edited_speed_values_fall_back_to_off(tmp_path, monkeypatch):
    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path))
    (tmp_path / "settings.json").write_text(
        '{"channels_last": "yes", "fused_qkv": 1, "compile_mode": "max"}'
    )
    loaded = AppSettings.load()
    assert (loaded.channels_last, loaded.fused_qkv, loaded.compile_mode) == (False, False, "off")
