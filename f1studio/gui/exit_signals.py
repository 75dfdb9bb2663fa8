"""SIGTERM and SIGINT (Ctrl+C in the launching terminal) close the window at once, keeping
unsaved work in the recovery copy, as a crash would but without losing the last seconds.

Python runs signal handlers only when the interpreter gets control, and Qt's event loop may
sleep in C++ for a long time. So the C-level handler writes the signal number to a socket
(:func:`signal.set_wakeup_fd`) that a :class:`QSocketNotifier` watches: the event loop wakes
at once and the window closes from the UI thread.
"""

from __future__ import annotations

import contextlib
import signal
import socket
from collections.abc import Callable

from PySide6.QtCore import QObject, QSocketNotifier

EXIT_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class ExitSignals(QObject):
    """While alive, SIGTERM and SIGINT call ``on_signal(signum)`` on the UI thread."""

    def __init__(self, on_signal: Callable[[int], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_signal = on_signal
        self._read, self._write = socket.socketpair()
        for end in (self._read, self._write):
            end.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno(), warn_on_full_buffer=False)
        self._previous = {sig: signal.signal(sig, _ignore) for sig in EXIT_SIGNALS}
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._woken)
        self._handled = False

    def _woken(self) -> None:
        with contextlib.suppress(OSError):
            data = self._read.recv(64)
            numbers = [n for n in data if n in {int(s) for s in EXIT_SIGNALS}]
            if numbers and not self._handled:
                self._handled = True  # a second Ctrl+C while closing changes nothing
                self._on_signal(numbers[0])

    def uninstall(self) -> None:
        """Give the signals back (after the event loop ended)."""
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._read.close()
        self._write.close()


def _ignore(signum: int, frame: object) -> None:
    """The work happens in :meth:`ExitSignals._woken`; Python must not raise KeyboardInterrupt."""
