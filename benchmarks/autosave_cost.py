"""What saving and autosaving cost on a large document, and whether autosave stalls the UI.

    python benchmarks/autosave_cost.py [--layers 32] [--size 1024]

Builds a document of ``--layers`` layers at ``--size``² (photos, painted strokes, masks and
guides, so PNG sizes are realistic) and prints, in seconds unless marked:

- ``save_full``: the first save (every layer encoded);
- ``open``: opening that file; ``open_save``: opening it and saving it again unchanged;
- ``save_one_changed``: a save after one brush stroke (only that layer is encoded);
- ``autosave_ui_ms``: what an autosave costs the UI thread (the snapshot), one layer changed;
- ``autosave_write``: the background part of that autosave;
- ``ui_gap_max_ms``: the longest pause of a 10 ms UI timer while autosaves of one changed
  layer and of every layer (after a canvas resize) run in the background.

Goal (issue 11): an autosave of 32 layers at 1024² with one changed layer under 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def build_document(layers: int, size: int):  # noqa: ANN201 - Document, imported lazily
    import cv2
    from skimage import data

    from f1studio.document.document import Document
    from f1studio.document.layers import LayerKind

    photos = [data.astronaut(), data.coffee(), data.chelsea()]
    doc = Document(size, size, prompt="a benchmark")
    rng = np.random.default_rng(0)
    kinds = [LayerKind.REFERENCE, LayerKind.PAINT, LayerKind.REGION, LayerKind.EDGE]
    for i in range(layers):
        kind = kinds[i % len(kinds)]
        layer = doc.add_layer(kind, name=f"{kind.label} {i}")
        if kind is LayerKind.REFERENCE:
            rgb = cv2.resize(photos[i % 3], (size, size))
            alpha = np.full((size, size, 1), 255, np.uint8)
            doc.replace_pixels(layer.id, np.concatenate([rgb, alpha], axis=2))
        elif kind is LayerKind.EDGE:
            doc.replace_pixels(
                layer.id, cv2.Canny(cv2.resize(photos[i % 3], (size, size)), 80, 160)
            )
        else:
            for _ in range(12):
                y, x = rng.integers(0, size, 2)
                colour = (*rng.integers(0, 256, 3), 255) if kind.is_picture else 255
                doc.paint_disc(layer.id, y, x, size / 12, colour, hardness=0.5)
    doc.history.clear()
    return doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--layers", type=int, default=32)
    parser.add_argument("--size", type=int, default=1024)
    args = parser.parse_args()

    from f1studio.project.f1s import LayerPngCache, load_project, save_project

    folder = Path(tempfile.mkdtemp(prefix="f1studio-autosave-bench-"))
    os.environ["F1STUDIO_DATA_DIR"] = str(folder / "data")
    doc = build_document(args.layers, args.size)
    path = folder / "big.f1s"
    figures: dict[str, float] = {}

    start = time.perf_counter()
    save_project(doc, path)
    figures["save_full"] = time.perf_counter() - start
    start = time.perf_counter()
    cache = LayerPngCache()
    reopened = load_project(path, cache)
    figures["open"] = time.perf_counter() - start
    save_project(reopened, path, cache)
    figures["open_save"] = time.perf_counter() - start

    paint = next(layer for layer in reopened.layers if layer.kind.is_picture and not layer.locked)
    reopened.paint_disc(paint.id, args.size / 2, args.size / 2, 40, (255, 0, 0, 255))
    start = time.perf_counter()
    save_project(reopened, path, cache)
    figures["save_one_changed"] = time.perf_counter() - start

    figures.update(_autosave_figures(reopened, cache, paint.id, args.size))
    print(
        f"document: {args.layers} layers at {args.size}x{args.size}, file {path.stat().st_size / 2**20:.1f} MiB"
    )
    for name, value in figures.items():
        print(f"{name} {value:.3f}" if not name.endswith("_ms") else f"{name} {value:.1f}")


def _autosave_figures(doc, cache, layer_id: str, size: int) -> dict[str, float]:  # noqa: ANN001
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from f1studio.gui.autosave import Autosave
    from f1studio.project.recovery import RecoverySession

    app = QApplication.instance() or QApplication([])
    autosave = Autosave(RecoverySession(), interval_s=3600)
    autosave.watch(doc, cache, None, saved_revision=doc.revision)
    ticks: list[float] = []
    heartbeat = QTimer()
    heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
    heartbeat.start(10)
    figures: dict[str, float] = {}

    def run_one() -> float:
        done: list[float] = []
        autosave.written.connect(lambda _: done.append(time.perf_counter()))
        start = time.perf_counter()
        autosave.write_now()
        while not done:
            app.processEvents()
            time.sleep(0.001)
        autosave.written.disconnect()
        return done[0] - start

    doc.paint_disc(layer_id, size / 3, size / 3, 30, (0, 0, 255, 255))
    figures["autosave_write"] = run_one()
    figures["autosave_ui_ms"] = autosave.last_snapshot_ms
    doc.resize_canvas(size - 64, size - 64)  # every layer changed
    ticks.clear()
    figures["autosave_all_changed"] = run_one()
    figures["autosave_all_changed_ui_ms"] = autosave.last_snapshot_ms
    gaps = np.diff(ticks) * 1000 if len(ticks) > 1 else np.array([0.0])
    figures["ui_gap_max_ms"] = float(gaps.max())
    heartbeat.stop()
    autosave.close(keep=False)
    return figures


if __name__ == "__main__":
    main()
