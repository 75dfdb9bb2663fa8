"""The Models dialog, offscreen: installed models, choosing them, downloads (faked)."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QFileDialog  # noqa: E402

from f1studio.appsettings import AppSettings  # noqa: E402
from f1studio.engine import downloads  # noqa: E402
from f1studio.engine.downloads import DownloadCancelled, DownloadError, DownloadProgress  # noqa: E402
from f1studio.gui.models_dialog import ModelsDialog  # noqa: E402
from tests.gui.test_choose_models_dialog import damaged_model  # noqa: E402

SD15_ID = "stable-diffusion-v1-5/stable-diffusion-v1-5"


@pytest.fixture(autouse=True)
def _own_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")


@pytest.fixture()
def open_dialog(qtbot):
    made = []

    def make(worker=None) -> ModelsDialog:
        dialog = ModelsDialog(worker=worker)
        qtbot.addWidget(dialog)
        dialog.show()
        made.append(dialog)
        return dialog

    yield make
    for dialog in made:
        dialog.downloads.cancel_download()


def names(dialog: ModelsDialog) -> list[str]:
    return [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]


def put_in_hf_cache(tmp_path: Path, source: Path, repo_id: str) -> Path:
    snapshot = (
        tmp_path / "hf-cache" / f"models--{repo_id.replace('/', '--')}" / "snapshots" / ("cd" * 20)
    )
    shutil.copytree(source, snapshot)
    refs = snapshot.parent.parent / "refs"
    refs.mkdir(exist_ok=True)
    (refs / "main").write_text("cd" * 20)
    return snapshot


# ---- installed ---------------------------------------------------------------------------------
def test_add_folder_lists_the_tiny_models(open_dialog, qtbot, tiny_models, monkeypatch):
    dialog = open_dialog()
    assert names(dialog) == [] and "No models found" in dialog.status.text()
    assert dialog.guide.isVisibleTo(dialog)  # the first-start guide: download or add a folder
    assert "Recommended" in dialog.guide.text() and "Add folder" in dialog.guide.text()
    root = tiny_models["pipeline"].parent
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(root))
    qtbot.mouseClick(dialog.add_folder_button, Qt.MouseButton.LeftButton)
    assert names(dialog) == ["pipeline", "controlnet-depth", "controlnet-edge", "depth-estimator"]
    row = [dialog.table.item(0, c).text() for c in range(dialog.table.columnCount())]
    assert row[:4] == ["pipeline", "Stable Diffusion 1.5", "base", "base"]
    assert row[4].endswith(("KB", "MB")) and row[5] == f"folder: {tiny_models['pipeline']}"
    assert AppSettings.load().model_folders == [str(root.resolve())]
    assert dialog.status.text().startswith("4 models found")
    assert not dialog.guide.isVisibleTo(dialog)


def test_a_folder_without_models_is_refused(open_dialog, tmp_path, qtbot, monkeypatch):
    dialog = open_dialog()
    (tmp_path / "empty").mkdir()
    monkeypatch.setattr(
        QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path / "empty")
    )
    qtbot.mouseClick(dialog.add_folder_button, Qt.MouseButton.LeftButton)
    assert "No model F1 Studio can identify" in dialog.status.text()
    assert "color" in dialog.status.styleSheet()
    assert AppSettings.load().model_folders == []


@pytest.mark.parametrize("chosen", ["folder of models", "model folder"])
def test_a_damaged_model_folder_is_refused_with_the_reason(
    open_dialog, tmp_path, qtbot, monkeypatch, chosen
):
    folder = damaged_model(tmp_path / "fm")
    assert sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) == 105
    path = folder.parent if chosen == "folder of models" else folder
    dialog = open_dialog()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(path))
    qtbot.mouseClick(dialog.add_folder_button, Qt.MouseButton.LeftButton)
    text = dialog.status.text()
    assert text.startswith(f"No model F1 Studio can identify in {path}"), text
    assert f"{folder / 'unet' / 'config.json'} is not valid JSON (a damaged model file)" in text
    assert "color" in dialog.status.styleSheet()
    assert AppSettings.load().model_folders == [] and names(dialog) == []


def test_a_damaged_model_beside_good_ones_is_not_offered(open_dialog, tiny_models, tmp_path):
    root = tmp_path / "models"
    shutil.copytree(tiny_models["pipeline"], root / "pipeline")
    folder = damaged_model(root)
    AppSettings(model_folders=[str(root)]).save()
    dialog = open_dialog()
    assert names(dialog) == ["pipeline"]  # fakemodel is not listed, so it cannot be chosen
    assert not dialog.select_model("fakemodel")
    assert "1 other files or folders were not identified" in dialog.status.text()
    reason = f"{folder}: {folder / 'unet' / 'config.json'} is not valid JSON (a damaged model file)"
    assert reason in dialog.status.toolTip()


def test_use_buttons_write_the_settings(open_dialog, qtbot, tiny_models):
    AppSettings(model_folders=[str(tiny_models["pipeline"].parent)], device="cpu").save()
    dialog = open_dialog()
    buttons = dialog.use_buttons
    assert not any(b.isEnabled() for b in buttons.values())  # nothing selected yet

    assert dialog.select_model("pipeline")
    assert buttons["base"].isEnabled() and not buttons["edge_controlnet"].isEnabled()
    with qtbot.waitSignal(dialog.settingsChanged) as changed:
        qtbot.mouseClick(buttons["base"], Qt.MouseButton.LeftButton)
    assert changed.args == ["base", str(tiny_models["pipeline"])]
    assert AppSettings.load().base == str(tiny_models["pipeline"])
    assert "Base model: pipeline" in dialog.status.text()

    dialog.select_model("controlnet-edge")
    assert not buttons["base"].isEnabled() and buttons["depth_controlnet"].isEnabled()
    qtbot.mouseClick(buttons["edge_controlnet"], Qt.MouseButton.LeftButton)
    dialog.select_model("depth-estimator")
    qtbot.mouseClick(buttons["depth_estimator"], Qt.MouseButton.LeftButton)
    saved = AppSettings.load()
    assert saved.controlnets["edge"] == str(tiny_models["controlnet-edge"])
    assert saved.depth_estimator == str(tiny_models["depth-estimator"])
    assert saved.base == str(tiny_models["pipeline"]) and saved.device == "cpu"  # kept


def test_hugging_face_cache_models_in_the_settings(open_dialog, qtbot, tiny_models, tmp_path):
    put_in_hf_cache(tmp_path, tiny_models["pipeline"], "org/tiny-sd15")
    depth = put_in_hf_cache(tmp_path, tiny_models["controlnet-depth"], "org/tiny-depth")
    dialog = open_dialog()
    assert names(dialog) == ["org/tiny-sd15", "org/tiny-depth"]
    dialog.select_model("org/tiny-sd15")
    qtbot.mouseClick(dialog.use_buttons["base"], Qt.MouseButton.LeftButton)
    dialog.select_model("org/tiny-depth")
    qtbot.mouseClick(dialog.use_buttons["depth_controlnet"], Qt.MouseButton.LeftButton)
    saved = AppSettings.load()
    assert saved.base == "org/tiny-sd15"  # pipelines by id: found offline in the cache
    assert saved.controlnets == {"depth": str(depth)}  # ControlNets by folder


def test_scanning_runs_on_the_engine_worker(qtbot, tiny_models, monkeypatch):
    from f1studio.engine import catalog
    from f1studio.gui.worker import EngineWorker

    threads: list[tuple[str, int]] = []
    for name in ("scan", "scan_folder"):
        real = getattr(catalog, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            threads.append((_name, threading.get_ident()))
            return _real(*args, **kwargs)

        monkeypatch.setattr(catalog, name, spy)
    worker = EngineWorker(threads=1)
    try:
        dialog = ModelsDialog(worker=worker)
        qtbot.addWidget(dialog)
        with qtbot.waitSignal(dialog.modelsScanned, timeout=20000) as scanned:
            pass
        assert scanned.args[0] == [] and names(dialog) == []
        with qtbot.waitSignal(dialog.modelsScanned, timeout=20000) as scanned:
            dialog.add_folder(str(tiny_models["pipeline"].parent))
        assert len(scanned.args[0]) == 4 and len(names(dialog)) == 4
        assert AppSettings.load().model_folders == [str(tiny_models["pipeline"].parent.resolve())]
        ui = threading.get_ident()
        assert {name for name, _ in threads} == {"scan", "scan_folder"}
        assert all(thread != ui for _, thread in threads)
    finally:
        assert worker.shutdown()


# ---- recommended and downloads ------------------------------------------------------------------------
def test_the_recommended_tab_shows_licences(open_dialog):
    dialog = open_dialog()
    ids = [m.id for m in dialog.downloads.recommended]
    assert "black-forest-labs/FLUX.1-dev" in ids and SD15_ID in ids
    row = ids.index("black-forest-labs/FLUX.1-dev")
    assert "flux-1-dev-non-commercial-license (non-commercial), gated" in (
        dialog.downloads.rec_table.item(row, 4).text()
    )
    assert not dialog.downloads.download_button.isEnabled()
    dialog.downloads.select_recommended("black-forest-labs/FLUX.1-dev")
    text = dialog.downloads.details.text()
    assert "LICENSE.md" in text and "non-commercial use only" in text and "gated" in text
    assert dialog.downloads.download_button.isEnabled()


def test_the_recommended_table_fits_its_width_and_says_what_a_missing_size_means(
    open_dialog, qtbot
):
    """The long licence names used to push the table into a horizontal scroll that hid the
    Installed column; unknown sizes showed as "?"."""
    dialog = open_dialog()
    table = dialog.downloads.rec_table
    qtbot.waitUntil(lambda: table.viewport().width() > 0)
    assert table.horizontalScrollBar().maximum() == 0  # every column in view
    recommended = dialog.downloads.recommended
    for row, m in enumerate(recommended):
        licence = table.item(row, 4)
        assert licence.toolTip() == licence.text()  # the whole licence, however it is elided
        size = table.item(row, 3)
        if m.size_bytes is None:
            assert size.text() == "—" and "once it starts" in size.toolTip()
        else:
            assert size.text()[0].isdigit()
    assert any(m.size_bytes is None for m in recommended)  # the case above is exercised


@pytest.fixture()
def slow_download(monkeypatch):
    """A fake downloads.download that reports progress until cancelled (or finishes)."""
    state = {"calls": [], "stopped": threading.Event(), "finish_with": None, "steps": 10_000}

    def fake(repo_id, *, on_progress, cancel, token=None, allow_patterns=None):
        state["calls"].append((repo_id, token, threading.get_ident()))
        state["patterns"] = allow_patterns
        total = 5_000_000_000
        try:
            for i in range(state["steps"]):
                if cancel.is_set():
                    raise DownloadCancelled("cancelled")
                done = min(total, (i + 1) * 50_000_000)
                on_progress(
                    DownloadProgress(
                        repo_id, done, total, 25e6, (total - done) / 25e6, "unet", 3, 9
                    )
                )
                time.sleep(0.01)
            if state["finish_with"] is not None:
                return state["finish_with"]()
            return Path("/nowhere")
        finally:
            state["stopped"].set()

    monkeypatch.setattr(downloads, "download", fake)
    return state


def test_download_shows_progress_and_can_be_cancelled(open_dialog, qtbot, slow_download):
    dialog = open_dialog()
    dialog.downloads.select_recommended(SD15_ID)
    dialog.downloads.token.setText("hf_secret")
    qtbot.mouseClick(dialog.downloads.download_button, Qt.MouseButton.LeftButton)
    assert dialog.downloads.is_downloading and not dialog.downloads.download_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.downloads.progress.value() > 0, timeout=10000)
    label = dialog.downloads.progress_label.text()
    assert "of 5.0 GB" in label and "25.0 MB/s" in label and "left" in label
    assert "file 4 of 9" in label
    repo, token, thread = slow_download["calls"][0]
    assert (repo, token) == (SD15_ID, "hf_secret") and thread != threading.get_ident()
    with qtbot.waitSignal(dialog.downloadEnded, timeout=10000) as ended:
        qtbot.mouseClick(dialog.downloads.cancel_button, Qt.MouseButton.LeftButton)
    assert ended.args == ["cancelled"]
    assert "cancelled" in dialog.downloads.download_message.text()
    assert "continue where it stopped" in dialog.downloads.download_message.text()
    assert not dialog.downloads.is_downloading and dialog.downloads.download_button.isEnabled()
    assert not dialog.downloads.cancel_button.isEnabled()


def test_a_finished_download_appears_as_installed(
    open_dialog, qtbot, slow_download, tiny_models, tmp_path
):
    slow_download["steps"] = 3
    slow_download["finish_with"] = lambda: put_in_hf_cache(
        tmp_path, tiny_models["pipeline"], SD15_ID
    )
    dialog = open_dialog()
    dialog.downloads.select_recommended(SD15_ID)
    with qtbot.waitSignal(dialog.downloadFinished, timeout=10000) as finished:
        qtbot.mouseClick(dialog.downloads.download_button, Qt.MouseButton.LeftButton)
    assert finished.args[0] == SD15_ID
    assert dialog.downloads.progress.value() == dialog.downloads.progress.maximum()
    assert "Downloaded" in dialog.downloads.download_message.text()
    assert names(dialog) == [SD15_ID]
    row = [m.id for m in dialog.downloads.recommended].index(SD15_ID)
    assert dialog.downloads.rec_table.item(row, 5).text() == "yes"


def test_a_recommended_lora_downloads_only_its_file(open_dialog, qtbot, slow_download):
    slow_download["steps"] = 2
    dialog = open_dialog()
    lora = "latent-consistency/lcm-lora-sdv1-5"
    dialog.downloads.select_recommended(lora)
    with qtbot.waitSignal(dialog.downloadFinished, timeout=10000):
        qtbot.mouseClick(dialog.downloads.download_button, Qt.MouseButton.LeftButton)
    assert slow_download["patterns"] == ["pytorch_lora_weights.safetensors"]
    assert "Add LoRA" in dialog.downloads.download_message.text()


def test_offline_is_said_in_the_dialog(open_dialog, qtbot, monkeypatch, slow_download):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    dialog = open_dialog()
    dialog.downloads.select_recommended(SD15_ID)
    qtbot.mouseClick(dialog.downloads.download_button, Qt.MouseButton.LeftButton)
    assert "You are offline" in dialog.downloads.download_message.text()
    assert slow_download["calls"] == [] and not dialog.downloads.is_downloading


def test_a_failed_download_says_why(open_dialog, qtbot, monkeypatch):
    def gated(repo_id, **kwargs):
        raise DownloadError("gated", f"{repo_id} is gated: accept the licence on the model page")

    monkeypatch.setattr(downloads, "download", gated)
    dialog = open_dialog()
    dialog.downloads.select_recommended("black-forest-labs/FLUX.1-dev")
    with qtbot.waitSignal(dialog.downloadEnded, timeout=10000) as ended:
        qtbot.mouseClick(dialog.downloads.download_button, Qt.MouseButton.LeftButton)
    assert ended.args == ["failed"]
    assert dialog.downloads.download_message.text().startswith(
        "black-forest-labs/FLUX.1-dev is gated"
    )
    assert "color" in dialog.downloads.download_message.styleSheet()
    assert dialog.downloads.download_button.isEnabled()


def test_closing_the_dialog_cancels_the_download(open_dialog, qtbot, slow_download):
    dialog = open_dialog()
    dialog.downloads.select_recommended(SD15_ID)
    qtbot.mouseClick(dialog.downloads.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.downloads.progress.value() > 0, timeout=10000)
    dialog.reject()
    assert slow_download["stopped"].wait(5)
