"""Running the app on a qasync event loop, and awaiting the engine worker from coroutines."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import qasync
from PySide6.QtWidgets import QApplication, QWidget

from f1studio.engine.events import Result
from f1studio.engine.request import GenerationRequest
from f1studio.gui.worker import EngineWorker

log = logging.getLogger(__name__)


class JobFailedError(Exception):
    """A job awaited with :func:`wait_job` failed; ``kind`` is an ``ErrorKind`` value."""

    def __init__(self, job_id: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.job_id = job_id
        self.kind = kind
        self.message = message


def run_app(app: QApplication, main: QWidget | Callable[[], Awaitable[Any]] | None = None) -> int:
    """Run ``app`` on a qasync loop until it quits (by default when the last window closes).

    ``main`` is a window to show or a coroutine function to start as a task; if that task
    fails, the app exits with code 1. Returns the application's exit code.
    """
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    if isinstance(main, QWidget):
        main.show()
    elif main is not None:
        task = loop.create_task(main())

        def done(t: asyncio.Task) -> None:
            if not t.cancelled() and t.exception() is not None:
                log.error("main coroutine failed", exc_info=t.exception())
                app.exit(1)

        task.add_done_callback(done)
    try:
        code = loop.run_forever()
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for t in pending:
            t.cancel()
        loop.close()
        asyncio.set_event_loop(None)
    return int(code or 0)


async def run_async(worker: EngineWorker, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` on the engine thread, awaited without blocking the UI."""
    return await asyncio.wrap_future(worker.run_callable(fn, *args))


async def wait_job(worker: EngineWorker, request: GenerationRequest) -> Result | None:
    """Submit ``request`` and await it: the Result, ``None`` if cancelled, or JobFailedError."""
    future: asyncio.Future[Result | None] = asyncio.get_running_loop().create_future()
    job_id = -1

    def finished(jid: int, result: object) -> None:
        if jid == job_id and not future.done():
            future.set_result(result)  # type: ignore[arg-type]

    def failed(jid: int, kind: str, message: str) -> None:
        if jid == job_id and not future.done():
            future.set_exception(JobFailedError(jid, kind, message))

    def cancelled(jid: int) -> None:
        if jid == job_id and not future.done():
            future.set_result(None)

    connections = [
        (worker.jobFinished, finished),
        (worker.jobFailed, failed),
        (worker.jobCancelled, cancelled),
    ]
    for signal, slot in connections:
        signal.connect(slot)
    try:
        job_id = worker.submit(request)
        try:
            return await future
        except asyncio.CancelledError:
            worker.cancel(job_id)  # the awaiting task was cancelled: so is the job
            raise
    finally:
        for signal, slot in connections:
            signal.disconnect(slot)
