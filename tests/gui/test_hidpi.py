"""At 200 % scaling the window's own small pictures (layer glyphs, padlocks, curve sparklines,
result thumbnails) are drawn with a device pixel per pixel, not blown up from 1x bitmaps."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.gui import qimage


@pytest.fixture
def double_density(monkeypatch):
    monkeypatch.setattr(qimage, "pixel_ratio", lambda: 2.0)
    for module in ("layers_panel", "curve_editor", "results_strip"):
        mod = __import__(f"f1studio.gui.panels.{module}", fromlist=["x"])
        if hasattr(mod, "pixel_ratio"):
            monkeypatch.setattr(mod, "pixel_ratio", lambda: 2.0)


def test_small_pictures_are_drawn_at_the_screens_density(qapp, double_density):
    from f1studio.gui.panels import curve_editor, layers_panel, results_strip

    lock = layers_panel._lock_pixmap(True)
    assert (lock.width(), lock.devicePixelRatio()) == (2 * layers_panel.ICON_SIZE, 2.0)
    line = curve_editor.sparkline((1.5, 1.0, 0.5), 0.0, 1.0, 18)
    assert (line.width(), line.devicePixelRatio()) == (36, 2.0)
    glyph = layers_panel._glyph("R", (200, 60, 60))
    sizes = glyph.availableSizes()
    assert sizes and sizes[0].width() == 2 * layers_panel.ICON_SIZE
    picture = np.zeros((256, 256, 3), np.uint8)
    picture[::2] = 255  # fine stripes: lost if the thumbnail were scaled up from 1x
    thumb = results_strip._thumbnail(picture)
    assert thumb.availableSizes()[0].width() == 2 * results_strip.THUMB


def test_hidpi_pixmap_paints_in_logical_coordinates(qapp, double_density):
    from PySide6.QtGui import QColor, QPainter

    pixmap = qimage.hidpi_pixmap(10, 10)
    painter = QPainter(pixmap)
    painter.fillRect(0, 0, 5, 10, QColor(255, 0, 0))
    painter.end()
    image = pixmap.toImage()
    assert image.width() == 20
    assert image.pixelColor(9, 5).red() == 255 and image.pixelColor(10, 5).alpha() == 0
