"""EngineWorker: the engine on a QThread, signals on the UI thread, cancel, queue, shutdown."""

from __future__ import annotations

import gc
import threading
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt, QTimer  # noqa: E402

from f1studio.engine.events import (  # noqa: E402
    Cancelled,
    ErrorKind,
    Failed,
    Finished,
    Progress,
    Result,
    Started,
)
from f1studio.engine.request import GenerationRequest  # noqa: E402
from f1studio.gui.worker import THREADS_ENV, EngineWorker, engine_threads  # noqa: E402

UI_THREAD = threading.get_ident()
LONG = 60_000  # ms: generous upper bounds for signals on a slow CI machine
LONG_STEPS = 500  # a job that runs for seconds at 64x64, to be cancelled or shut down


@pytest.fixture
def worker(qtbot, engine_cache):
    w = EngineWorker(cache=engine_cache)
    yield w
    assert w.shutdown()


@pytest.fixture
def request_for(tiny_models: dict[str, Path]):
    def make(steps: int = 4, size: int = 64, **changes) -> GenerationRequest:
        settings = {"model": str(tiny_models["pipeline"]), "device": "cpu", **changes}
        return GenerationRequest("a red car", size, size, steps=steps, **settings)

    return make


SIGNALS = {
    "started": Started,
    "progress": Progress,
    "finished": Finished,
    "failed": Failed,
    "cancelled": Cancelled,
}


class Recorder:
    """Every public signal of a worker as (name, job id, event) tuples, with the thread seen."""

    def __init__(self, worker: EngineWorker) -> None:
        self.events: list[tuple] = []
        self.threads: set[int] = set()
        for name in SIGNALS:
            signal = getattr(worker, f"job{name.capitalize()}")
            signal.connect(lambda job, event, name=name: self._add(name, job, event))
        worker.busyChanged.connect(lambda b: self._add("busy", b))

    def _add(self, *event) -> None:
        self.threads.add(threading.get_ident())
        self.events.append(event)
        if event[0] in SIGNALS:  # each signal carries the engine's own event, typed
            assert type(event[2]) is SIGNALS[event[0]], event

    def of(self, job_id: int) -> list[tuple]:
        return [e for e in self.events if e[0] != "busy" and e[1] == job_id]

    def names(self, job_id: int) -> list[str]:
        return [e[0] for e in self.of(job_id)]


def test_job_emits_started_progress_finished_in_order_on_the_ui_thread(qtbot, worker, request_for):
    rec = Recorder(worker)
    with qtbot.waitSignal(worker.jobFinished, timeout=LONG):
        job = worker.submit(request_for(steps=5))
        assert worker.is_busy
    events = rec.of(job)
    assert events[0][:2] == ("started", job) and events[0][2].total_steps == 5
    assert events[0][2].device == "cpu"
    assert events[-1][0] == "finished"
    steps = [e[2].step for e in events if e[0] == "progress"]
    assert steps and steps == sorted(set(steps)) and steps[-1] == 5  # coalesced, never reordered
    assert all(e[2].total == 5 for e in events if e[0] == "progress")
    preview = events[-2][2].preview
    assert preview is None or (preview.dtype == np.uint8 and preview.shape[2] == 3)
    result = events[-1][2].result
    assert isinstance(result, Result) and result.images[0].shape == (64, 64, 3)
    assert rec.threads == {UI_THREAD}
    qtbot.waitUntil(lambda: not worker.is_busy)
    assert [e[1] for e in rec.events if e[0] == "busy"] == [True, False]


def test_ui_thread_keeps_ticking_while_a_job_runs(qtbot, worker, request_for):
    ticks: list[float] = []
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    with qtbot.waitSignal(worker.jobFinished, timeout=LONG):
        worker.submit(request_for(steps=2))  # warm the model cache first
    with qtbot.waitSignal(worker.jobStarted, timeout=LONG):
        worker.submit(request_for(steps=40, size=128))
    timer.start()
    started = time.perf_counter()
    with qtbot.waitSignal(worker.jobFinished, timeout=LONG):
        pass
    seconds = time.perf_counter() - started
    timer.stop()
    gaps = np.diff(ticks)
    assert len(ticks) >= max(3, 0.3 * seconds / 0.010), (len(ticks), seconds)
    assert gaps.max() < 0.5


def test_cancel_current_stops_the_job_quickly(qtbot, worker, request_for):
    rec = Recorder(worker)
    with qtbot.waitSignal(worker.jobProgress, timeout=LONG):
        job = worker.submit(request_for(steps=LONG_STEPS))
    started = time.perf_counter()
    with qtbot.waitSignal(worker.jobCancelled, timeout=5000) as blocker:
        worker.cancel_current()
    assert blocker.args[0] == job and isinstance(blocker.args[1], Cancelled)
    assert 1 <= blocker.args[1].step < LONG_STEPS  # it had started, and stopped early
    assert time.perf_counter() - started < 3.0
    qtbot.wait(50)
    assert "finished" not in rec.names(job)
    assert rec.names(job)[-1] == "cancelled" and rec.names(job).count("cancelled") == 1
    assert not worker.is_busy


def test_queued_jobs_run_in_order_and_cancel_all_drops_the_queue(qtbot, worker, request_for):
    rec = Recorder(worker)
    jobs = [worker.submit(request_for(steps=2, seed=i)) for i in range(3)]
    assert worker.pending_count == 2
    qtbot.waitUntil(lambda: len([e for e in rec.events if e[0] == "finished"]) == 3, timeout=LONG)
    finished = [e[1] for e in rec.events if e[0] == "finished"]
    started = [e[1] for e in rec.events if e[0] == "started"]
    assert finished == started == jobs
    seeds = [e[2].result.seeds for e in rec.events if e[0] == "finished"]
    assert seeds == [(0,), (1,), (2,)]

    with qtbot.waitSignal(worker.jobStarted, timeout=LONG):
        long_job = worker.submit(request_for(steps=LONG_STEPS))
    waiting = [worker.submit(request_for(steps=2)) for _ in range(2)]
    worker.cancel_all()
    assert worker.pending_count == 0
    assert [e[1] for e in rec.events if e[0] == "cancelled"] == waiting  # dropped at once
    assert all(e[2] == Cancelled(step=0) for e in rec.events if e[0] == "cancelled")
    with qtbot.waitSignal(worker.jobCancelled, timeout=5000) as blocker:
        pass
    assert blocker.args[0] == long_job
    assert all(rec.names(j) == ["cancelled"] for j in waiting)
    assert not worker.is_busy


def test_cancel_one_waiting_job(qtbot, worker, request_for):
    rec = Recorder(worker)
    first, second, third = (worker.submit(request_for(steps=2, seed=i)) for i in range(3))
    worker.cancel(second)
    assert worker.pending_count == 1
    qtbot.waitUntil(lambda: not worker.is_busy, timeout=LONG)
    assert rec.names(second) == ["cancelled"]
    assert rec.names(first)[-1] == rec.names(third)[-1] == "finished"


def test_failed_job_reports_its_kind_and_the_next_job_still_runs(
    qtbot, worker, request_for, tmp_path
):
    rec = Recorder(worker)
    bad = worker.submit(request_for(model=str(tmp_path / "no-such-model")))
    good = worker.submit(request_for(steps=2))
    qtbot.waitUntil(lambda: "finished" in rec.names(good), timeout=LONG)
    failed = rec.of(bad)
    assert [e[0] for e in failed] == ["failed"]
    assert (
        failed[0][2].kind is ErrorKind.MODEL_NOT_FOUND and "no-such-model" in failed[0][2].message
    )


def test_progress_is_coalesced_when_the_ui_is_slow(qtbot, worker, request_for):
    seen: list[int] = []

    def slow_consumer(job: int, progress: Progress) -> None:
        seen.append(progress.step)
        time.sleep(0.05)  # a UI busy elsewhere: the worker must not queue every step

    worker.jobProgress.connect(slow_consumer)
    with qtbot.waitSignal(worker.jobFinished, timeout=LONG):
        worker.submit(request_for(steps=60))
    assert seen == sorted(set(seen)) and seen[-1] == 60
    assert len(seen) < 60


def test_run_callable_runs_off_the_ui_thread(qtbot, worker):
    future = worker.run_callable(lambda a, b: (threading.get_ident(), a + b), 2, 3)
    qtbot.waitUntil(future.done, timeout=LONG)
    ident, value = future.result()
    assert value == 5 and ident != UI_THREAD

    frozen = gc.get_freeze_count()
    warm = worker.warm_up()
    try:
        qtbot.waitUntil(warm.done, timeout=LONG)
        assert warm.result() is None
        assert gc.get_freeze_count() > frozen
    finally:
        gc.unfreeze()  # leave the test process's garbage collector as it was

    failing = worker.run_callable(lambda: 1 / 0)
    qtbot.waitUntil(failing.done, timeout=LONG)
    with pytest.raises(ZeroDivisionError):
        failing.result()


def test_run_callable_runs_preprocessing(qtbot, worker):
    pytest.importorskip("cv2")
    from f1studio.engine.preprocess import canny_edges

    image = np.zeros((64, 64, 3), np.uint8)
    image[16:48, 16:48] = 255
    future = worker.run_callable(canny_edges, image)
    qtbot.waitUntil(future.done, timeout=LONG)
    edges = future.result()
    assert edges.shape == (64, 64) and edges.max() == 255


def test_shutdown_during_a_render_is_prompt_and_final(qtbot, engine_cache, request_for):
    worker = EngineWorker(cache=engine_cache)
    rec = Recorder(worker)
    with qtbot.waitSignal(worker.jobProgress, timeout=LONG):
        job = worker.submit(request_for(steps=LONG_STEPS))
    queued = worker.submit(request_for(steps=2))
    started = time.perf_counter()
    assert worker.shutdown(timeout_ms=10000)
    assert time.perf_counter() - started < 3.0
    assert worker._thread.isFinished()
    assert rec.names(queued) == ["cancelled"]
    assert rec.names(job)[-1] == "cancelled" and "finished" not in rec.names(job)
    assert not worker.is_busy
    assert worker.shutdown()  # twice is fine
    with pytest.raises(RuntimeError):
        worker.submit(request_for())
    with pytest.raises(RuntimeError):
        worker.run_callable(print)


def test_engine_threads_leaves_a_core_for_the_ui(monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "3")
    assert engine_threads() == 3
    monkeypatch.setenv(THREADS_ENV, "zero")
    assert engine_threads() >= 1
    monkeypatch.delenv(THREADS_ENV)
    assert engine_threads() >= 1
