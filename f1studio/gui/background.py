"""Work off the UI thread, with its outcome delivered on the UI thread: the window's one way.

:func:`run_in_background` runs ``work()`` on a background thread, or on the engine worker's
thread for work that uses torch (it then waits for the running render instead of competing
with it), and calls ``on_done(value)`` or ``on_error(exception)`` on the UI thread. The
outcome travels by a queued Qt signal, so callbacks never run on the worker's thread.
:func:`ui_thread_callback` wraps a callback that a background thread calls, e.g. to report
progress, in the same way.

When the callback's ``owner`` (a dialog, a controller) has been deleted by then, nothing is
called; when the engine worker shut down before the work ran, nothing is called either.
Generation jobs do not come here: they go through :class:`~f1studio.gui.worker.EngineWorker`,
whose signals carry the engine's events.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot
from shiboken6 import isValid

T = TypeVar("T")
V = TypeVar("V")


class CallableRunner(Protocol):
    """Something with a thread that runs callables in turn, e.g. the EngineWorker."""

    def run_callable(self, fn: Callable[..., Any], *args: Any) -> Future: ...


@dataclass(frozen=True)
class _Parcel:
    """One call for the UI thread: ``deliver()`` unless ``owner`` is gone."""

    deliver: Callable[[], None]
    owner: QObject | None


class _Courier(QObject):
    """Lives on the UI thread; parcels reach it through a queued signal from any thread."""

    arrived = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.arrived.connect(self._open, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _open(self, parcel: _Parcel) -> None:
        if parcel.owner is None or isValid(parcel.owner):
            parcel.deliver()


_courier: _Courier | None = None


def _the_courier() -> _Courier:
    """The one courier, made on first use (by the UI thread: the public functions ask first)."""
    global _courier
    if _courier is None:
        _courier = _Courier()
        app = QCoreApplication.instance()
        if app is not None:
            _courier.moveToThread(app.thread())
    return _courier


def run_in_background(
    work: Callable[[], T],
    on_done: Callable[[T], None],
    on_error: Callable[[BaseException], None],
    *,
    owner: QObject | None = None,
    engine: CallableRunner | None = None,
) -> Future:
    """Run ``work()`` off the UI thread; then ``on_done(value)`` or ``on_error(exc)`` on it.

    ``engine``: run on that worker's thread, after its running job and before the next one
    (work that uses torch). Otherwise a new daemon thread runs it (a long download does not
    keep the app from quitting). Returns the future of ``work()``.
    """
    courier = _the_courier()
    if engine is not None:
        future: Future = engine.run_callable(work)
    else:
        future = Future()

        def run() -> None:
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(work())
                except BaseException as e:  # noqa: BLE001 - delivered to on_error
                    future.set_exception(e)

        threading.Thread(target=run, name="f1studio-background", daemon=True).start()

    def deliver() -> None:
        if future.cancelled():  # the engine worker shut down first
            return
        error = future.exception()
        if error is not None:
            on_error(error)
        else:
            on_done(future.result())

    future.add_done_callback(lambda _: courier.arrived.emit(_Parcel(deliver, owner)))
    return future


def ui_thread_callback(
    fn: Callable[[V], None], owner: QObject | None = None
) -> Callable[[V], None]:
    """A callable for any thread: each ``call(value)`` queues ``fn(value)`` on the UI thread."""

    courier = _the_courier()

    def call(value: V) -> None:
        courier.arrived.emit(_Parcel(lambda: fn(value), owner))

    return call
