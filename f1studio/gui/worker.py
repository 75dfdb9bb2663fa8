"""The UI's only door to the engine: one QThread that runs jobs one at a time.

The job queue, the current job and every public signal live on the UI thread; the engine
(``f1studio.engine.runner.run`` and its ``ModelCache``) runs only on the worker thread. The two
sides talk through queued signals, and progress is coalesced: the worker keeps only the latest
step and posts one wake-up, so a flood of steps can never pile up in the UI's event queue.

The public signals carry the job id and the engine's own event (``Started``, ``Progress``,
``Finished``, ``Failed`` with its ``ErrorKind``, ``Cancelled``), typed from end to end. Every
submitted job ends in exactly one of ``jobFinished``, ``jobFailed`` or ``jobCancelled``.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
import weakref
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from f1studio.engine.events import (
    Cancelled,
    ErrorKind,
    Event,
    Failed,
    Finished,
    Loading,
    Progress,
    Started,
)
from f1studio.engine.request import GenerationRequest
from f1studio.engine_environment import usable_cores

log = logging.getLogger(__name__)

THREADS_ENV = "F1STUDIO_ENGINE_THREADS"
# what the engine imports lazily: loaded by warm_up() so the first job need not
_WARM_UP_IMPORTS = (
    "torch",
    "f1studio.engine.runner",
    "transformers.models.clip.modeling_clip",
    "transformers.models.clip.tokenization_clip",
    "diffusers.models.controlnets.controlnet",
    "diffusers.pipelines.stable_diffusion.pipeline_stable_diffusion",
    "diffusers.pipelines.stable_diffusion.pipeline_stable_diffusion_inpaint",
)


def engine_threads() -> int:
    """Torch threads for the engine: ``$F1STUDIO_ENGINE_THREADS`` or all cores but one."""
    value = os.environ.get(THREADS_ENV, "").strip()
    if value:
        try:
            return max(1, int(value))
        except ValueError:
            log.warning("ignoring %s=%r (not a number)", THREADS_ENV, value)
    return max(1, usable_cores() - 1)


def _stop_thread(thread: QThread, running: list[threading.Event]) -> None:
    """Cancel and join a worker dropped without ``shutdown()`` (a running QThread's
    destruction aborts the process)."""
    for cancel in running:
        cancel.set()
    thread.quit()
    thread.wait(10000)


@dataclass(frozen=True)
class _Job:
    id: int
    request: GenerationRequest
    tag: object = None
    cancel: threading.Event = field(default_factory=threading.Event, compare=False)


class _LatestProgress:
    """A one-item mailbox: the worker overwrites it, the UI empties it (latest step wins)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._item: tuple[int, Progress] | None = None

    def put(self, job_id: int, progress: Progress) -> bool:
        """Store ``progress``; True when the box was empty (the UI needs a wake-up)."""
        with self._lock:
            was_empty = self._item is None
            self._item = (job_id, progress)
        return was_empty

    def take(self) -> tuple[int, Progress] | None:
        """Empty the box (UI thread)."""
        with self._lock:
            item, self._item = self._item, None
        return item


class _EngineHost(QObject):
    """Lives on the worker thread: runs one job or one callable per queued call."""

    engineEvent = Signal(int, object)  # job id, a non-Progress engine event
    progressReady = Signal()  # the mailbox went from empty to full

    def __init__(self, cache: Any, threads: int, mailbox: _LatestProgress) -> None:
        super().__init__()
        self._cache = cache
        self._threads = threads
        self._configured = False
        self._mailbox = mailbox

    def _configure(self) -> None:
        """Cap torch's threads (OpenMP keeps the setting per thread, so set it here)."""
        if not self._configured:
            import torch

            torch.set_num_threads(self._threads)
            self._configured = True

    def warm_up(self) -> None:
        """Import the engine, then freeze the GC's view of everything imported so far.

        A full collection over the ~450k objects torch/diffusers/transformers create takes
        ~0.2 s with the GIL held, stalling the UI; frozen objects are never scanned again.
        """
        import importlib

        self._configure()
        for name in _WARM_UP_IMPORTS:
            try:
                importlib.import_module(name)
            except ImportError:  # moved in another version: the first job imports it
                log.debug("warm-up could not import %s", name)
        gc.freeze()

    @Slot(object)
    def run_job(self, job: _Job) -> None:
        try:
            self._configure()
            from f1studio.engine.models import ModelCache
            from f1studio.engine.runner import run

            if self._cache is None:
                self._cache = ModelCache()

            def on_event(event: Event) -> None:
                if isinstance(event, Progress):
                    if self._mailbox.put(job.id, event):
                        self.progressReady.emit()
                else:
                    self.engineEvent.emit(job.id, event)

            run(job.request, on_event, job.cancel, self._cache)
        except BaseException as e:  # noqa: BLE001 - run() reports its own errors; this is a guard
            log.exception("engine worker failure")
            self.engineEvent.emit(job.id, Failed(ErrorKind.INTERNAL, f"{type(e).__name__}: {e}"))

    @Slot(object)
    def run_callable(self, call: tuple[Future, Callable[..., Any], tuple]) -> None:
        future, fn, args = call
        if not future.set_running_or_notify_cancel():
            return
        try:
            if "torch" in sys.modules:
                self._configure()
            future.set_result(fn(*args))
        except BaseException as e:  # noqa: BLE001 - handed to whoever awaits the future
            future.set_exception(e)


class EngineWorker(QObject):
    """Queue of generation jobs run on a worker QThread; all signals arrive on the UI thread.

    ``cache`` is an ``f1studio.engine.models.ModelCache`` (a new one when ``None``), used only
    on the worker thread. ``threads`` caps torch's threads (default: :func:`engine_threads`).
    """

    jobLoading = Signal(int, object)  # job id, Loading (a model loads before the first step)
    jobStarted = Signal(int, object)  # job id, Started
    jobProgress = Signal(int, object)  # job id, Progress (the latest step only)
    jobFinished = Signal(int, object)  # job id, Finished (its Result)
    jobFailed = Signal(int, object)  # job id, Failed (an ErrorKind and a message)
    jobCancelled = Signal(int, object)  # job id, Cancelled (the steps it had done)
    busyChanged = Signal(bool)
    jobSubmitted = Signal(int)  # job id, just queued (tag_of tells whose it is)

    _startJob = Signal(object)
    _startCall = Signal(object)

    def __init__(
        self, cache: Any = None, threads: int | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._queue: deque[_Job] = deque()
        self._current: _Job | None = None
        self._next_id = 1
        self._busy = False
        self._closed = False
        self._joined = False
        self._calls: list[Future] = []
        self._steps_done = 0  # of the running job, as last shown
        self._thread = QThread()
        self._thread.setObjectName("f1studio-engine")
        self._mailbox = _LatestProgress()
        self._host = _EngineHost(cache, threads or engine_threads(), self._mailbox)
        self._host.moveToThread(self._thread)
        queued = Qt.ConnectionType.QueuedConnection
        self._startJob.connect(self._host.run_job, queued)
        self._startCall.connect(self._host.run_callable, queued)
        self._host.engineEvent.connect(self._on_event, queued)
        self._host.progressReady.connect(self._on_progress, queued)
        self._running: list[threading.Event] = []  # the running job's cancel, for _stop_thread
        self._finalizer = weakref.finalize(self, _stop_thread, self._thread, self._running)
        self._thread.start()

    # ---- state -----------------------------------------------------------------------------
    @property
    def pending_count(self) -> int:
        """Jobs waiting behind the running one."""
        return len(self._queue)

    @property
    def is_busy(self) -> bool:
        """A job is running or waiting."""
        return self._busy

    @property
    def is_shut_down(self) -> bool:
        """``shutdown()`` was called: ``submit`` refuses new jobs."""
        return self._closed

    @property
    def current_job(self) -> int | None:
        return self._current.id if self._current else None

    def tag_of(self, job_id: int) -> object:
        """The tag given to ``submit`` for a running or waiting job (else ``None``)."""
        for job in (self._current, *self._queue):
            if job is not None and job.id == job_id:
                return job.tag
        return None

    # ---- commands (UI thread) ------------------------------------------------------------------
    def submit(self, request: GenerationRequest, tag: object = None) -> int:
        """Queue ``request`` (FIFO) and return its job id."""
        if self._closed:
            raise RuntimeError("the engine worker is shut down")
        job = _Job(self._next_id, request, tag)
        self._next_id += 1
        self._queue.append(job)
        self.jobSubmitted.emit(job.id)
        self._start_next()
        return job.id

    def cancel_current(self) -> None:
        """Stop the running job at its next step; it ends with ``jobCancelled``."""
        if self._current is not None:
            self._current.cancel.set()

    def cancel(self, job_id: int) -> None:
        """Cancel one job, running or waiting (a waiting one gets ``jobCancelled`` now)."""
        if self._current is not None and self._current.id == job_id:
            self.cancel_current()
            return
        for job in self._queue:
            if job.id == job_id:
                self._queue.remove(job)
                self.jobCancelled.emit(job_id, Cancelled())
                self._update_busy()
                return

    def cancel_all(self) -> None:
        """Drop every waiting job (each gets ``jobCancelled``) and cancel the running one."""
        dropped = list(self._queue)
        self._queue.clear()
        self.cancel_current()
        for job in dropped:
            self.jobCancelled.emit(job.id, Cancelled())
        self._update_busy()

    def run_callable(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Run ``fn(*args)`` on the worker thread, after the running job and before the next one."""
        if self._closed:
            raise RuntimeError("the engine worker is shut down")
        future: Future = Future()
        self._calls = [f for f in self._calls if not f.done()]
        self._calls.append(future)
        self._startCall.emit((future, fn, args))
        return future

    def warm_up(self) -> Future:
        """Import the engine on the worker thread now and ``gc.freeze()`` what it imported.

        Call it once as the app starts, before a document is open: importing stalls every
        thread for up to ~0.25 s at a time (native libraries load with the GIL held), and the
        freeze keeps later full garbage collections short (~5 ms instead of ~0.2 s).
        """
        return self.run_callable(self._host.warm_up)

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Cancel everything, stop the thread and join it; True when it has stopped."""
        if not self._closed:
            self._closed = True
            self.cancel_all()
            self._thread.quit()
        if not self._joined:
            self._joined = self._thread.wait(timeout_ms)
            if not self._joined:
                log.warning("engine thread did not stop within %d ms", timeout_ms)
                return False
            self._finalizer.detach()
            for future in self._calls:
                future.cancel()  # queued callables that never ran
            self._calls.clear()
            QCoreApplication.sendPostedEvents(self)  # deliver the final events now
            if self._current is not None:  # the thread stopped without a final event
                job, self._current = self._current, None
                self.jobCancelled.emit(job.id, Cancelled(self._steps_done))
            self._update_busy()
        return True

    # ---- worker -> UI --------------------------------------------------------------------------
    def _start_next(self) -> None:
        if self._current is None and self._queue and not self._joined:
            self._current = self._queue.popleft()
            self._steps_done = 0
            self._running[:] = [self._current.cancel]
            self._startJob.emit(self._current)
        self._update_busy()

    def _update_busy(self) -> None:
        busy = self._current is not None or bool(self._queue)
        if busy != self._busy:
            self._busy = busy
            self.busyChanged.emit(busy)

    @Slot()
    def _on_progress(self, *_: object) -> None:
        latest = self._mailbox.take()
        job = self._current
        if latest is None or job is None or latest[0] != job.id or job.cancel.is_set():
            return
        self._steps_done = latest[1].step
        self.jobProgress.emit(job.id, latest[1])

    @Slot(int, object)
    def _on_event(self, job_id: int, event: Event) -> None:
        job = self._current
        if job is None or job.id != job_id:
            return
        if isinstance(event, (Loading, Started)):
            if not job.cancel.is_set():
                signal = self.jobLoading if isinstance(event, Loading) else self.jobStarted
                signal.emit(job_id, event)
            return
        if isinstance(event, Progress):  # the engine host mails progress; never sent here
            return
        self._current = None  # Finished, Failed or Cancelled: the job is over
        if isinstance(event, Finished) and not job.cancel.is_set():
            self.jobFinished.emit(job_id, event)
        elif isinstance(event, Failed) and not job.cancel.is_set():
            self.jobFailed.emit(job_id, event)
        elif isinstance(event, Cancelled):
            self.jobCancelled.emit(job_id, event)
        else:  # a cancelled job applies nothing, even if it ended
            self.jobCancelled.emit(job_id, Cancelled(self._steps_done))
        self._start_next()
