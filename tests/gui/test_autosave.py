"""Autosave and recovery in the window: unsaved work reaches the recovery copy in the
background, saving retires it, and the next start (or opening the file) offers it back."""

from __future__ import annotations

import dataclasses
import json

import pytest
from PySide6.QtWidgets import QMessageBox

from f1studio.document.layers import LayerKind
from f1studio.gui.main_window import MainWindow
from f1studio.project.f1s import load_project, save_project
from f1studio.project.recovery import RecoverySession, orphaned_copies
from f1studio.project.snapshot import ProjectSnapshot
from tests.project.conftest import assert_same_document, full_document


@pytest.fixture
def make_window(studio, tiny_settings):
    """Windows with the tiny model and an autosave interval of their own."""

    def make(interval: int = 1) -> MainWindow:
        return studio(dataclasses.replace(tiny_settings, autosave_interval_s=interval))

    return make


def _answer(monkeypatch: pytest.MonkeyPatch, button: str, asked: list[str]) -> None:
    """Make the recovery question click ``button`` (and record what it said)."""

    def exec_(box: QMessageBox) -> int:
        asked.append(box.text())
        (chosen,) = [b for b in box.buttons() if b.text() == button]
        chosen.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)


def test_unsaved_work_reaches_the_copy_and_saving_retires_it(make_window, qtbot, tmp_path):
    win = make_window(interval=1)
    copy = win.autosave.session.copy_path
    with qtbot.waitSignal(win.autosave.written, timeout=10000):
        win.doc.add_layer(LayerKind.REGION, name="Sky", prompt="a stormy sky")
    saved = load_project(copy)
    assert [layer.name for layer in saved.layers] == ["Sketch", "Sky"]
    assert json.loads(copy.with_suffix(".json").read_text())["original"] is None
    assert win.autosave.last_snapshot_ms < 1000
    assert win._save_to(tmp_path / "work.f1s")
    qtbot.waitUntil(lambda: not copy.exists(), timeout=5000)
    win.doc.set_prompt("changed after saving")  # a new unsaved change: a new copy
    with qtbot.waitSignal(win.autosave.written, timeout=10000):
        pass
    assert load_project(copy).prompt == "changed after saving"
    assert json.loads(copy.with_suffix(".json").read_text())["original"] == str(
        tmp_path / "work.f1s"
    )


def test_a_finished_render_is_autosaved_at_once(make_window, qtbot):
    win = make_window(interval=3600)  # only the render can trigger it
    win.doc.resize_canvas(64, 64)
    win.doc.set_setting("steps", 2)
    with qtbot.waitSignal(win.autosave.written, timeout=60000):
        win.generation.generate()
    saved = load_project(win.autosave.session.copy_path)
    assert len(saved.results) == 1  # the result waits in the history, previewed, not a layer
    assert [layer.name for layer in saved.layers] == ["Sketch"]


def test_the_next_start_offers_the_work_of_a_crashed_window(
    make_window, qtbot, tmp_path, monkeypatch
):
    project = save_project(full_document(seed=0), tmp_path / "work.f1s")
    crashed = RecoverySession()
    crashed.write(ProjectSnapshot.take(full_document(seed=7), "x"), project, "work.f1s")
    crashed.close(keep=True)  # what a kill leaves behind
    asked: list[str] = []
    _answer(monkeypatch, "Restore", asked)
    win = make_window()
    win.offer_recovery()
    assert "did not close properly" in asked[0] and "work.f1s" in asked[0]
    assert_same_document(win.doc, full_document(seed=7))
    assert win.path == project and win.is_modified
    assert win.windowTitle().startswith("work.f1s *")
    assert orphaned_copies() == []  # adopted: not offered twice
    assert win.save()
    assert_same_document(load_project(project), full_document(seed=7))


def test_opening_a_file_with_a_newer_copy_says_so(make_window, qtbot, tmp_path, monkeypatch):
    project = save_project(full_document(seed=0), tmp_path / "work.f1s")
    crashed = RecoverySession()
    crashed.write(ProjectSnapshot.take(full_document(seed=8), "x"), project, "work.f1s")
    crashed.close(keep=True)
    asked: list[str] = []
    _answer(monkeypatch, "Discard it", asked)
    win = make_window()
    assert win.open_path(project)
    assert "holds changes that are not in the file" in asked[0]
    assert_same_document(win.doc, full_document(seed=0))
    assert not win.is_modified and orphaned_copies() == []


def test_a_project_that_fails_to_open_changes_nothing(make_window, tmp_path):
    win = make_window()
    good = save_project(full_document(seed=0), tmp_path / "good.f1s")
    assert win.open_path(good)
    broken = tmp_path / "broken.f1s"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    assert not win.open_path(broken)
    assert win.path == good and not win.is_modified
    assert "broken.f1s" in win.statusBar().currentMessage()
    assert win.window_state.value("last_project") == str(good)
