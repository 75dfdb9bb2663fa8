"""Live mode as a user meets it: the real window offscreen, the demo model at its size, strokes
through the canvas's own input path (QTest mouse events on the CanvasView, one move per 16 ms
timer tick, so the event loop runs between them as it does under a hand).

    python benchmarks/live_latency.py [--strokes 20] [--seconds 5] [--steps N] [--strength S]
        [--no-few-step]

Prints
- ``stroke_to_picture p50 X ms p95 Y ms``: from the release of a stroke to the picture of the
  document as it was then, drawn in the live view;
- ``refreshes_per_s Z``: new live pictures drawn per second during one continuous stroke;
- ``heartbeat p99 A ms max B ms``: gaps of a 10 ms UI timer while painting with live on;
- ``backlog max N``: live renders ever waiting behind the running one.
Goals on a 2-core CPU: p50 <= 250 ms, p95 <= 500 ms, >= 3 refreshes/s, heartbeat p99 <= 16 ms
and max <= 33 ms, backlog <= 1. Other processes on the machine show in these figures.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ui_responsiveness import Heartbeat  # noqa: E402

MOVE_MS = 16  # one pointer move per frame of a 60 Hz hand


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--strokes", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0, help="the continuous stroke")
    parser.add_argument("--steps", type=int, default=None, help="live steps (default: demo's)")
    parser.add_argument("--strength", type=float, default=None, help="live strength")
    parser.add_argument(
        "--no-few-step",
        action="store_true",
        help="without the demo model's few-step LoRA (at live mode's own guidance)",
    )
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="f1studio-live-bench-"))
    os.environ["F1STUDIO_CONFIG_DIR"] = str(scratch / "config")  # no model chosen: the demo
    os.environ.setdefault("F1STUDIO_DATA_DIR", str(scratch / "data"))

    import numpy as np
    from PySide6.QtCore import QEventLoop, QPoint, QSettings, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(scratch / "qs"))
    app = QApplication.instance() or QApplication(sys.argv)
    from f1studio.appsettings import AppSettings
    from f1studio.gui.live import live_request
    from f1studio.gui.main_window import MainWindow

    win = MainWindow()
    win.resize(1400, 900)
    win.show()
    doc, canvas, live = win.doc, win.canvas, win.live.controller
    picture = win.live.view.picture
    settings = AppSettings.load()

    def pause(ms: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(ms), loop.quit)
        loop.exec()

    def wait_for(condition, timeout_s: float) -> bool:  # noqa: ANN001
        end = time.perf_counter() + timeout_s
        while not condition():
            if time.perf_counter() > end:
                return False
            pause(2)
        return True

    warm = win.worker.warm_up()
    wait_for(warm.done, 120)
    doc.set_prompt("a large red circle and a yellow square on a blue background")
    if args.steps is not None:
        doc.set_setting("live_steps", args.steps)
    if args.strength is not None:
        doc.set_setting("live_strength", args.strength)
    if args.no_few_step:
        doc.set_setting("live_few_step", False)
    win.live.toggle_action.trigger()  # Ctrl+L
    assert doc.settings.live
    if not wait_for(lambda: picture.serial >= 1, 180):
        sys.exit("no live picture: the demo model did not render")
    wait_for(lambda: live.idle, 30)
    canvas.set_active_layer(doc.layers[0].id)
    left, nomod = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    size = doc.width

    def to_widget(x: float, y: float) -> QPoint:
        return canvas.canvas_to_widget(x, y).toPoint()

    painted: list[float] = []
    picture.painted.connect(painted.append)
    backlog = [0]

    def stroke(points: list[tuple[float, float]]) -> None:
        """Press, one move per timer tick with the event loop running between, release."""
        QTest.mousePress(canvas, left, nomod, to_widget(*points[0]))
        rest = iter(points[1:])
        loop = QEventLoop()

        def tick() -> None:
            backlog[0] = max(backlog[0], live.backlog, win.worker.pending_count)
            point = next(rest, None)
            if point is None:
                timer.stop()
                loop.quit()
            else:
                QTest.mouseMove(canvas, to_widget(*point))

        timer = QTimer()
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.timeout.connect(tick)
        timer.start(MOVE_MS)
        loop.exec()
        QTest.mouseRelease(canvas, left, nomod, to_widget(*points[-1]))

    colours = [(220, 30, 30, 255), (240, 220, 40, 255), (30, 60, 220, 255), (30, 180, 60, 255)]
    beat = Heartbeat(10)
    beat.timer.start()
    latencies: list[float] = []
    rng = np.random.default_rng(0)
    for i in range(args.strokes):
        brush = canvas.brush
        canvas.set_brush(brush.__class__(**{**brush.__dict__, "color": colours[i % 4]}))
        cx, cy = rng.uniform(0.2, 0.8, 2) * size
        radius = rng.uniform(0.08, 0.2) * size
        points = [
            (cx + radius * math.cos(a), cy + radius * math.sin(a))
            for a in np.linspace(0, 2 * math.pi, 20)
        ]
        stroke(points)
        released = time.perf_counter()
        target = live_request(doc, settings)  # the document as the stroke left it
        if wait_for(lambda t=target, r=released: live.shown_request == t and painted[-1] > r, 10):
            latencies.append((painted[-1] - released) * 1000)
        wait_for(lambda: live.idle, 10)
        pause(150)
    strokes_end = beat.mark()

    # one continuous stroke: a slow spiral for --seconds
    moves = int(args.seconds * 1000 / MOVE_MS)
    spiral = [
        (
            size / 2 + (0.1 + 0.3 * k / moves) * size * math.cos(k / 12),
            size / 2 + (0.1 + 0.3 * k / moves) * size * math.sin(k / 12),
        )
        for k in range(moves)
    ]
    first = len(painted)
    started = time.perf_counter()
    stroke(spiral)
    duration = time.perf_counter() - started
    refreshes = len([t for t in painted[first:] if t <= started + duration])
    beat.timer.stop()
    p99, worst = beat.gaps_ms(0)
    win.worker.shutdown()

    s = doc.settings
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"demo model {size}x{size}, live steps {s.live_steps} strength {s.live_strength:g} "
        f"({live.renders_finished} renders, {live.step_s and live.step_s * 1000:.0f} ms/step), "
        f"cores {os.cpu_count()}, load average {load:.2f} (other processes share the CPU)"
    )
    print(f"strokes {len(latencies)}/{args.strokes} measured, {beat.mark()} heartbeats")
    lat = np.array(latencies) if latencies else np.array([float("nan")])
    print(
        f"stroke_to_picture p50 {np.percentile(lat, 50):.0f} ms p95 {np.percentile(lat, 95):.0f} ms"
    )
    print(f"refreshes_per_s {refreshes / duration:.1f}")
    print(f"heartbeat p99 {p99:.1f} ms max {worst:.1f} ms")
    print(f"backlog max {backlog[0]}")
    builds = np.array(live.build_ms or [0.0])
    print(
        f"(request build on the UI thread: p50 {np.median(builds):.2f} ms max {builds.max():.2f})"
    )
    print(f"(strokes phase heartbeat: {beat.line('strokes', 0, strokes_end)})")
    del app


if __name__ == "__main__":
    main()
