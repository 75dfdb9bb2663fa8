"""Live mode: the picture follows the document, latest wins, nothing piles up or stays behind."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from f1studio.appsettings import AppSettings
from f1studio.document.document import Document
from f1studio.document.layers import LayerKind
from f1studio.engine.events import Finished
from f1studio.gui.family_defaults import live_defaults
from f1studio.gui.jobs import GenerateController
from f1studio.gui.live import APPLY_LABEL, FRESH_STEPS, LiveController, live_request
from f1studio.gui.worker import EngineWorker

LONG = 60_000  # ms


@pytest.fixture
def app_settings(tiny_models: dict[str, Path]) -> AppSettings:
    return AppSettings(base=str(tiny_models["pipeline"]), device="cpu")


@pytest.fixture
def doc() -> Document:
    d = Document(64, 64, prompt="a red car")
    d.add_layer(LayerKind.PAINT, name="Sketch")
    d.history.clear()
    d.set_setting("live_steps", 3)
    d.set_setting("live_strength", 0.7)
    return d


@pytest.fixture
def worker(qtbot, engine_cache):
    w = EngineWorker(cache=engine_cache)
    yield w
    assert w.shutdown()


@pytest.fixture
def live(qtbot, doc, worker, app_settings):
    controller = LiveController(lambda: doc, worker, lambda: app_settings)
    controller.errors: list[str] = []  # type: ignore[misc]
    controller.errorMessage.connect(controller.errors.append)
    return controller


def _settle(qtbot, live: LiveController) -> None:
    qtbot.waitUntil(lambda: live.idle and not live.worker.is_busy, timeout=LONG)


def _dab(doc: Document, i: int) -> None:
    colour = (40 + 10 * i, 200 - 8 * i, 30 + 5 * i, 255)
    doc.paint_disc(doc.layers[0].id, 10 + 2 * i, 12 + 2 * i, 4, colour)


def _render_now(worker: EngineWorker, cache, request) -> np.ndarray:  # noqa: ANN001
    """The engine run directly on ``request`` (on the worker's thread, like every render)."""
    from f1studio.engine.runner import run

    events: list = []
    future = worker.run_callable(lambda: run(request, events.append, threading.Event(), cache))
    future.result(timeout=LONG / 1000)
    finished = [e for e in events if isinstance(e, Finished)]
    assert finished, events
    return finished[0].result.images[0]


def test_a_burst_of_changes_ends_with_at_most_two_renders_showing_the_final_document(
    qtbot, doc, live, worker, app_settings, engine_cache
):
    doc.set_setting("live", True)
    qtbot.waitUntil(lambda: live.picture is not None, timeout=LONG)
    _settle(qtbot, live)
    backlog = 0
    for i in range(20):
        _dab(doc, i)
        backlog = max(backlog, live.backlog, worker.pending_count)
        qtbot.wait(3)  # the event loop turns: some renders start, most become stale
    started, finished = live.renders_started, live.renders_finished
    running_then = int(live.running_job is not None)
    _settle(qtbot, live)
    assert live.renders_started - started <= 1  # only the final state starts afterwards
    assert live.renders_finished - finished <= 2 - (1 - running_then)
    assert backlog <= 1
    final = live_request(doc, app_settings)
    assert live.shown_request == final
    assert np.array_equal(live.picture, _render_now(worker, engine_cache, final))
    assert len(doc.results) == 0 and len(doc.layers) == 1  # live results are transient
    assert live.errors == []


def test_no_render_when_nothing_that_renders_changed(qtbot, doc, live, worker):
    doc.set_setting("live", True)
    qtbot.waitUntil(lambda: live.picture is not None, timeout=LONG)
    _settle(qtbot, live)
    started = live.renders_started
    layer = doc.layers[0].id
    doc.set_layer_property(layer, "name", "Renamed")  # a name is not in the request
    doc.set_setting("steps", 7)  # the full render's steps, not live's
    doc.set_setting("batch_count", 3)  # live renders one picture
    doc.set_prompt("a red car ")  # trailing space: the same prompt
    live.poke()  # as the canvas does on a pointer move that painted nothing
    qtbot.wait(300)
    _settle(qtbot, live)
    assert live.renders_started == started
    doc.set_setting("live_seed", 7)  # this one does change the live request
    qtbot.waitUntil(lambda: live.renders_started == started + 1, timeout=LONG)


def test_live_off_cancels_and_leaves_nothing_behind(qtbot, doc, live, worker):
    doc.set_setting("live_steps", 400)  # runs for seconds
    doc.set_setting("live", True)
    qtbot.waitUntil(lambda: live.running_job is not None, timeout=LONG)
    with qtbot.waitSignal(worker.jobCancelled, timeout=LONG):
        doc.set_setting("live", False)
    assert live.picture is None and not live.active
    _dab(doc, 1)
    qtbot.wait(200)
    assert live.idle and not worker.is_busy  # off: changes render nothing
    assert len(doc.results) == 0 and len(doc.layers) == 1
    assert doc.history.labels == ["Paint"]  # the dab only


def test_a_stale_render_is_cancelled_when_starting_over_is_quicker(qtbot, doc, live, worker):
    doc.set_setting("live_steps", 400)  # ~280 denoising steps: seconds
    doc.set_setting("live", True)
    qtbot.waitUntil(lambda: live.running_job is not None and live.step_s is not None, timeout=LONG)
    long_job = live.running_job
    with qtbot.waitSignal(worker.jobCancelled, timeout=LONG) as cancelled:
        doc.set_setting("live_steps", 2)  # the fresh render is far shorter than the rest
    assert cancelled.args[0] == long_job
    qtbot.waitUntil(lambda: live.picture is not None, timeout=LONG)
    assert live.shown_request is not None and live.shown_request.steps == 2
    assert live.renders_finished == 1  # the stale render never showed


def test_the_release_of_a_stroke_cancels_the_stale_render_at_once(qtbot, doc, live, worker):
    """While drawing, a stale render that finishes sooner than a fresh one would goes on (a
    picture while drawing); once the stroke ends, only the finished stroke's picture matters."""
    doc.set_setting("live_steps", 400)  # ~280 denoising steps: seconds
    doc.set_setting("live", True)
    _settle(qtbot, live)  # the time per step is known
    cancelled: list[int] = []
    worker.jobCancelled.connect(lambda job_id, _: cancelled.append(job_id))
    stroke = doc.begin_stroke(doc.layers[0].id)
    stroke.disc(20, 20, 6, (250, 40, 40, 255))
    live.poke()  # the canvas pokes live while a stroke is open
    qtbot.waitUntil(lambda: live.running_job is not None, timeout=LONG)
    mid_stroke = live.running_job
    stroke.disc(40, 40, 6, (40, 40, 250, 255))
    live.poke()
    qtbot.waitUntil(lambda: live.backlog == 1 and not live._dirty, timeout=LONG)
    assert live.running_job == mid_stroke  # stale, but finishing beats starting over
    doc.end_stroke(stroke)  # the release
    qtbot.waitUntil(lambda: mid_stroke in cancelled, timeout=LONG)
    _settle(qtbot, live)
    assert live.shown_request == live_request(doc, live._settings())


def test_apply_copies_the_live_picture_as_one_undo_step(qtbot, doc, live):
    doc.set_setting("live", True)
    qtbot.waitUntil(lambda: live.picture is not None, timeout=LONG)
    _settle(qtbot, live)
    picture = live.picture.copy()
    layer_id = live.apply()
    assert layer_id is not None and len(doc.layers) == 2
    assert np.array_equal(doc.layer(layer_id).data[:, :, :3], picture)
    assert (doc.layer(layer_id).data[:, :, 3] == 255).all()
    assert doc.history.labels == [APPLY_LABEL]
    assert doc.undo() and len(doc.layers) == 1 and not doc.can_undo


def test_a_full_render_pauses_live_and_live_resumes_after(qtbot, doc, live, worker, app_settings):
    doc.set_setting("live_steps", 400)
    doc.set_setting("live", True)
    qtbot.waitUntil(lambda: live.running_job is not None, timeout=LONG)
    generation = GenerateController(lambda: doc, worker, lambda: app_settings)
    doc.set_setting("steps", 3)
    with qtbot.waitSignal(worker.jobCancelled, timeout=LONG):  # the live render gives way
        full = generation.generate()
    assert live.paused and worker.current_job == full
    doc.set_setting("live_steps", 2)
    _dab(doc, 2)  # live waits while the full render runs
    assert live.running_job is None
    with qtbot.waitSignal(generation.resultReady, timeout=LONG):
        pass
    qtbot.waitUntil(lambda: live.picture is not None, timeout=LONG)  # live resumed
    _settle(qtbot, live)
    assert live.shown_request == live_request(doc, app_settings)
    assert len(doc.results) == 1  # the full render only


def test_esc_stops_the_full_render_not_the_live_one(qtbot, doc, live, worker, app_settings):
    doc.set_setting("live_steps", 400)
    doc.set_setting("live", True)
    qtbot.waitUntil(lambda: live.running_job is not None, timeout=LONG)
    running = live.running_job
    generation = GenerateController(lambda: doc, worker, lambda: app_settings)
    cancelled: list[int] = []
    worker.jobCancelled.connect(lambda job_id, _: cancelled.append(job_id))
    generation.cancel()  # Esc with no full render: the live render goes on
    qtbot.wait(200)
    assert cancelled == [] and live.running_job == running
    doc.set_setting("steps", 400)
    full = generation.generate()  # live gives way to it
    qtbot.waitUntil(lambda: worker.current_job == full, timeout=LONG)
    with qtbot.waitSignal(worker.jobCancelled, timeout=LONG) as sig:
        generation.cancel()
    assert sig.args[0] == full
    doc.set_setting("live", False)
    _settle(qtbot, live)


def test_an_error_shows_once_and_live_recovers(qtbot, doc, live, tmp_path):
    doc.set_model("base", str(tmp_path / "no-such-model"))
    doc.set_setting("live", True)
    qtbot.waitUntil(lambda: len(live.errors) == 1, timeout=LONG)
    for i in range(4):  # every stroke fails the same way: one message
        _dab(doc, i)
        _settle(qtbot, live)
    assert len(live.errors) == 1 and live.picture is None
    with qtbot.waitSignal(live.statusMessage, timeout=LONG) as said:
        doc.set_model("base", None)  # the user fixes it: back to their model
    qtbot.waitUntil(lambda: live.picture is not None, timeout=LONG)
    assert len(live.errors) == 1
    assert said.args is not None


def test_live_defaults_per_family():
    assert live_defaults("sd15", "demo", None).steps <= 8
    assert live_defaults("sd15", None, "/m/sd15").steps == 25  # the model's own
    assert live_defaults("sdxl", None, "/m/sdxl-turbo").steps == 4
    assert live_defaults("sd15", None, "/m/dreamshaper-lcm").steps == 4
    assert 1 <= live_defaults("flux", "schnell", "/m/flux").steps <= 4
    dev = live_defaults("flux", "dev", "/m/flux-dev")
    assert dev.warning and "slow" in dev.warning


@pytest.fixture
def window(studio, tiny_settings):
    doc = Document(64, 64, prompt="a red car")
    doc.add_layer(LayerKind.PAINT, name="Sketch")
    doc.history.clear()
    doc.set_setting("live_steps", 3)
    return studio(tiny_settings, doc)


def test_a_stroke_on_the_canvas_changes_the_live_view(qtbot, window):
    win = window
    qtbot.keyClick(win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # Ctrl+L
    assert win.doc.settings.live and win.prompt_panel.live_button.isChecked()
    picture = win.live.view.picture
    qtbot.waitUntil(lambda: picture.serial >= 1 and picture.isVisible(), timeout=LONG)
    before = picture.image().copy()
    shown = picture.serial
    canvas = win.canvas
    canvas.set_active_layer(win.doc.layers[0].id)

    def at(x: float, y: float) -> QPoint:
        return canvas.canvas_to_widget(x, y).toPoint()

    left, nomod = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    qtbot.mousePress(canvas, left, nomod, at(8, 8))
    for k in range(1, 12):
        qtbot.mouseMove(canvas, at(8 + 4 * k, 8 + 3 * k))
    qtbot.mouseRelease(canvas, left, nomod, at(52, 41))
    assert win.doc.history.labels  # the stroke landed in the document
    qtbot.waitUntil(lambda: picture.serial > shown, timeout=LONG)
    _settle(qtbot, win.live.controller)
    assert picture.image() != before
    assert win.live.controller.shown_request == live_request(win.doc, AppSettings.load())
    assert len(win.doc.results) == 0
    win.live.set_view_mode("split")  # the view moves beside the canvas and keeps its picture
    assert win.live.view_mode == "split" and win.live.view.isVisible()
    qtbot.keyClick(win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # off again
    assert not win.doc.settings.live and not picture.has_picture


def test_a_canvas_with_nothing_painted_renders_live_from_scratch(doc, app_settings):
    """At a live strength below 1 a blank canvas would only be re-made in part (a faint
    picture); with nothing painted live renders from the prompt alone, and the first paint
    makes it follow the canvas at the live strength again."""
    blank = live_request(doc, app_settings)
    assert blank.init_image is None and blank.strength == 1.0 and blank.strength_map is None
    _dab(doc, 0)
    painted = live_request(doc, app_settings)
    assert painted.init_image is not None
    assert np.array_equal(painted.init_image.array(), doc.visible_canvas())
    layer = doc.layers[0].id
    doc.set_layer_property(layer, "visible", False)  # hidden paint is not on the canvas
    assert live_request(doc, app_settings) == blank
    doc.set_layer_property(layer, "visible", True)
    doc.set_setting("live_strength", 1.0)
    assert live_request(doc, app_settings).init_image is None


def test_a_partly_painted_canvas_renders_the_paint_at_the_live_strength_and_the_rest_anew(
    doc, app_settings
):
    """Each pixel its own strength: the live strength under the paint, 1 on the bare canvas
    (re-making part of blank white would wash the picture out), in between on soft edges; a
    canvas painted all over is plain img2img at the live strength."""
    layer = doc.layers[0].id
    doc.paint_disc(layer, 30, 30, 10, (200, 30, 30, 255))
    request = live_request(doc, app_settings)
    assert request.strength == 1.0 and request.init_image is not None
    assert np.array_equal(request.init_image.array(), doc.visible_canvas())
    assert request.strength_map is not None
    # as many steps as img2img at the live strength takes, but never fewer than FRESH_STEPS
    live_steps = doc.settings.live_steps
    assert request.steps == max(min(live_steps, FRESH_STEPS), int(live_steps * 0.7))
    doc.set_setting("live_steps", 20)
    assert live_request(doc, app_settings).steps == 14
    doc.set_setting("live_steps", 4)
    assert live_request(doc, app_settings).steps == 4
    doc.set_setting("live_steps", 2)
    assert live_request(doc, app_settings).steps == 2
    values = request.strength_map.array()
    covered = doc.layers[0].data[..., 3]
    assert values.shape == covered.shape
    assert (values[covered == 255] == round(0.7 * 255)).all()  # under the paint
    assert (values[covered == 0] == 255).all()  # the bare canvas
    edge = (covered > 0) & (covered < 255)
    if edge.any():  # a soft brush edge lies between
        assert (values[edge] > round(0.7 * 255)).all() and (values[edge] < 255).all()
    doc.set_setting("live_strength", 0.5)
    # a layer at half opacity covers half: the map says 1 - 0.5 * (1 - 0.5) there
    doc.set_layer_property(layer, "opacity", 0.5)
    values = live_request(doc, app_settings).strength_map.array()
    assert abs(int(values[30, 30]) - round(0.75 * 255)) <= 1
    doc.set_layer_property(layer, "opacity", 1.0)
    doc.paint_rect(layer, 0, 0, doc.height, doc.width, (250, 250, 250, 255))
    full = live_request(doc, app_settings)
    assert full.strength == 0.5 and full.strength_map is None and full.init_image is not None


def test_the_live_view_says_when_it_draws_from_the_prompt_alone(qtbot, window):
    win = window
    qtbot.keyClick(win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    label = win.live.view.status_label
    qtbot.waitUntil(lambda: "Nothing painted yet" in label.text(), timeout=LONG)
    win.doc.paint_disc(win.doc.layers[0].id, 20, 20, 6, (200, 30, 30, 255))
    qtbot.waitUntil(lambda: "Nothing painted yet" not in label.text(), timeout=LONG)
    _settle(qtbot, win.live.controller)
    qtbot.keyClick(win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)


def test_live_renders_decode_with_the_users_tiny_vae(doc, app_settings, tmp_path):
    """A tiny VAE chosen for the base model's family decodes the live picture (fast_decode);
    normal renders keep the full VAE for theirs."""
    from f1studio.gui.live import live_request
    from f1studio.testing.tiny_vae import build_tiny_vae

    assert live_request(doc, app_settings).tiny_vae is None  # none chosen: the full VAE
    tiny = build_tiny_vae(tmp_path / "taesd", latent_channels=4)
    with_tiny = app_settings.with_tiny_vae("sd15", str(tiny))
    request = live_request(doc, with_tiny)
    assert request.tiny_vae == str(tiny) and request.fast_decode


def test_turning_live_on_keeps_the_side_panels_steady(qtbot, window):
    """The live view opens beside the canvas, sharing its space evenly; the layer list and
    the prompt panel keep their size."""
    win = window
    layers, prompt = win.layers_panel.tree.size(), win.prompt_panel.size()
    canvas_width = win.canvas.width()
    qtbot.keyClick(win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: win.live.view.isVisible(), timeout=5000)
    qtbot.wait(50)
    assert win.live.view_mode == "split"
    assert win.layers_panel.tree.size() == layers and win.prompt_panel.size() == prompt
    assert win.live.view.width() >= 0.4 * canvas_width  # not a sliver at the side
    qtbot.keyClick(win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.wait(50)
    assert not win.live.view.isVisible() and win.layers_panel.tree.size() == layers


def test_live_renders_honour_a_steering_reference(doc, app_settings, tiny_models, tmp_path):
    """A reference set to steer reaches live renders with the user's IP-Adapter for the
    model's family, and the live render follows it."""
    from diffusers import UNet2DConditionModel

    from f1studio.engine.models import ModelCache
    from f1studio.engine.runner import run
    from f1studio.gui.live import live_request
    from f1studio.testing.tiny_ip_adapter import build_ip_adapter

    picture = np.zeros((64, 64, 4), np.uint8)
    picture[8:40, 8:40] = (250, 200, 20, 255)
    layer = doc.add_layer(LayerKind.REFERENCE, name="Look", data=picture)
    plain = live_request(doc, app_settings)
    assert plain.references == ()  # trace only
    doc.set_layer_property(layer.id, "use", "style")
    unet = UNet2DConditionModel.from_pretrained(str(tiny_models["pipeline"] / "unet"))
    adapter = build_ip_adapter(unet, tmp_path / "ip-adapter")
    with_adapter = app_settings.with_ip_adapter("sd15", str(adapter))
    request = live_request(doc, with_adapter)
    assert request.ip_adapter == str(adapter) and request.references[0].use == "style"
    cache = ModelCache()
    a, b = run(plain, cache=cache), run(request, cache=cache)
    assert a is not None and b is not None
    assert np.abs(a.images[0].astype(int) - b.images[0].astype(int)).max() > 10


def test_a_partly_painted_canvas_brings_no_inpaint_controlnet_where_the_model_has_none(
    doc, app_settings
):
    """The tiny SD1.5 model has no inpaint ControlNet chosen: the strength map goes alone."""
    doc.paint_disc(doc.layers[0].id, 30, 30, 10, (200, 30, 30, 255))
    request = live_request(doc, app_settings)
    assert request.strength_map is not None and request.strength_map_controlnet is None
    chosen = app_settings.with_inpaint_controlnet("sd15", "/models/control_v11p_sd15_inpaint")
    assert live_request(doc, chosen).strength_map_controlnet == "/models/control_v11p_sd15_inpaint"


def test_the_live_view_says_when_its_picture_is_out_of_date(qtbot, window, tiny_settings, tmp_path):
    """A model chosen in a dialog is rendered with at once, and when live cannot render, the
    view says its picture is an earlier state instead of "Up to date" (seen under Xvfb)."""
    import dataclasses

    win = window
    view, picture = win.live.view, win.live.view.picture
    qtbot.keyClick(win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: picture.serial >= 1, timeout=LONG)
    qtbot.waitUntil(lambda: view.status_label.text().startswith("Up to date"), timeout=LONG)
    shown = picture.serial
    broken = dataclasses.replace(tiny_settings, base=str(tmp_path / "no-such-model"))
    broken.save()  # what Model ▸ Choose models… does on OK
    win._models_changed()
    qtbot.waitUntil(lambda: "Not up to date" in view.status_label.text(), timeout=LONG)
    assert "earlier state" in view.status_label.text() and picture.serial == shown
    tiny_settings.save()  # the user puts their model back
    win._models_changed()
    qtbot.waitUntil(lambda: view.status_label.text().startswith("Up to date"), timeout=LONG)
    win.doc.set_setting("live", False)
