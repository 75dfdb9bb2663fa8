"""The main window as a user drives it: generate, cancel, drop, extract, save, close."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from f1studio.appsettings import AppSettings
from f1studio.document.layers import LayerKind


@pytest.fixture()
def window(studio, tiny_models):
    settings = AppSettings(
        base=str(tiny_models["pipeline"]),
        controlnets={
            "edge": str(tiny_models["controlnet-edge"]),
            "depth": str(tiny_models["controlnet-depth"]),
        },
        depth_estimator=str(tiny_models["depth-estimator"]),
        device="cpu",
    )
    win = studio(settings)
    win.doc.set_prompt("a red car")
    win.doc.set_setting("steps", 4)
    win.set_document(win.doc, None)  # start from a clean, saved state
    return win


def _resize(win, size):
    win.doc.resize_canvas(size, size)


def test_a_render_previews_and_apply_adds_one_layer_while_the_ui_keeps_ticking(window, qtbot):
    _resize(window, 64)
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    layers_before = len(window.doc.layers)
    window.doc.set_setting("steps", 12)
    with qtbot.waitSignal(window.worker.jobFinished, timeout=60000):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.wait(50)
    timer.stop()
    gaps = np.diff(ticks) * 1000
    assert len(ticks) > 5 and gaps.max() < 500  # the UI thread was never blocked for long
    # the result previews over the canvas; the document's layers are untouched
    assert len(window.doc.layers) == layers_before and window.results.count == 1
    (record,) = window.doc.results
    assert window.results.selected_id == record.id and window.canvas.previewing_result
    shown = window.canvas.grab().toImage()
    centre = shown.pixelColor(window.canvas.canvas_to_widget(32, 32).toPoint())
    expected = record.image[32, 32]
    assert abs(centre.red() - int(expected[0])) < 12 and abs(centre.blue() - int(expected[2])) < 12
    # Enter in the strip applies it, once
    window.results.list.setFocus()
    qtbot.keyClick(window.results.list, Qt.Key.Key_Return)
    assert len(window.doc.layers) == layers_before + 1 and not window.canvas.previewing_result
    top = window.doc.layers[-1]
    assert top.kind == LayerKind.PAINT and "a red car" in top.name and "seed" in top.name
    assert np.array_equal(top.data[..., :3], record.image) and top.data[..., 3].min() == 255
    window.results.select_result(record.id)
    assert not window.results.apply_button.isEnabled()
    qtbot.keyClick(window.results.list, Qt.Key.Key_Return)  # already a layer: no second one
    assert len(window.doc.layers) == layers_before + 1
    assert window.doc.history.labels[-1] == "Apply result"
    window.doc.undo()  # applying is one undo step; the result stays in the history
    assert len(window.doc.layers) == layers_before and window.results.count == 1
    window.results.select_result(record.id)
    assert window.results.apply_button.isEnabled()  # undone: it can be applied again


def test_escape_cancels_and_the_document_is_unchanged(window, qtbot):
    _resize(window, 64)
    window.doc.set_setting("steps", 400)
    revision = window.doc.revision
    layers = [(layer.id, layer.data.copy()) for layer in window.doc.layers]
    with qtbot.waitSignal(window.worker.jobProgress, timeout=60000):
        window.render_controls.generate_button.click()
    with qtbot.waitSignal(window.worker.jobCancelled, timeout=10000):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Escape)
    qtbot.wait(50)
    assert window.doc.revision == revision
    assert [layer.id for layer in window.doc.layers] == [i for i, _ in layers]
    assert all(
        np.array_equal(a.data, b) for a, (_, b) in zip(window.doc.layers, layers, strict=True)
    )
    assert window.results.count == 0


def _drop(widget, paths, pos):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(
        pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(widget, enter)
    event = QDropEvent(
        QPointF(pos),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)


def test_dropping_an_image_makes_a_reference_layer_where_it_was_dropped(window, qtbot, tmp_path):
    from skimage.data import chelsea

    photo = np.asarray(Image.fromarray(chelsea()).resize((100, 80)))
    Image.fromarray(photo).save(tmp_path / "cat.png")
    (tmp_path / "notes.txt").write_text("hello")
    canvas = window.canvas
    canvas.set_zoom(1.0)
    target = QPoint(canvas.width() // 2, canvas.height() // 2)
    cx, cy = canvas.widget_to_canvas(QPointF(target))
    before = len(window.doc.layers)
    _drop(canvas, [tmp_path / "cat.png"], target)
    qtbot.waitUntil(lambda: len(window.doc.layers) == before + 1, timeout=10000)
    layer = window.doc.layers[-1]
    assert layer.kind == LayerKind.REFERENCE and layer.name == "cat"
    ys, xs = np.nonzero(layer.data[..., 3])
    assert abs((xs.min() + xs.max()) / 2 - cx) <= 2 and abs((ys.min() + ys.max()) / 2 - cy) <= 2
    assert xs.max() - xs.min() + 1 == 100 and ys.max() - ys.min() + 1 == 80
    _drop(canvas, [tmp_path / "notes.txt"], target)
    qtbot.waitUntil(lambda: "notes.txt" in window.statusBar().currentMessage(), timeout=10000)
    assert len(window.doc.layers) == before + 1


def test_edges_from_this_image_creates_an_edge_guide(window, qtbot):
    from skimage.data import astronaut

    photo = np.asarray(Image.fromarray(astronaut()).resize((512, 512)))
    rgba = np.dstack([photo, np.full((512, 512), 255, np.uint8)])
    ref = window.doc.add_layer(LayerKind.REFERENCE, name="astronaut", data=rgba)
    window.layers_panel.select_layer(ref.id)
    window.layers_panel.extractRequested.emit(ref.id, "edge")
    qtbot.waitUntil(lambda: window.doc.layers[-1].kind == LayerKind.EDGE, timeout=10000)
    guide = window.doc.layers[-1]
    assert guide.name == "Edges of astronaut"
    assert set(np.unique(guide.data)) <= {0, 255} and 0.01 < (guide.data > 0).mean() < 0.5


def test_save_and_reopen_restore_the_document_exactly(window, qtbot, tmp_path):
    doc = window.doc
    doc.add_layer(LayerKind.REGION, name="car", prompt="a red car", weight=1.3)
    doc.paint_rect(doc.layers[-1].id, 10, 10, 100, 200, 255)
    doc.set_setting("guidance_scale", 9.5)
    path = tmp_path / "p.f1s"
    assert window._save_to(path)
    assert not window.is_modified
    snapshot = [(layer.id, layer.properties(), layer.data.copy()) for layer in doc.layers]
    window.new_project()
    assert window.open_path(path)
    again = window.doc
    assert again.settings.guidance_scale == 9.5 and again.prompt == "a red car"
    assert [(layer.id, layer.properties()) for layer in again.layers] == [
        (i, p) for i, p, _ in snapshot
    ]
    assert all(
        np.array_equal(a.data, d) for a, (_, _, d) in zip(again.layers, snapshot, strict=True)
    )


def test_closing_during_a_render_exits_cleanly(window, qtbot):
    _resize(window, 64)
    window.doc.set_setting("steps", 400)
    with qtbot.waitSignal(window.worker.jobProgress, timeout=60000):
        window.render_controls.generate_button.click()
    start = time.perf_counter()
    window.close()
    assert time.perf_counter() - start < 10
    assert not window.isVisible()
    assert not window.worker.is_busy


def test_the_window_fits_the_chosen_models_family(window, qtbot, tiny_flux):
    app = AppSettings.load()
    app.base = str(tiny_flux["pipeline-schnell"])
    app.save()
    window._models_changed()
    settings = window.doc.settings
    assert (settings.steps, settings.scheduler) == (4, "flow-euler")
    assert not window.guidance.isEnabled() and "ignores guidance" in window.guidance.toolTip()
    window.doc.set_setting("seed", 7)  # later edits refresh the panel; it stays greyed out
    assert not window.guidance.isEnabled()
    assert "FLUX.1 schnell" in window.engine_label.text()
    app.base = str(tiny_flux["pipeline"])
    app.save()
    window._models_changed()
    assert window.guidance.isEnabled()
    assert (settings.steps, settings.guidance_scale) == (28, 3.5)
    window.doc.set_setting("steps", 12)  # the user's own choice survives re-opening the dialog
    window._models_changed()
    assert window.doc.settings.steps == 12


def test_progress_shows_while_a_render_runs_and_goes_when_it_ends(window, qtbot):
    _resize(window, 64)
    window.doc.set_setting("steps", 400)
    controls = window.render_controls
    assert controls.progress.isHidden() and not controls.cancel_button.isEnabled()
    with qtbot.waitSignal(window.worker.jobProgress, timeout=60000):
        controls.generate_button.click()
    assert not controls.progress.isHidden() and controls.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: controls.progress.maximum() == 400, timeout=10000)
    assert controls.progress.format().startswith("step ")
    with qtbot.waitSignal(window.worker.jobCancelled, timeout=10000):
        controls.cancel_button.click()
    assert controls.progress.isHidden() and not controls.cancel_button.isEnabled()
    assert "nothing was changed" in window.statusBar().currentMessage()


def test_a_model_that_cannot_load_is_explained_above_the_canvas(window, qtbot, tmp_path):
    _resize(window, 64)
    window.doc.set_model("base", str(tmp_path / "gone-model"))
    assert window.model_banner.isHidden()
    layers = len(window.doc.layers)
    with qtbot.waitSignal(window.worker.jobFailed, timeout=60000) as failed:
        window.generation.generate()
    message = failed.args[1].message
    assert "gone-model" in message
    assert not window.model_banner.isHidden() and window.model_banner.label.text() == message
    assert message in window.statusBar().currentMessage()
    assert len(window.doc.layers) == layers and window.results.count == 0
    assert window.render_controls.progress.isHidden()
