"""The line above the canvas about the model: none chosen, one that failed, or the demo model."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from f1studio.demo.model import DEMO_SIZE
from f1studio.gui.i18n import translate

_WARNING = "background:#fff3cd;color:#5c4400;padding:6px;"
_INFO = "background:#e7f1ff;color:#0b3d77;padding:6px;"


def demo_message(width: int, height: int) -> str:
    """What the demo model draws, and a hint when the canvas is not its size."""
    fits = ""
    if (width, height) != (DEMO_SIZE, DEMO_SIZE):
        fits = " " + translate(
            "ModelBanner",
            "This canvas is {width}×{height}: use File ▸ New for a {size}×{size} one.",
        ).format(width=width, height=height, size=DEMO_SIZE)
    return translate(
        "ModelBanner",
        "You are using the built-in demo model: it draws flat circles, squares and "
        "triangles in eight colours, {size}×{size} pixels.{fits} For real "
        "pictures, download a recommended model or add your model folder (Models…).",
    ).format(size=DEMO_SIZE, fits=fits)


class ModelBanner(QWidget):
    """A message and a Models… button (``button``: the window connects it to its manager)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setStyleSheet(_WARNING)
        self.button = QPushButton(self.tr("Models…"))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.button)

    def show_problem(self, message: str | None = None) -> None:
        """A warning: no model chosen (the default message), or why the model cannot render."""
        self.label.setStyleSheet(_WARNING)
        self.label.setText(
            message
            or self.tr(
                "No model chosen: F1 Studio needs a Stable Diffusion 1.5, SDXL or FLUX.1 "
                "model (a folder, a .safetensors file or a Hugging Face id) to render."
            )
        )
        self.setVisible(True)

    def show_demo(self, width: int, height: int) -> None:
        """A note that the demo model is in use on a ``width`` x ``height`` canvas."""
        self.label.setStyleSheet(_INFO)
        self.label.setText(demo_message(width, height))
        self.setVisible(True)
