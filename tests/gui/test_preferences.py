"""Edit ▸ Preferences: what used to be environment variables is an ordinary setting, saved with
the user's settings; an environment variable set outside still wins and the dialog says so;
the window remembers its tool and brush."""

from __future__ import annotations

import os

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel

from f1studio import engine_environment
from f1studio.appsettings import AppSettings
from f1studio.gui.preferences_dialog import PreferencesDialog
from f1studio.gui.tools import ToolKind


@pytest.fixture
def clean_engine_environment(monkeypatch):
    for name in engine_environment.VARIABLES.values():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(engine_environment, "_written", {})
    yield
    for name in engine_environment.VARIABLES.values():
        os.environ.pop(name, None)


def _pick(combo, data) -> None:
    combo.setCurrentIndex(combo.findData(data))
    assert combo.currentData() == data


def test_choices_made_in_the_dialog_are_saved_and_reach_the_engine(
    qtbot, tmp_path, monkeypatch, clean_engine_environment
):
    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path))
    dialog = PreferencesDialog(AppSettings(model_folders=["/old"]))
    qtbot.addWidget(dialog)
    _pick(dialog.language, "zh_CN")
    dialog.threads.setValue(3)
    _pick(dialog.memory_mode, "model-offload")
    _pick(dialog.quantisation, "int8")
    dialog.autosave.setValue(120)
    dialog.sizes["sd15"].setValue(768)
    dialog.steps["sdxl"].setValue(12)
    dialog.live_steps.setValue(6)
    dialog.live_strength.setValue(0.5)
    dialog.tiny_vaes["sd15"].setText("madebyollin/taesd")
    dialog.configs["sdxl"].setText("/models/sdxl-config")
    dialog.folders.addItem("/new")
    dialog.result_settings().save()

    saved = AppSettings.load()
    assert saved.language == "zh_CN"
    assert saved.engine_threads == 3
    assert saved.memory_mode == "model-offload+int8"
    assert saved.autosave_interval_s == 120
    assert saved.new_project_sizes == {"sd15": 768}
    assert saved.new_project_steps == {"sdxl": 12}
    assert (saved.live_steps, saved.live_strength) == (6, 0.5)
    assert saved.tiny_vaes == {"sd15": "madebyollin/taesd"}
    assert saved.model_folders == ["/old", "/new"]
    assert saved.single_file_configs == {"sdxl": "/models/sdxl-config"}

    engine_environment.apply(saved)
    assert os.environ["F1STUDIO_MEMORY_MODE"] == "model-offload+int8"
    assert os.environ["F1STUDIO_ENGINE_THREADS"] == "3"
    from f1studio.engine.families.single_file import SDXL_CONFIGS, user_config

    assert user_config(SDXL_CONFIGS, None) == ("/models/sdxl-config", "F1STUDIO_SDXL_CONFIG")
    from f1studio.gui.worker import engine_threads

    assert engine_threads() == 3
    # back to automatic: the variables go again
    engine_environment.apply(AppSettings())
    assert "F1STUDIO_MEMORY_MODE" not in os.environ
    assert "F1STUDIO_ENGINE_THREADS" not in os.environ


def test_a_variable_set_outside_wins_and_the_dialog_says_so(
    qtbot, monkeypatch, clean_engine_environment
):
    monkeypatch.setenv("F1STUDIO_MEMORY_MODE", "sequential-offload")
    engine_environment.apply(AppSettings(memory_mode="full-gpu", engine_threads=2))
    assert os.environ["F1STUDIO_MEMORY_MODE"] == "sequential-offload"  # the user's
    assert os.environ["F1STUDIO_ENGINE_THREADS"] == "2"
    dialog = PreferencesDialog(AppSettings(memory_mode="full-gpu"))
    qtbot.addWidget(dialog)
    assert not dialog.memory_mode.isEnabled() and not dialog.quantisation.isEnabled()
    assert dialog.threads.isEnabled()  # set by the preference itself, not from outside
    note = dialog.findChild(QLabel, "override-memory_mode")
    assert "F1STUDIO_MEMORY_MODE=sequential-offload" in note.text()


def test_hand_edited_values_of_the_wrong_kind_fall_back(tmp_path, monkeypatch):
    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path))
    (tmp_path / "settings.json").write_text(
        '{"engine_threads": "many", "live_strength": 7, "new_project_sizes": {"sd15": 99999, '
        '"nope": 5, "sdxl": "big"}, "language": ""}'
    )
    loaded = AppSettings.load()
    assert loaded.engine_threads == 0
    assert loaded.live_strength == 1.0
    assert loaded.new_project_sizes == {"sd15": 4096}
    assert loaded.language == "system"


def test_new_projects_start_with_the_users_size_and_steps(tmp_path, monkeypatch, tiny_models):
    from f1studio.gui.family_defaults import project_defaults

    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path))
    base = str(tiny_models["pipeline"])
    size, found = project_defaults(base)
    assert size == 512 and found is not None and found.steps == 25
    AppSettings(new_project_sizes={"sd15": 640}, new_project_steps={"sd15": 9}).save()
    size, found = project_defaults(base)
    assert size == 640 and found is not None and found.steps == 9


def test_the_menu_opens_preferences_and_applies_the_autosave_interval(
    studio, tiny_settings, monkeypatch, clean_engine_environment
):
    window = studio(tiny_settings)
    actions = {a.text(): a for a in window.findChildren(QAction)}
    assert "&Preferences…" in actions and "&About F1 Studio" in actions
    assert "&Keyboard shortcuts" in actions
    assert actions["&Preferences…"].shortcut().toString() == "Ctrl+,"  # shown in the menu

    def accept(dialog):
        dialog.autosave.setValue(45)
        _pick(dialog.memory_mode, "model-offload")
        return 1

    monkeypatch.setattr(PreferencesDialog, "exec", accept)
    actions["&Preferences…"].trigger()
    assert AppSettings.load().autosave_interval_s == 45
    assert window.autosave.interval_s == 45
    assert os.environ["F1STUDIO_MEMORY_MODE"] == "model-offload"
    assert AppSettings.load().base == tiny_settings.base  # the rest is kept


def test_the_window_comes_back_with_its_tool_and_brush(qtbot, studio, tiny_settings):
    from f1studio.gui.main_window import MainWindow

    window = studio(tiny_settings)
    window.toolbar.tool_actions[ToolKind.ERASER].trigger()
    window.toolbar.size_spin.setValue(57)
    window.toolbar.hardness_slider.setValue(30)
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    try:
        assert again.canvas.tool is ToolKind.BRUSH  # before the layout is restored
        again.restore_window_layout()
        assert again.canvas.tool is ToolKind.ERASER
        assert again.toolbar.tool_actions[ToolKind.ERASER].isChecked()
        assert again.canvas.brush.size == 57 and again.toolbar.size_spin.value() == 57
        assert again.canvas.brush.hardness == pytest.approx(0.3)
    finally:
        again.worker.shutdown()


def test_help_dialogs_list_the_shortcuts_and_the_licences(qtbot):
    from f1studio.demo.model import DEMO_ROOT
    from f1studio.gui.help_dialogs import AboutDialog, ShortcutsDialog, model_licence

    shortcuts = ShortcutsDialog()
    qtbot.addWidget(shortcuts)
    keys = [shortcuts.table.item(r, 0).text() for r in range(shortcuts.table.rowCount())]
    assert "Ctrl+Enter" in keys and "Ctrl+L" in keys
    assert model_licence(str(DEMO_ROOT / "pipeline")) == "Apache-2.0"
    about = AboutDialog([("Shapes world", "Apache-2.0")])
    qtbot.addWidget(about)
    text = about.details.toPlainText()
    assert "diffusers" in text and "torch" in text and "Apache-2.0" in text
