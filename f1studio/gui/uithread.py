"""Run a callable on the UI thread from any thread (a queued Qt signal)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot


class _Dispatcher(QObject):
    call = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _run(self, fn: Callable[[], object]) -> None:
        fn()


_dispatcher: _Dispatcher | None = None


def call_on_ui_thread(fn: Callable[[], object]) -> None:
    """Queue ``fn()`` to run on the UI thread's event loop (also when called from it)."""
    global _dispatcher
    if _dispatcher is None:
        _dispatcher = _Dispatcher()
        app = QCoreApplication.instance()
        if app is not None:
            _dispatcher.moveToThread(app.thread())
    _dispatcher.call.emit(fn)
