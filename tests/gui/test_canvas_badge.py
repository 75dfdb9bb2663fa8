"""The caption in the canvas's corner ("Result preview · Enter applies it …") stays whole."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QPainter

from f1studio.gui.canvas.decorations import paint_badge

TEXT = "Result preview · Enter applies it as a layer · Esc hides it"


def _badge(width: int) -> np.ndarray:
    image = QImage(width, 200, QImage.Format.Format_RGB32)
    image.fill(QColor(255, 0, 0))
    p = QPainter(image)
    paint_badge(p, TEXT)
    p.end()
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(200, width, 4)
    return pixels[:, :, 2].astype(int) < 200  # the badge's dark box and its text, not the red


@pytest.mark.parametrize("width", [900, 260])
def test_the_badge_fits_a_narrow_view_on_more_lines(qapp, width):
    """In the live split the canvas can be narrower than the caption (under Xvfb the first
    letters were cut off at the view's left edge): it wraps inside the view instead."""
    covered = _badge(width)
    columns = np.flatnonzero(covered.any(axis=0))
    rows = np.flatnonzero(covered.any(axis=1))
    assert columns.min() >= 8 and columns.max() <= width - 8
    wide = _badge(900)
    if width < 300:  # more lines than the one it takes where there is room
        assert rows.max() - rows.min() > 1.5 * np.ptp(np.flatnonzero(wide.any(axis=1)))
