"""Progress of a hub download (see :mod:`f1studio.engine.downloads`): bytes done and total, the
rate over the last seconds, the time left, and cancelling between chunks. No Qt, no torch."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PROGRESS_INTERVAL = 0.1  # seconds between two progress reports (besides file boundaries)
RATE_WINDOW = 5.0  # seconds of history the rate is computed over


class DownloadCancelled(Exception):
    """The download was cancelled; files finished so far stay in the cache."""


@dataclass(frozen=True)
class DownloadProgress:
    repo_id: str
    bytes_done: int
    bytes_total: int | None
    rate: float | None  # bytes per second, over the last few seconds; None before it is known
    eta_seconds: float | None  # None while the rate or the total is unknown
    file: str = ""  # the file being downloaded
    files_done: int = 0
    files_total: int = 0

    @property
    def fraction(self) -> float | None:
        if not self.bytes_total:
            return None
        return min(1.0, self.bytes_done / self.bytes_total)

    def describe(self) -> str:
        """``1.2 GB of 5.5 GB · 23.4 MB/s · 3 min left``"""
        from f1studio.engine.catalog import format_size

        parts = [
            f"{format_size(self.bytes_done)} of {format_size(self.bytes_total)}"
            if self.bytes_total
            else format_size(self.bytes_done)
        ]
        if self.rate:
            parts.append(f"{format_size(int(self.rate))}/s")
        if self.eta_seconds is not None:
            parts.append(f"{format_duration(self.eta_seconds)} left")
        return " · ".join(parts)


def format_duration(seconds: float) -> str:
    """``45 s``, ``3 min``, ``1 h 20 min``."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes = (seconds + 30) // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


class ProgressTracker:
    """Counts bytes for one download; reports progress and raises when cancelled."""

    def __init__(
        self,
        repo_id: str,
        total: int | None,
        files_total: int,
        on_progress: Callable[[DownloadProgress], None] | None,
        cancel: threading.Event | None,
    ) -> None:
        self.repo_id = repo_id
        self.total = total
        self.files_total = files_total
        self.on_progress = on_progress
        self.cancel = cancel
        self.done = 0  # finished files plus the current file's bytes
        self.received = 0  # bytes received in this call (for the rate)
        self.files_done = 0
        self.file = ""
        self._lock = threading.RLock()  # Xet reports from its own threads
        self._samples: deque[tuple[float, int]] = deque()
        self._last_report = 0.0
        self.ready = False  # reports start once the total is known

    def start(self, total: int | None, files_total: int, done: int, files_done: int) -> None:
        """Begin reporting: ``done`` bytes in ``files_done`` files are already in the cache
        (they count as done, but not towards the rate)."""
        with self._lock:
            self.total = total
            self.files_total = files_total
            self.done = done
            self.received = 0
            self.files_done = files_done
            self.ready = True
        self.report(force=True)

    def file_finished(self, done_before: int, size: int | None) -> None:
        """One more file is complete: ``size`` bytes after ``done_before`` (or what was counted
        while it came, when its size was not known)."""
        with self._lock:
            self.done = done_before + (size or (self.done - done_before))
            self.files_done += 1
        self.report(force=True)

    def check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise DownloadCancelled(f"download of {self.repo_id} cancelled")

    def add(self, n: int, received: bool = True) -> None:
        with self._lock:
            self.done += n
            if received:
                self.received += n
            self.check()
            self.report()

    def rate(self, now: float) -> float | None:
        samples = self._samples
        samples.append((now, self.received))
        while len(samples) > 2 and now - samples[0][0] > RATE_WINDOW:
            samples.popleft()
        t0, r0 = samples[0]
        if now - t0 < 0.2:
            return None
        return max(0.0, (self.received - r0) / (now - t0))

    def report(self, force: bool = False) -> None:
        with self._lock:
            self._report(force)

    def _report(self, force: bool) -> None:
        if not self.ready:
            return
        now = time.monotonic()
        if not force and now - self._last_report < PROGRESS_INTERVAL:
            return
        self._last_report = now
        rate = self.rate(now)
        eta = None
        if rate and self.total is not None:
            eta = max(0, self.total - self.done) / rate
        elif self.total is not None and self.done >= self.total:
            eta = 0.0
        if self.on_progress is not None:
            self.on_progress(
                DownloadProgress(
                    self.repo_id,
                    self.done,
                    self.total,
                    rate,
                    eta,
                    self.file,
                    self.files_done,
                    self.files_total,
                )
            )


class ProgressHook:
    """What huggingface_hub takes as ``tqdm_class``: it counts the bytes written into the
    tracker (which raises :class:`DownloadCancelled` when the cancel event is set)."""

    tracker: ProgressTracker

    @classmethod
    def bound_to(cls, tracker: ProgressTracker) -> type[ProgressHook]:
        """A hook class (huggingface_hub makes one per file) counting into ``tracker``."""
        return type("BoundProgressHook", (cls,), {"tracker": tracker})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.total = kwargs.get("total")
        self.n = 0
        self.disable = False
        initial = kwargs.get("initial") or 0
        if initial:  # bytes of a partial file already on disk
            self.n = initial
            self.tracker.add(initial, received=False)

    def update(self, n: float | None = 1) -> None:
        n = int(n or 0)
        if n:
            self.n += n
            self.tracker.add(n)

    def update_transfer(self, n: float | None = 1) -> None:
        self.tracker.check()

    @property
    def format_dict(self) -> dict[str, Any]:
        return {"rate": None, "n": self.n, "total": self.total}

    def set_postfix_str(self, *args: Any, **kwargs: Any) -> None:
        pass

    set_transfer_postfix_str = set_description = set_description_str = set_postfix_str
    refresh = clear = reset = set_postfix = set_postfix_str

    def close(self) -> None:
        pass

    def __enter__(self) -> ProgressHook:
        return self

    def __exit__(self, *exc: Any) -> None:
        pass
