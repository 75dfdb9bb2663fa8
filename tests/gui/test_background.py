"""run_in_background: work off the UI thread, its outcome (value or error) back on it."""

from __future__ import annotations

import threading
from concurrent.futures import Future

from PySide6.QtCore import QObject
from shiboken6 import isValid

from f1studio.gui.background import run_in_background, ui_thread_callback
from f1studio.gui.worker import EngineWorker

UI_THREAD = threading.get_ident()


class Outcome:
    """What the callbacks heard, with the thread each ran on."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object, int]] = []

    def done(self, value: object) -> None:
        self.calls.append(("done", value, threading.get_ident()))

    def error(self, error: BaseException) -> None:
        self.calls.append(("error", error, threading.get_ident()))


def test_the_value_arrives_on_the_ui_thread_and_the_work_ran_off_it(qtbot):
    heard = Outcome()
    future = run_in_background(lambda: threading.get_ident(), heard.done, heard.error)
    qtbot.waitUntil(lambda: bool(heard.calls), timeout=5000)
    [(what, work_thread, callback_thread)] = heard.calls
    assert what == "done" and work_thread != UI_THREAD and callback_thread == UI_THREAD
    assert future.result() == work_thread


def test_an_error_arrives_as_the_exception_itself(qtbot):
    heard = Outcome()
    run_in_background(lambda: 1 / 0, heard.done, heard.error)
    qtbot.waitUntil(lambda: bool(heard.calls), timeout=5000)
    [(what, error, thread)] = heard.calls
    assert what == "error" and isinstance(error, ZeroDivisionError) and thread == UI_THREAD


def _after_the_delivery_of(future: Future, qtbot) -> None:
    """Wait until what ``future`` posted to the UI thread has been handled there."""
    posted = threading.Event()
    future.add_done_callback(lambda _: posted.set())  # runs after the helper's own callback
    assert posted.wait(5)
    control: list[int] = []
    ui_thread_callback(control.append)(1)  # queued behind the delivery
    qtbot.waitUntil(lambda: bool(control), timeout=5000)


def test_nothing_is_delivered_to_a_deleted_owner(qtbot):
    heard = Outcome()
    owner = QObject()
    release = threading.Event()
    future = run_in_background(release.wait, heard.done, heard.error, owner=owner)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not isValid(owner), timeout=5000)
    release.set()
    _after_the_delivery_of(future, qtbot)
    assert heard.calls == []


def test_engine_work_runs_on_the_engine_thread_between_jobs(qtbot):
    worker = EngineWorker(threads=1)
    try:
        engine_thread: list[int] = []
        worker.run_callable(lambda: engine_thread.append(threading.get_ident()))
        heard = Outcome()
        run_in_background(lambda: threading.get_ident(), heard.done, heard.error, engine=worker)
        qtbot.waitUntil(lambda: bool(heard.calls), timeout=5000)
        assert heard.calls[0][1] == engine_thread[0] != UI_THREAD
        assert heard.calls[0][2] == UI_THREAD
    finally:
        assert worker.shutdown()


class NeverRuns:
    """A runner that queues work and never runs it (an engine worker shut down first)."""

    def run_callable(self, fn, *args) -> Future:
        self.future: Future = Future()
        return self.future


def test_work_the_engine_never_ran_delivers_nothing(qtbot):
    runner = NeverRuns()
    heard = Outcome()
    run_in_background(lambda: "never", heard.done, heard.error, engine=runner)
    assert runner.future.cancel()
    _after_the_delivery_of(runner.future, qtbot)
    assert heard.calls == []


def test_a_callback_for_other_threads_runs_on_the_ui_thread_in_order(qtbot):
    seen: list[tuple[int, int]] = []
    report = ui_thread_callback(lambda value: seen.append((value, threading.get_ident())))
    thread = threading.Thread(target=lambda: [report(i) for i in range(5)])
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: len(seen) == 5, timeout=5000)
    assert seen == [(i, UI_THREAD) for i in range(5)]
