"""Generate, progress, cancel and results: the window's side of the engine worker."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from f1studio.appsettings import AppSettings
from f1studio.document.build import build_request
from f1studio.document.layers import LayerKind
from f1studio.document.settings import SeedMode
from f1studio.engine.request import GenerationRequest
from f1studio.model_library import resolve_models

if TYPE_CHECKING:
    from f1studio.gui.main_window import MainWindow


@dataclass
class Job:
    job_id: int
    request: GenerationRequest
    document_id: int  # id() of the document it was built from: results go only there


@dataclass
class ResultItem:
    image: np.ndarray
    request: GenerationRequest
    seed: int


def result_layer_name(prompt: str, seed: int) -> str:
    text = " ".join(prompt.split())
    if len(text) > 40:
        text = text[:39] + "…"
    return f"{text or 'Result'} (seed {seed})"


class GenerateController(QObject):
    """Builds requests from the window's document, runs them on the worker, applies results."""

    busyChanged = Signal(bool)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.worker = window.worker
        self.jobs: dict[int, Job] = {}
        self.last_seed: int | None = None
        self.last_request: GenerationRequest | None = None
        w = self.worker
        w.jobStarted.connect(self._on_started)
        w.jobProgress.connect(self._on_progress)
        w.jobFinished.connect(self._on_finished)
        w.jobFailed.connect(self._on_failed)
        w.jobCancelled.connect(self._on_cancelled)

    # ---- requests -------------------------------------------------------------------------
    def build(self) -> GenerationRequest:
        doc = self.window.doc
        app = AppSettings.load()
        seed = None
        if doc.settings.seed_mode == SeedMode.RANDOM:
            seed = random.randrange(2**31)
        models = resolve_models(doc.settings.models, app)
        return build_request(
            doc,
            model=models.base,
            controlnets=models.controlnets,
            device=app.device,
            allow_pickle=app.allow_pickle,
            seed=seed,
        )

    def generate(self) -> int | None:
        try:
            request = self.build()
        except ValueError as e:
            self.window.show_error(str(e))
            return None
        if request.model is None:
            self.window.show_error("Choose a model first (Model ▸ Choose models…)")
            self.window.show_no_model_banner(True)
            return None
        job_id = self.worker.submit(request)
        self.jobs[job_id] = Job(job_id, request, id(self.window.doc))
        queued = self.worker.pending_count
        if queued:
            self.window.status(f"Queued ({queued} waiting)")
        elif not self.window.progress.isVisible():
            progress = self.window.progress  # feedback at once; the model may still be loading
            progress.setRange(0, 0)
            progress.setFormat("starting…")
            progress.setVisible(True)
        self.window.cancel_button.setEnabled(True)
        return job_id

    def cancel(self) -> None:
        if self.worker.is_busy or self.worker.pending_count:
            self.worker.cancel_current()
            self.window.status("Cancelling…")

    # ---- worker events --------------------------------------------------------------------
    def _on_started(self, job_id: int, total: int, device: str, dtype: str) -> None:
        self.window.progress.setRange(0, max(total, 1))
        self.window.progress.setValue(0)
        self.window.progress.setFormat(f"step 0/{total}")
        self.window.progress.setVisible(True)
        self.window.cancel_button.setEnabled(True)
        self.window.set_engine_status(device=device, dtype=dtype)

    def _on_progress(self, job_id: int, step: int, total: int, preview: Any) -> None:
        self.window.progress.setMaximum(max(total, 1))
        self.window.progress.setValue(step)
        self.window.progress.setFormat(f"step {step}/{total}")
        if preview is not None:
            self.window.canvas.set_preview(preview)

    def _finish_ui(self) -> None:
        if not self.worker.pending_count:
            self.window.progress.setVisible(False)
            self.window.cancel_button.setEnabled(False)
        self.window.canvas.set_preview(None)

    def _on_finished(self, job_id: int, result: Any) -> None:
        job = self.jobs.pop(job_id, None)
        self._finish_ui()
        if job is None:
            return
        self.last_seed = result.seeds[-1]
        self.last_request = result.request
        self.window.prompt_panel.set_last_seed(result.seeds[0])
        same_document = job.document_id == id(self.window.doc)
        for image, seed in zip(result.images, result.seeds, strict=True):
            item = ResultItem(image, result.request.with_changes(seed=seed, batch_count=1), seed)
            label = result_layer_name(result.request.prompt, seed)
            self.window.results.add_result(image, label, item)
            if same_document:
                self.apply(item)
        self.window.status(f"Done in {result.seconds:.1f}s on {result.device}")
        self.window.set_engine_status(result.device, result.dtype, result.memory)

    def _on_failed(self, job_id: int, kind: str, message: str) -> None:
        self.jobs.pop(job_id, None)
        self._finish_ui()
        self.window.show_error(message)
        if kind in ("model-not-found", "model-invalid", "offline", "unsafe-weights"):
            self.window.show_no_model_banner(True, message)

    def _on_cancelled(self, job_id: int) -> None:
        self.jobs.pop(job_id, None)
        self._finish_ui()
        self.window.status("Cancelled — nothing was changed")

    # ---- results --------------------------------------------------------------------------
    def apply(self, item: ResultItem) -> None:
        """Add a result as a new paint layer on top (one undo step)."""
        self.window.canvas.finish_stroke()  # a result never lands inside an open stroke
        doc = self.window.doc
        image = item.image
        if image.shape[:2] != (doc.height, doc.width):
            self.window.show_error("That result has another size than the canvas; not applied")
            return
        rgba = np.dstack([image, np.full(image.shape[:2], 255, np.uint8)])
        layer = doc.add_layer(
            LayerKind.PAINT, name=result_layer_name(item.request.prompt, item.seed), data=rgba
        )
        self.window.layers_panel.select_layer(layer.id)
