"""How smoothly the UI thread runs while the EngineWorker renders (offscreen Qt, CPU).

    python benchmarks/ui_responsiveness.py [--size 256] [--steps 40] [--jobs 3] [--threads N]

A 10 ms heartbeat QTimer runs on the UI thread while the worker renders the tiny model, and
the UI thread turns every progress preview (and each result) into a QPixmap, as the window
does. Prints the heartbeat gaps (p50/p99/max in ms) when idle, during ``warm_up()`` (imports),
during the first job (model load) and while rendering, plus the render time. Goal: while rendering, p99 <= 16 ms and max <= 33 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import tiny_models  # noqa: E402


class Heartbeat:
    """A precise repeating timer on the UI thread that remembers when it fired."""

    def __init__(self, interval_ms: int) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def mark(self) -> int:
        return len(self.ticks)

    def line(self, label: str, first: int, last: int | None = None) -> str:
        import numpy as np

        ticks = self.ticks[first:last]
        if len(ticks) < 2:
            return f"{label:<8} ticks {len(ticks)}"
        gaps = np.diff(ticks) * 1000
        return (
            f"{label:<8} ticks {len(ticks)}  p50_ms {np.percentile(gaps, 50):.1f}  "
            f"p99_ms {np.percentile(gaps, 99):.1f}  max_ms {gaps.max():.1f}"
        )

    def gaps_ms(self, first: int, last: int | None = None) -> tuple[float, float]:
        import numpy as np

        gaps = np.diff(self.ticks[first:last]) * 1000
        return float(np.percentile(gaps, 99)), float(gaps.max())


def to_pixmap(rgb, size: int):  # noqa: ANN001, ANN201 - numpy in, QPixmap out
    """What the window does with a preview: RGB uint8 -> QImage -> scaled QPixmap."""
    import numpy as np
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPixmap

    arr = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = arr.shape[:2]
    image = QImage(arr.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    return QPixmap.fromImage(image).scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch threads on the worker")
    parser.add_argument("--interval", type=int, default=10, help="heartbeat interval, ms")
    parser.add_argument("--no-warm-up", action="store_true", help="skip EngineWorker.warm_up()")
    args = parser.parse_args()

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from f1studio.engine.request import GenerationRequest
    from f1studio.gui.worker import EngineWorker, engine_threads

    models = tiny_models()
    app = QApplication.instance() or QApplication(sys.argv)
    threads = args.threads or engine_threads()
    worker = EngineWorker(threads=threads)
    beat = Heartbeat(args.interval)
    shown = {"previews": 0, "results": 0}

    def on_progress(_job: int, progress) -> None:  # noqa: ANN001
        if progress.preview is not None:
            to_pixmap(progress.preview, args.size)
            shown["previews"] += 1

    def on_finished(_job: int, finished) -> None:  # noqa: ANN001
        to_pixmap(finished.result.images[0], args.size)
        shown["results"] += 1

    worker.jobProgress.connect(on_progress)
    worker.jobFinished.connect(on_finished)
    worker.jobFailed.connect(lambda j, f: sys.exit(f"job {j} failed: {f.kind.value}: {f.message}"))

    def request(steps: int, seed: int) -> GenerationRequest:
        return GenerationRequest(
            "a red car on a street", args.size, args.size, negative_prompt="blurry",
            model=str(models["pipeline"]), steps=steps, seed=seed, device="cpu",
        )  # fmt: skip

    def wait_idle() -> None:
        loop = QEventLoop()
        worker.busyChanged.connect(loop.quit)
        loop.exec()
        worker.busyChanged.disconnect(loop.quit)

    def pause(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    beat.timer.start()
    pause(1000)
    idle_end = beat.mark()
    warm_s = time.perf_counter()
    if not args.no_warm_up:
        warm = worker.warm_up()  # as the app does at start: imports, then gc.freeze()
        while not warm.done():
            pause(20)
        warm.result()
    warm_end = beat.mark()
    warm_s = time.perf_counter() - warm_s
    worker.submit(request(2, 0))  # first job: loads the model
    wait_idle()
    load_end = beat.mark()
    started = time.perf_counter()
    for seed in range(args.jobs):
        worker.submit(request(args.steps, seed))
    wait_idle()
    render_s = time.perf_counter() - started
    render_end = beat.mark()
    beat.timer.stop()
    assert worker.shutdown()

    print(
        f"device cpu, cores {os.cpu_count()}, engine torch threads {threads}, "
        f"{args.size}px, {args.steps} steps, {args.jobs} jobs back to back, "
        f"heartbeat {args.interval} ms"
    )
    print(beat.line("idle", 0, idle_end))
    if not args.no_warm_up:
        print(beat.line("warm-up", idle_end, warm_end) + f"  ({warm_s:.1f} s: imports)")
    loaded = "model load" if not args.no_warm_up else "imports + model load"
    print(beat.line("1st job", warm_end, load_end) + f"  ({loaded})")
    print(beat.line("render", load_end, render_end))
    print(
        f"render_s {render_s:.2f} ({render_s / args.jobs:.2f} per job), "
        f"previews shown {shown['previews']}, results shown {shown['results']}"
    )
    p99, worst = beat.gaps_ms(load_end, render_end)
    met = p99 <= 16 + 1e-9 and worst <= 33 + 1e-9
    print(f"goal p99 <= 16 ms and max <= 33 ms while rendering: {'met' if met else 'NOT met'}")
    del app


if __name__ == "__main__":
    main()
