"""Pictures coming into the document: imported, dropped and pasted images, guides from a photo.

Decoding and guide extraction run on the engine worker's thread, never on the UI thread (see
:mod:`f1studio.gui.background`); the controller emits signals the window's widgets connect to.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject
from PySide6.QtGui import QImage

from f1studio.appsettings import AppSettings
from f1studio.document.document import Document
from f1studio.document.layers import LayerKind
from f1studio.gui.background import CallableRunner, run_in_background
from f1studio.gui.controller import DocumentController
from f1studio.gui.i18n import translate
from f1studio.gui.qimage import qimage_to_rgba
from f1studio.model_library import new_layer_properties

DROP_OFFSET = 24  # px between several images dropped at once
#: The names of guides made from a picture (``ControlKind.picture_name``), for ``lupdate``
GUIDE_NAMES = (
    QT_TRANSLATE_NOOP("GuideNames", "Edges of {name}"),
    QT_TRANSLATE_NOOP("GuideNames", "Depth of {name}"),
)
IMAGE_PATTERN = (
    "(*.png *.jpg *.jpeg *.webp *.bmp *.gif *.tif *.tiff *.tga *.ppm *.avif *.qoi *.psd)"
)


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


class ImportController(DocumentController):
    """Adds reference images and extracted guides to the current document.

    ``document`` returns the document shown now; ``engine`` runs the decoding and extraction
    (the EngineWorker: after the running render, never beside it); ``settings`` returns the
    user's settings (the depth estimator and device).
    """

    def __init__(
        self,
        document: Callable[[], Document],
        engine: CallableRunner,
        settings: Callable[[], AppSettings] = AppSettings.load,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(document, settings, parent)
        self._engine = engine
        self.start_folder = ""  # where the file dialog opens: the last import's folder

    def choose_files(self, kind: LayerKind = LayerKind.REFERENCE) -> list[str]:
        """File ▸ Import image…: pick one or more image files, each becomes a ``kind`` layer
        (reference or paint) centred on the canvas. Returns the chosen paths."""
        from PySide6.QtWidgets import QFileDialog, QWidget

        parent = self.parent()
        if kind is LayerKind.REFERENCE:
            title = self.tr("Import reference images")
        else:
            title = self.tr("Import images as paint layers")
        image_filter = f"{self.tr('Images')} {IMAGE_PATTERN};;{self.tr('All files')} (*)"
        paths, _ = QFileDialog.getOpenFileNames(
            parent if isinstance(parent, QWidget) else None,
            title,
            self.start_folder or str(Path.home()),
            image_filter,
        )
        if paths:
            self.start_folder = str(Path(paths[0]).parent)  # the next import starts there
            doc = self._document()
            self.import_files(list(paths), kind, doc.width / 2, doc.height / 2)
        return list(paths)

    def files_dropped(self, paths: list[str], x: float, y: float) -> None:
        self.import_files(paths, LayerKind.REFERENCE, x, y)

    def import_files(self, paths: list[str], kind: LayerKind, x: float, y: float) -> None:
        """Decode each file off the UI thread and add it as a ``kind`` layer at (x, y), the next
        ones a little lower right; a file that cannot be read is one error message, naming it,
        and the others are still added."""
        from f1studio.project.imports import load_image_rgba

        for index, path in enumerate(paths):
            offset = index * DROP_OFFSET
            place = partial(
                self._add_picture, name=Path(path).stem, x=x + offset, y=y + offset, kind=kind
            )
            self._in_background(partial(load_image_rgba, path), place, Path(path).name)

    def image_dropped(self, image: QImage, x: float, y: float) -> None:
        self._add_reference(qimage_to_rgba(image), self.tr("Pasted image"), x, y)

    def paste(self) -> None:
        from PySide6.QtWidgets import QApplication

        mime = QApplication.clipboard().mimeData()
        doc = self._document()
        if mime is not None and mime.hasImage():
            image = QApplication.clipboard().image()
            if not image.isNull():
                self._add_reference(
                    qimage_to_rgba(image), self.tr("Pasted image"), doc.width / 2, doc.height / 2
                )
                return
        if mime is not None and mime.hasUrls():
            paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
            if paths:
                self.files_dropped(paths, doc.width / 2, doc.height / 2)
                return
        self.statusMessage.emit(self.tr("The clipboard holds no image"))

    def extract(self, layer_id: str, kind: str) -> None:
        """Make an edge or depth guide from a reference layer, off the UI thread."""
        from f1studio.engine.guides import ExtractOptions, extract_guide
        from f1studio.engine.request import ControlKind
        from f1studio.model_library import resolve_models

        doc = self._document()
        layer = doc.layer(layer_id)
        if not layer.data[..., 3].any():
            self.errorMessage.emit(
                self.tr(
                    "“{name}” is empty: import a picture (File ▸ Import image…), paste or "
                    "drop one, then make a {kind} guide from it"
                ).format(name=layer.name, kind=kind)
            )
            return
        picture = layer.data.copy()
        app = self._settings()
        options = ExtractOptions(
            resolve_models(doc.settings.models, app).depth_estimator, app.device
        )
        work: Callable[[], np.ndarray] = partial(extract_guide, kind, picture, options)
        label = translate("GuideNames", ControlKind(kind).picture_name).format(name=layer.name)
        self.statusMessage.emit(self.tr("Making {guide}…").format(guide=label.lower()))
        target_doc = doc

        def add(guide: np.ndarray) -> None:
            if self._document() is not target_doc:
                return
            if not guide.any():
                if kind == "edge":
                    message = self.tr("Found no edges in “{name}”: no guide added")
                else:
                    message = self.tr("Found no depth differences in “{name}”: no guide added")
                self.errorMessage.emit(message.format(name=layer.name))
                return
            self.aboutToAddLayer.emit()
            props = new_layer_properties(kind, target_doc.settings.models, self._settings())
            new = target_doc.add_layer(LayerKind(kind), name=label, data=guide, **props)
            self.layerAdded.emit(new.id)
            self.statusMessage.emit(self.tr("Added {guide}").format(guide=label))

        self._in_background(work, add, label)

    # ---- helpers --------------------------------------------------------------------------
    def _add_reference(self, image: np.ndarray, name: str, x: float, y: float) -> None:
        self._add_picture(image, name, x, y, LayerKind.REFERENCE)

    def _add_picture(
        self, image: np.ndarray, name: str, x: float, y: float, kind: LayerKind
    ) -> None:
        self.aboutToAddLayer.emit()
        doc = self._document()
        data = place_on_canvas(image, doc.width, doc.height, x, y)
        layer = doc.add_layer(kind, name=name, data=data)
        self.layerAdded.emit(layer.id)
        if kind is LayerKind.REFERENCE:
            message = self.tr("Added reference image {name}")
        else:
            message = self.tr("Added paint layer {name}")
        self.statusMessage.emit(message.format(name=name))

    def _in_background(
        self, work: Callable[[], Any], on_done: Callable[[Any], None], what: str
    ) -> None:
        """``work()`` on the engine's thread, then ``on_done(value)`` here; errors are shown."""

        def failed(error: BaseException) -> None:
            message = getattr(error, "message", None) or str(error) or type(error).__name__
            self.errorMessage.emit(f"{what}: {message}" if what not in message else message)

        run_in_background(work, on_done, failed, owner=self, engine=self._engine)
