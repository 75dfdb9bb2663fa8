"""numpy <-> QImage conversions, kept cheap because they run on the UI thread."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPixmap


def rgba_to_qimage(rgba: np.ndarray) -> QImage:
    """A QImage (RGBA8888, its own copy of the pixels) from an (H, W, 4) uint8 array."""
    arr = np.ascontiguousarray(rgba, dtype=np.uint8)
    h, w = arr.shape[:2]
    return QImage(arr.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """A QImage (RGB888, its own copy) from an (H, W, 3) uint8 array."""
    arr = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = arr.shape[:2]
    return QImage(arr.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def gray_to_qimage(gray: np.ndarray) -> QImage:
    arr = np.ascontiguousarray(gray, dtype=np.uint8)
    h, w = arr.shape[:2]
    return QImage(arr.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def array_to_pixmap(image: np.ndarray) -> QPixmap:
    """Any of RGB, RGBA or grey uint8 arrays as a QPixmap."""
    if image.ndim == 2:
        return QPixmap.fromImage(gray_to_qimage(image))
    if image.shape[2] == 4:
        return QPixmap.fromImage(rgba_to_qimage(image))
    return QPixmap.fromImage(rgb_to_qimage(image))


def qimage_to_rgba(image: QImage) -> np.ndarray:
    """An (H, W, 4) uint8 copy of any QImage."""
    converted = image.convertToFormat(QImage.Format.Format_RGBA8888)
    w, h = converted.width(), converted.height()
    ptr = converted.constBits()
    arr = np.frombuffer(ptr, np.uint8, count=converted.bytesPerLine() * h)
    arr = arr.reshape(h, converted.bytesPerLine())[:, : 4 * w].reshape(h, w, 4)
    return arr.copy()


def image_from_mime(mime: QMimeData) -> QImage | None:
    """The image carried by drag-and-drop or clipboard data, or None when there is none."""
    if not mime.hasImage():
        return None
    data = mime.imageData()
    image = data.toImage() if isinstance(data, QPixmap) else QImage(data)
    return None if image.isNull() else image


def local_files(mime: QMimeData) -> list[str]:
    """Paths of the local files among dropped/pasted URLs."""
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()] if mime.hasUrls() else []


def pixel_ratio() -> float:
    """The screen's device pixels per logical pixel (2 at 200 % scaling)."""
    app = QGuiApplication.instance()
    return float(app.devicePixelRatio()) if isinstance(app, QGuiApplication) else 1.0


def hidpi_pixmap(width: int, height: int) -> QPixmap:
    """A transparent pixmap of ``width`` x ``height`` logical pixels with one pixel per device
    pixel, so what is painted on it (in logical coordinates) stays sharp at 200 % scaling."""
    ratio = pixel_ratio()
    pixmap = QPixmap(max(1, round(width * ratio)), max(1, round(height * ratio)))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    return pixmap
