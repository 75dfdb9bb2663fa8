"""Generate, progress, cancel and results: the window's side of the engine worker.

The controller builds requests from the current document, runs them on the worker and turns
the worker's events into signals the window's widgets connect to (progress, previews,
results, messages). It knows nothing of the window.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject, Signal

from f1studio.appsettings import AppSettings
from f1studio.document.build import build_request
from f1studio.document.document import Document
from f1studio.document.layers import LayerKind
from f1studio.document.results import ResultRecord, request_record
from f1studio.document.settings import SeedMode
from f1studio.engine.events import (
    Cancelled,
    ErrorKind,
    Failed,
    Finished,
    Loading,
    Progress,
    Started,
)
from f1studio.engine.request import GenerationRequest
from f1studio.gui.controller import DocumentController
from f1studio.gui.i18n import translate
from f1studio.gui.worker import EngineWorker
from f1studio.lora_library import embeddings_in
from f1studio.model_choice import BASE_SLOT
from f1studio.model_library import (
    inpaint_controlnet_for,
    ip_adapter_for,
    resolve_models,
    tiny_vae_for,
)

# failures the model banner explains (the user must choose or fix a model)
MODEL_ERRORS = frozenset(
    {
        ErrorKind.MODEL_NOT_FOUND,
        ErrorKind.MODEL_INVALID,
        ErrorKind.OFFLINE,
        ErrorKind.UNSAFE_WEIGHTS,
    }
)


# what a Loading event names, for lupdate
_LOADING_WORDS = (QT_TRANSLATE_NOOP("Loading", "model"), QT_TRANSLATE_NOOP("Loading", "ControlNet"))


@dataclass
class Job:
    job_id: int
    request: GenerationRequest
    document: Document  # the document it was built from: results are applied only there


class GenerateController(DocumentController):
    """Builds requests from the current document, runs them on the worker, applies results.

    ``document`` returns the document shown now (New and Open replace it); ``settings``
    returns the user's settings (models, device).
    """

    renderQueued = Signal(int)  # jobs waiting behind the running one (0: this one is next)
    renderLoading = Signal(object)  # Loading
    renderStarted = Signal(object)  # Started
    renderProgress = Signal(object)  # Progress (the latest step)
    renderEnded = Signal(int)  # jobs still waiting, after a job finished, failed or cancelled
    renderFinished = Signal(object)  # the engine's Result
    previewChanged = Signal(object)  # RGB uint8 preview of the running job, None to clear
    resultReady = Signal(object)  # ResultRecord, one per seed, added to the document's history
    seedUsed = Signal(int)  # the first seed of the job that just finished
    modelProblem = Signal(str)  # why no model can render ("" = none is chosen)

    def __init__(
        self,
        document: Callable[[], Document],
        worker: EngineWorker,
        settings: Callable[[], AppSettings] = AppSettings.load,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(document, settings, parent)
        self.worker = worker
        self._jobs: dict[int, Job] = {}
        self._loading_job: int | None = None  # the job whose "Loading…" line is showing
        self.last_seed: int | None = None
        self.last_request: GenerationRequest | None = None
        worker.jobLoading.connect(self._on_loading)
        worker.jobStarted.connect(self._on_started)
        worker.jobProgress.connect(self._on_progress)
        worker.jobFinished.connect(self._on_finished)
        worker.jobFailed.connect(self._on_failed)
        worker.jobCancelled.connect(self._on_cancelled)

    # ---- requests -------------------------------------------------------------------------
    def build(self) -> GenerationRequest:
        doc = self._document()
        app = self._settings()
        seed = None
        if doc.settings.seed_mode == SeedMode.RANDOM:
            seed = random.randrange(2**31)
        models = resolve_models(doc.settings.models, app)
        request = build_request(
            doc,
            model=models.base,
            controlnets=models.controlnets,
            device=app.device,
            allow_pickle=app.allow_pickle,
            seed=seed,
            embeddings=embeddings_in(app.model_folders),
            ip_adapter=ip_adapter_for(models.base, app),
            inpaint_controlnet=inpaint_controlnet_for(models.base, app),
        )
        # the user's tiny VAE for this model's family decodes step previews (and live renders)
        return request.with_changes(tiny_vae=tiny_vae_for(models.base, app))

    def generate(self) -> int | None:
        try:
            request = self.build()
        except ValueError as e:
            self.errorMessage.emit(str(e))
            return None
        if request.model is None:
            self.errorMessage.emit(self.tr("Choose a model first (Model ▸ Choose models…)"))
            self.modelProblem.emit("")
            return None
        job_id = self.worker.submit(request)
        self._jobs[job_id] = Job(job_id, request, self._document())
        waiting = self.worker.pending_count
        if waiting:
            self.statusMessage.emit(self.tr("Queued ({waiting} waiting)").format(waiting=waiting))
        self.renderQueued.emit(waiting)
        return job_id

    @property
    def rendering(self) -> bool:
        """A render of this controller runs or waits (live renders are not counted)."""
        return bool(self._jobs)

    def cancel(self) -> None:
        """Esc: stop this controller's render (the running one, else the next waiting); live
        renders are live mode's own business and go on."""
        running = self.worker.current_job
        mine = running if running in self._jobs else next(iter(self._jobs), None)
        if mine is not None:
            self.worker.cancel(mine)
            self.statusMessage.emit(self.tr("Cancelling…"))

    # ---- worker events --------------------------------------------------------------------
    def _on_loading(self, job_id: int, loading: Loading) -> None:
        if job_id not in self._jobs:  # another controller's job (live renders)
            return
        self.renderLoading.emit(loading)
        self._loading_job = job_id
        self.statusMessage.emit(
            self.tr("Loading the {what} {name}… (Esc cancels once it is in memory)").format(
                what=translate("Loading", loading.what), name=loading.name
            )
        )

    def _on_started(self, job_id: int, started: Started) -> None:
        if job_id not in self._jobs:  # another controller's job (live renders)
            return
        self.renderStarted.emit(started)
        if job_id == self._loading_job:  # the "Loading…" line is over: say what runs now
            self._loading_job = None
            self.statusMessage.emit(self.tr("Rendering… (Esc cancels)"))

    def _on_progress(self, job_id: int, progress: Progress) -> None:
        if job_id not in self._jobs:  # another controller's job (live renders)
            return
        self.renderProgress.emit(progress)
        if progress.preview is not None:
            self.previewChanged.emit(progress.preview)

    def _job_over(self) -> None:
        self.renderEnded.emit(self.worker.pending_count)
        self.previewChanged.emit(None)

    def _on_finished(self, job_id: int, finished: Finished) -> None:
        job = self._jobs.pop(job_id, None)
        if job is None:  # another controller's job (live renders)
            return
        self._job_over()
        result = finished.result
        self.last_seed = result.seeds[-1]
        self.last_request = result.request
        self.seedUsed.emit(result.seeds[0])
        records = [
            ResultRecord(image, request_record(result.request.with_changes(seed=s, batch_count=1)))
            for image, s in zip(result.images, result.seeds, strict=True)
        ]
        # the first seed last: the history lists the newest first and the window previews the
        # last result announced, so a batch of 4 from seed 42 shows seed 42 first, 43..45 after
        for record in reversed(records):  # the history of the document it was rendered from
            job.document.results.add(record)
        if job.document is self._document():
            for record in reversed(records):
                self.resultReady.emit(record)
            if len(records) == 1:
                count = self.tr("1 result")
            else:
                count = self.tr("{count} results").format(count=len(records))
            self.statusMessage.emit(
                self.tr(
                    "Done in {seconds}s on {device}: {count} to preview; "
                    "Apply (Enter) keeps one as a layer"
                ).format(seconds=f"{result.seconds:.1f}", device=result.device, count=count)
            )
        self.renderFinished.emit(result)

    def _on_failed(self, job_id: int, failed: Failed) -> None:
        if self._jobs.pop(job_id, None) is None:  # another controller's job (live renders)
            return
        self._job_over()
        self.errorMessage.emit(failed.message)
        if failed.kind in MODEL_ERRORS:
            self.modelProblem.emit(failed.message)

    def _on_cancelled(self, job_id: int, cancelled: Cancelled) -> None:
        if self._jobs.pop(job_id, None) is None:  # another controller's job (live renders)
            return
        self._job_over()
        self.statusMessage.emit(self.tr("Cancelled — nothing was changed"))

    # ---- results --------------------------------------------------------------------------
    def apply(self, record: ResultRecord) -> None:
        """Make a paint layer of a result, on top (one undo step), unless one exists already."""
        self.aboutToAddLayer.emit()  # a result never lands inside an open stroke
        doc = self._document()
        existing = doc.results.applied_layer(record.id) if record.id in doc.results else None
        if existing is not None and any(layer.id == existing for layer in doc.layers):
            self.statusMessage.emit(self.tr("That result is a layer already"))
            self.layerAdded.emit(existing)
            return
        image = record.image
        if image.shape[:2] != (doc.height, doc.width):
            self.errorMessage.emit(
                self.tr(
                    "That result is {width}x{height}, the canvas "
                    "{canvas_width}x{canvas_height}; not applied"
                ).format(
                    width=image.shape[1],
                    height=image.shape[0],
                    canvas_width=doc.width,
                    canvas_height=doc.height,
                )
            )
            return
        rgba = np.dstack([image, np.full(image.shape[:2], 255, np.uint8)])
        layer = doc.add_layer(
            LayerKind.PAINT, name=record.label, data=rgba, label=self.tr("Apply result")
        )
        if record.id in doc.results:
            doc.results.mark_applied(record.id, layer.id)
        self.layerAdded.emit(layer.id)

    def reuse_settings(self, record: ResultRecord) -> None:
        """Prompt, negative prompt, seed (then fixed), guidance, steps, scheduler and model of a
        result, back in the document."""
        doc = self._document()
        request = record.request
        doc.set_prompt(record.prompt)
        negative = request.get("negative_prompt")
        doc.set_negative_prompt(negative if isinstance(negative, str) else "")
        skipped = []
        for name, shown in (
            ("guidance_scale", self.tr("guidance scale")),
            ("steps", self.tr("steps")),
            ("scheduler", self.tr("scheduler")),
        ):
            try:
                doc.set_setting(name, request.get(name))
            except (TypeError, ValueError):
                skipped.append(shown)
        self._reuse_seed(doc, record)
        model = record.model
        if (
            model is not None
            and model != resolve_models(doc.settings.models, self._settings()).base
        ):
            doc.set_model(BASE_SLOT, model)
        if skipped:
            message = self.tr("Settings of {label} reused (kept this project's {settings})")
        else:
            message = self.tr("Settings of {label} reused")
        self.statusMessage.emit(message.format(label=record.label, settings=", ".join(skipped)))

    def reuse_seed(self, record: ResultRecord) -> None:
        self._reuse_seed(self._document(), record)
        self.statusMessage.emit(
            self.tr("Seed {seed} reused, and kept fixed").format(seed=record.seed)
        )

    @staticmethod
    def _reuse_seed(doc: Document, record: ResultRecord) -> None:
        if record.seed is not None:
            doc.set_setting("seed", record.seed)
            doc.set_setting("seed_mode", SeedMode.FIXED)
