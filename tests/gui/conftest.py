"""The main window as each GUI test opens it: in folders of its own, with the models it asks for."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from f1studio.appsettings import AppSettings
from f1studio.document.document import Document

if TYPE_CHECKING:
    from f1studio.gui.main_window import MainWindow

OpenWindow = Callable[..., "MainWindow"]


@pytest.fixture
def studio(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenWindow]:
    """``studio(settings, doc=None, size=(1000, 700), active=False)`` opens a MainWindow with
    ``settings`` as the user's settings, its own config, data and window-settings folders, and
    "Discard" as the answer to unsaved-changes questions. Every window's engine is shut down
    at the end of the test."""
    from f1studio.gui.main_window import MainWindow

    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("F1STUDIO_DATA_DIR", str(tmp_path / "data"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    opened: list[MainWindow] = []

    def open_window(
        settings: AppSettings,
        doc: Document | None = None,
        size: tuple[int, int] = (1000, 700),
        active: bool = False,
    ) -> MainWindow:
        settings.save()
        win = MainWindow(doc)
        qtbot.addWidget(win)
        win.resize(*size)
        win.show()
        qtbot.waitExposed(win)
        if active:
            win.activateWindow()
            qtbot.waitUntil(win.isActiveWindow)
        opened.append(win)
        return win

    yield open_window
    for win in opened:
        win.worker.shutdown()


@pytest.fixture
def tiny_settings(tiny_models: dict[str, Path]) -> AppSettings:
    """The user's settings with the tiny SD1.5 model on the CPU."""
    return AppSettings(base=str(tiny_models["pipeline"]), device="cpu")


@pytest.fixture
def small_window(studio: OpenWindow, tiny_settings: AppSettings) -> MainWindow:
    """A window on the tiny model with a 64x64 canvas, a prompt and 3 steps: quick renders."""
    win = studio(tiny_settings)
    win.doc.resize_canvas(64, 64)
    win.doc.set_prompt("a red car")
    win.doc.set_setting("steps", 3)
    return win
