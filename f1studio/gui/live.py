"""Live mode: the picture follows the sketch. Every document change that alters the live
request re-renders it, latest wins.

The :class:`LiveController` knows nothing of the window: it gets the current document, the
engine worker and the user's settings as providers (like ``jobs.GenerateController``) and emits
the newest live picture. Its rules:

- a request is built from the document at one moment on the UI thread (one consistent state
  the user had) and compared by equality with the last one rendered, running or failed:
  identical requests never re-render;
- at most one live render runs and at most one waits; the waiting one is the document's newest
  state, built when the running one ends (so a newer change always replaces it);
- a running render that is already stale is cancelled at its next step when finishing it would
  take longer than starting over (estimated from the steps done and the time per step), and
  always once the stroke that made it stale has ended: while drawing, a stale picture is
  better than none, but after the release only the picture of the finished stroke matters;
- a full render (any job another controller submits) takes priority: the live render running
  is cancelled and live waits until the worker has no other job;
- live results are transient: never in the document's result history, never a layer unless
  the user applies one; turning Live off cancels what runs and clears the picture;
- an error shows once (until another error or a success) and live carries on.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject, QTimer, Signal

from f1studio.appsettings import AppSettings
from f1studio.demo.model import FewStepLora
from f1studio.document.build import build_request
from f1studio.document.changes import Change, ChangeKind
from f1studio.document.document import Document
from f1studio.document.layers import LayerKind
from f1studio.engine.events import Cancelled, Failed, Finished, Progress, Started
from f1studio.engine.request import GenerationRequest, Pixels
from f1studio.gui.controller import DocumentController
from f1studio.gui.i18n import translate
from f1studio.gui.worker import EngineWorker
from f1studio.lora_library import embeddings_in
from f1studio.model_library import (
    few_step_lora_for,
    inpaint_controlnet_for,
    ip_adapter_for,
    resolve_models,
    tiny_vae_for,
)

# English here; the undo step and the layer get them in the window's language
APPLY_LABEL = QT_TRANSLATE_NOOP("LiveController", "Apply live picture")
LIVE_LAYER_NAME = QT_TRANSLATE_NOOP("LiveController", "Live picture")
SEED_RANGE = 2**31  # new live seeds fit the seed field of the prompt panel
#: The fewest steps a partly painted canvas's live render draws its bare part in.
FRESH_STEPS = 4


def live_request(doc: Document, app: AppSettings) -> GenerationRequest:
    """The live request of ``doc``: the one place where it is derived from the normal request
    (``build_request``), with the live seed, steps, strength and guidance (0: the prompt's), one
    picture, no auto steps; with the model's own few-step LoRA (``live_few_step``, where the
    model has one) added to the project's LoRAs, at that LoRA's sampler and guidance. On a canvas with nothing painted yet it renders from scratch
    (strength 1) whatever the live strength; on a partly painted one each pixel gets its own
    strength (a strength map): the live strength under the paint, 1 on the bare canvas, with
    the model's inpaint ControlNet (when it has one) showing it where the paint is."""
    s = doc.settings
    models = resolve_models(s.models, app)
    request = build_request(
        doc,
        model=models.base,
        controlnets=models.controlnets,
        device=app.device,
        allow_pickle=app.allow_pickle,
        seed=s.live_seed,
        steps=s.live_steps,
        auto_steps=False,
        embeddings=embeddings_in(app.model_folders),
        ip_adapter=ip_adapter_for(models.base, app),
        inpaint_controlnet=inpaint_controlnet_for(models.base, app),
    )
    init = request.init_image
    strength = float(s.live_strength)
    steps = int(s.live_steps)
    strength_map = fill_net = None
    if strength < 1.0 and init is None:
        coverage = doc.paint_coverage()
        if coverage.max() > 0.0:  # painted all over: img2img of the canvas, unless ...
            init = Pixels.of(doc.visible_canvas())
        if init is not None and coverage.min() < 1.0:  # ... partly painted: the paint at
            # the live strength, the untouched canvas drawn from the prompt (re-making blank
            # white would wash it out)
            strength_map = Pixels.of(strength_map_of(coverage, strength))
            fill_net = inpaint_controlnet_for(models.base, app)
            # about the time img2img at the live strength takes, so painting on a partly bare
            # canvas refreshes about as often as on a painted one: as many steps as it runs,
            # one fewer when the inpaint ControlNet rides along (it costs about half a step),
            # at least FRESH_STEPS for the bare canvas drawn from scratch
            runs = int(steps * strength) - (1 if fill_net else 0)
            steps = max(min(steps, FRESH_STEPS), runs)
            strength = 1.0
        elif init is None:  # nothing painted yet: drawn from the prompt alone
            strength = 1.0
    elif strength >= 1.0 and request.inpaint is None:
        init = None
    tiny_vae = tiny_vae_for(models.base, app)  # the user's fast decoder for this family
    fast = few_step_lora_for(models.base) if s.live_few_step else None
    if fast is not None:  # its sampler and guidance replace the live guidance
        request = request.with_changes(**fast.request_args(request.loras))
    return request.with_changes(
        guidance_scale=fast.guidance if fast else float(s.live_guidance or s.guidance_scale),
        strength=strength,
        init_image=init,
        strength_map=strength_map,
        strength_map_controlnet=fill_net,
        steps=steps,
        batch_count=1,
        tiny_vae=tiny_vae,
        fast_decode=tiny_vae is not None,
    )


def strength_map_of(coverage: np.ndarray, strength: float) -> np.ndarray:
    """uint8 strength map (255 = 1) of a partly painted canvas: ``strength`` where the paint
    covers a pixel fully, 1 where nothing does, in between along soft edges."""
    per_pixel = 1.0 - coverage * (1.0 - strength)
    return np.clip(np.rint(per_pixel * 255.0), 0, 255).astype(np.uint8)


@dataclass
class _Running:
    job_id: int
    request: GenerationRequest
    document: Document
    started: float
    steps_done: int = 0
    total: int = 0
    last_step_at: float = 0.0
    stopping: bool = False  # cancelled by this controller


class LiveController(DocumentController):
    """Keeps the live picture in step with the document (see the module docstring)."""

    pictureChanged = Signal(object)  # RGB uint8 of the newest live render, None: no picture
    activeChanged = Signal(bool)
    renderingChanged = Signal(bool)  # a live render runs
    errorChanged = Signal(object)  # why the last live render could not be made, None: it could
    appSettingsChanged = Signal()  # the user's settings changed (a model chosen in a dialog)

    def __init__(
        self,
        document: Callable[[], Document],
        worker: EngineWorker,
        settings: Callable[[], AppSettings] = AppSettings.load,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(document, settings, parent)
        self.worker = worker
        self._tag = object()  # marks this controller's jobs on the worker
        self._doc: Document | None = None
        self._active = False
        self._running: _Running | None = None
        self._waiting: GenerationRequest | None = None
        self._dirty = False  # the document changed since the last request was built
        self._stroking = False  # a stroke was open at the last change
        self._released = False  # a stroke ended since the running render was built
        self._shown: GenerationRequest | None = None
        self._failed: GenerationRequest | None = None
        self._error: str | None = None  # why the last live request could not be rendered
        self._picture: np.ndarray | None = None
        self._foreign: set[int] = set()  # other controllers' jobs: live waits for them
        self.step_s: float | None = None  # seconds per denoising step (running average)
        self.fixed_s: float | None = None  # seconds a render takes besides its steps
        self.renders_started = 0
        self.renders_finished = 0
        self.build_ms: list[float] = []  # how long building each request took (UI thread)
        self._pump_timer = QTimer(self)
        self._pump_timer.setSingleShot(True)
        self._pump_timer.setInterval(0)
        self._pump_timer.timeout.connect(self._pump)
        worker.jobSubmitted.connect(self._on_submitted)
        worker.jobStarted.connect(self._on_started)
        worker.jobProgress.connect(self._on_progress)
        worker.jobFinished.connect(self._on_finished)
        worker.jobFailed.connect(self._on_failed)
        worker.jobCancelled.connect(self._on_cancelled)
        self.document_replaced()

    # ---- state ----------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self._active

    @property
    def picture(self) -> np.ndarray | None:
        """The newest live picture (RGB uint8), None when there is none."""
        return self._picture

    @property
    def shown_request(self) -> GenerationRequest | None:
        """The request the shown picture was rendered from."""
        return self._shown if self._picture is not None else None

    @property
    def running_job(self) -> int | None:
        return self._running.job_id if self._running is not None else None

    @property
    def backlog(self) -> int:
        """Live renders waiting behind the running one (0 or 1)."""
        return int(self._waiting is not None or self._dirty)

    @property
    def idle(self) -> bool:
        """Nothing runs, waits or is about to be built."""
        return self._running is None and not self.backlog and not self._pump_timer.isActive()

    @property
    def paused(self) -> bool:
        """A full render runs or waits: live waits for it."""
        return bool(self._foreign)

    # ---- commands -------------------------------------------------------------------------
    def document_replaced(self) -> None:
        """Follow the document shown now (New, Open): drop everything of the old one."""
        doc = self._document()
        if self._doc is not None:
            self._doc.unsubscribe(self._on_doc_changed)
        self._doc = doc
        doc.subscribe(self._on_doc_changed)
        self._stop(clear=True)
        self._set_active(bool(doc.settings.live))

    def set_live(self, on: bool) -> None:
        """Switch live mode on or off for this project (saved with it; no undo step)."""
        doc = self._document()
        if doc.stroke_open:
            self.aboutToAddLayer.emit()  # settings may not change inside a stroke
        doc.set_setting("live", bool(on))

    def new_seed(self) -> None:
        doc = self._document()
        if doc.stroke_open:
            self.aboutToAddLayer.emit()
        doc.set_setting("live_seed", random.randrange(SEED_RANGE))

    def poke(self) -> None:
        """The document may have changed without a notification (a stroke in progress)."""
        stroking = self._document().stroke_open
        self._released = self._released or (self._stroking and not stroking)
        self._stroking = stroking
        if self._active:
            self._dirty = True
            self._schedule()

    def apply(self) -> str | None:
        """Copy the live picture into the document as a paint layer on top (one undo step)."""
        doc, picture = self._document(), self._picture
        if picture is None:
            self.statusMessage.emit(self.tr("No live picture to apply yet"))
            return None
        if picture.shape[:2] != (doc.height, doc.width):
            self.errorMessage.emit(
                self.tr("The live picture no longer fits the canvas; not applied")
            )
            return None
        self.aboutToAddLayer.emit()
        rgba = np.dstack([picture, np.full(picture.shape[:2], 255, np.uint8)])
        layer = doc.add_layer(
            LayerKind.PAINT,
            name=translate("LiveController", str(LIVE_LAYER_NAME)),
            data=rgba,
            label=translate("LiveController", str(APPLY_LABEL)),
        )
        self.layerAdded.emit(layer.id)
        return layer.id

    # ---- document -> renders --------------------------------------------------------------
    def _on_doc_changed(self, doc: Document, change: Change) -> None:
        if change.kind in (ChangeKind.RESULTS, ChangeKind.HISTORY):
            return  # the result and undo histories never change a render
        if change.kind is ChangeKind.SETTINGS and bool(doc.settings.live) != self._active:
            self._set_active(bool(doc.settings.live))
            return
        self.poke()

    def _set_active(self, on: bool) -> None:
        if on == self._active:
            return
        self._active = on
        if on:
            self._dirty = True
            self._schedule()
            self._announce_model()
        else:
            self._stop(clear=True)
            self.statusMessage.emit(self.tr("Live off"))
        self.activeChanged.emit(on)

    def _announce_model(self) -> None:
        from f1studio.gui.family_defaults import identify_model, live_defaults

        base = resolve_models(self._document().settings.models, self._settings()).base
        warning = live_defaults(*identify_model(base), base).warning
        if warning:
            self.statusMessage.emit(
                self.tr("Live: {message}").format(message=translate("LiveDefaults", warning))
            )
        else:
            self.statusMessage.emit(self.tr("Live on"))

    def _stop(self, clear: bool) -> None:
        """Cancel the running live render and forget the waiting one (Live off, New, Open)."""
        if self._running is not None and not self._running.stopping:
            self._running.stopping = True
            self.worker.cancel(self._running.job_id)
        self._waiting, self._dirty, self._failed = None, False, None
        if clear:
            self._shown = None
            self._set_error(None)
            if self._picture is not None:
                self._picture = None
                self.pictureChanged.emit(None)

    def _schedule(self) -> None:
        if not self._pump_timer.isActive():
            self._pump_timer.start()  # once per turn of the event loop, however many changes

    def _build(self) -> GenerationRequest | None:
        """The live request of the document now; None (and the error shown once) if none."""
        started = time.perf_counter()
        try:
            request = live_request(self._document(), self._settings())
        except ValueError as e:
            self._show_error(str(e))
            return None
        finally:
            self.build_ms.append((time.perf_counter() - started) * 1000)
            del self.build_ms[:-200]
        if request.model is None:
            self._show_error(self.tr("choose a model first (Model ▸ Choose models…)"))
            return None
        return request

    def _pump(self) -> None:
        """Start the next live render if one is due and the worker is free for live."""
        if not self._active or self._running or self._foreign or self.worker.is_shut_down:
            return
        request = self._waiting
        if self._dirty:
            self._dirty = False
            request = self._build()
        self._waiting = None
        if request is None or request == self._shown or request == self._failed:
            return
        self._released = False
        job_id = self.worker.submit(request, tag=self._tag)
        now = time.perf_counter()
        self._running = _Running(job_id, request, self._document(), now, last_step_at=now)
        self.renders_started += 1
        self.renderingChanged.emit(True)

    # ---- worker events --------------------------------------------------------------------
    def _mine(self, job_id: int) -> bool:
        return self._running is not None and self._running.job_id == job_id

    def _on_submitted(self, job_id: int) -> None:
        if self.worker.tag_of(job_id) is self._tag:
            return
        self._foreign.add(job_id)  # a full render: it goes first
        running = self._running
        if running is not None and not running.stopping:
            running.stopping = True
            self.worker.cancel(running.job_id)
            if self._waiting is None:
                self._dirty = True  # render it again after the full render

    def _foreign_over(self, job_id: int) -> None:
        self._foreign.discard(job_id)
        if not self._foreign:
            self._schedule()

    def _on_started(self, job_id: int, started: Started) -> None:
        if self._mine(job_id) and self._running is not None:
            self._running.last_step_at = time.perf_counter()

    def _on_progress(self, job_id: int, progress: Progress) -> None:
        running = self._running
        if running is None or running.job_id != job_id:
            return
        now = time.perf_counter()
        done = progress.step - running.steps_done
        if running.steps_done and done > 0:  # the first step's interval includes loading
            per_step = (now - running.last_step_at) / done
            self.step_s = per_step if self.step_s is None else 0.7 * self.step_s + 0.3 * per_step
        running.steps_done, running.total, running.last_step_at = progress.step, progress.total, now
        if (self._dirty or self._waiting is not None) and not running.stopping:
            self._consider_cancelling(running)

    def _consider_cancelling(self, running: _Running) -> None:
        """Cancel a stale running render when finishing it takes longer than starting over,
        or when the stroke that made it stale has ended."""
        if self._dirty:
            self._dirty = False
            self._waiting = self._build()
        fresh = self._waiting
        if fresh is None or fresh == running.request:
            self._waiting = None  # the running render shows the document as it is now
            self._released = False
            return
        released = self._released and not self._stroking
        if self.step_s is None and not released:
            return
        remaining = (running.total - running.steps_done) * (self.step_s or 0.0)
        over = (self.fixed_s or 0.0) + fresh.steps_per_image() * (self.step_s or 0.0)
        if remaining > over or released:
            running.stopping = True
            self.worker.cancel(running.job_id)

    def _job_over(self, job_id: int) -> _Running | None:
        if not self._mine(job_id):
            if job_id in self._foreign:
                self._foreign_over(job_id)
            return None
        running, self._running = self._running, None
        self.renderingChanged.emit(False)
        self._schedule()
        return running

    def _on_finished(self, job_id: int, finished: Finished) -> None:
        running = self._job_over(job_id)
        if running is None:
            return
        result = finished.result
        self.renders_finished += 1
        steps = max(running.total, 1)
        if self.step_s is not None:
            fixed = max(result.seconds - steps * self.step_s, 0.0)
            self.fixed_s = fixed if self.fixed_s is None else 0.7 * self.fixed_s + 0.3 * fixed
        if running.stopping or not self._active or running.document is not self._document():
            return
        if self._error is not None:
            self._set_error(None)
            self.statusMessage.emit(self.tr("Live works again"))
        self._shown, self._failed = running.request, None
        self._picture = result.images[0]
        self.pictureChanged.emit(self._picture)

    def _on_failed(self, job_id: int, failed: Failed) -> None:
        running = self._job_over(job_id)
        if running is None or running.stopping or not self._active:
            return
        self._failed = running.request  # not tried again until the request changes
        self._show_error(failed.message)

    def _on_cancelled(self, job_id: int, cancelled: Cancelled) -> None:
        running = self._job_over(job_id)
        if running is not None and not running.stopping and self._active and not self._waiting:
            self._dirty = True  # cancelled by someone else (Esc): it is still due

    @property
    def error(self) -> str | None:
        """Why the live picture could not be brought up to date (None: nothing went wrong)."""
        return self._error

    def settings_changed(self) -> None:
        """The app's settings changed (a model chosen in a dialog): render again with them."""
        self.appSettingsChanged.emit()
        self.poke()

    def few_step_lora(self) -> FewStepLora | None:
        """The few-step LoRA the document's model has (whether live mode uses it or not)."""
        models = resolve_models(self._document().settings.models, self._settings())
        return few_step_lora_for(models.base)

    def _set_error(self, message: str | None) -> None:
        if message != self._error:
            self._error = message
            self.errorChanged.emit(message)

    def _show_error(self, message: str) -> None:
        """Say why live cannot render, once per reason (every stroke may fail the same way)."""
        if message != self._error:
            self._set_error(message)
            self.errorMessage.emit(self.tr("Live: {message}").format(message=message))
