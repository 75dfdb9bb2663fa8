"""Pictures coming into the document: dropped files, pasted images, guides from a photo.

Decoding and guide extraction run on the engine worker's thread, never on the UI thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject

from f1studio.document.layers import LayerKind
from f1studio.gui.qimage import qimage_to_rgba

if TYPE_CHECKING:
    from f1studio.gui.main_window import MainWindow

DROP_OFFSET = 24  # px between several images dropped at once


def place_on_canvas(image: np.ndarray, width: int, height: int, cx: float, cy: float) -> np.ndarray:
    """A canvas-sized RGBA layer with ``image`` centred at (cx, cy), scaled down to fit."""
    import cv2

    h, w = image.shape[:2]
    scale = min(1.0, width / w, height / h)
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        h, w = image.shape[:2]
    layer = np.zeros((height, width, 4), np.uint8)
    x0 = int(round(min(max(cx - w / 2, 0), width - w)))
    y0 = int(round(min(max(cy - h / 2, 0), height - h)))
    layer[y0 : y0 + h, x0 : x0 + w] = image
    return layer


class ImportController(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.pending: list[Any] = []  # futures still running (kept alive; used by tests)

    def files_dropped(self, paths: list[str], x: float, y: float) -> None:
        from f1studio.project.imports import load_image_rgba

        for index, path in enumerate(paths):
            offset = index * DROP_OFFSET
            future = self.window.worker.run_callable(load_image_rgba, path)
            self._when_done(
                future,
                lambda img, p=path, o=offset: self._add_reference(img, Path(p).stem, x + o, y + o),
                Path(path).name,
            )

    def image_dropped(self, image: Any, x: float, y: float) -> None:
        self._add_reference(qimage_to_rgba(image), "Pasted image", x, y)

    def paste(self) -> None:
        from PySide6.QtWidgets import QApplication

        mime = QApplication.clipboard().mimeData()
        doc = self.window.doc
        if mime is not None and mime.hasImage():
            image = QApplication.clipboard().image()
            if not image.isNull():
                self._add_reference(
                    qimage_to_rgba(image), "Pasted image", doc.width / 2, doc.height / 2
                )
                return
        if mime is not None and mime.hasUrls():
            paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
            if paths:
                self.files_dropped(paths, doc.width / 2, doc.height / 2)
                return
        self.window.status("The clipboard holds no image")

    def extract(self, layer_id: str, kind: str) -> None:
        """Make an edge or depth guide from a reference layer, off the UI thread."""
        from f1studio.appsettings import AppSettings
        from f1studio.engine.guides import ExtractOptions, extract_guide
        from f1studio.engine.request import ControlKind
        from f1studio.model_library import resolve_models

        doc = self.window.doc
        layer = doc.layer(layer_id)
        picture = layer.data.copy()
        app = AppSettings.load()
        options = ExtractOptions(
            resolve_models(doc.settings.models, app).depth_estimator, app.device
        )
        future = self.window.worker.run_callable(extract_guide, kind, picture, options)
        label = ControlKind(kind).picture_name.format(name=layer.name)
        self.window.status(f"Making {label.lower()}…")
        target_doc = doc

        def add(guide: np.ndarray) -> None:
            if self.window.doc is not target_doc:
                return
            self.window.canvas.finish_stroke()
            new = target_doc.add_layer(LayerKind(kind), name=label, data=guide)
            self.window.layers_panel.select_layer(new.id)
            self.window.status(f"Added {label}")

        self._when_done(future, add, label)

    # ---- helpers --------------------------------------------------------------------------
    def _add_reference(self, image: np.ndarray, name: str, x: float, y: float) -> None:
        self.window.canvas.finish_stroke()
        doc = self.window.doc
        data = place_on_canvas(image, doc.width, doc.height, x, y)
        layer = doc.add_layer(LayerKind.REFERENCE, name=name, data=data)
        self.window.layers_panel.select_layer(layer.id)
        self.window.status(f"Added reference image {name}")

    def _when_done(self, future: Any, on_value: Any, what: str) -> None:
        """Call ``on_value(result)`` on the UI thread when ``future`` completes."""
        from f1studio.gui.uithread import call_on_ui_thread

        self.pending.append(future)

        def done(f: Any) -> None:
            def deliver() -> None:
                if f in self.pending:
                    self.pending.remove(f)
                if f.cancelled():  # the worker shut down first: nothing to add
                    return
                error = f.exception()
                if error is not None:
                    message = getattr(error, "message", None) or str(error) or type(error).__name__
                    self.window.show_error(f"{what}: {message}" if what not in message else message)
                    return
                on_value(f.result())

            call_on_ui_thread(deliver)

        future.add_done_callback(done)
