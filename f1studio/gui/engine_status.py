"""The status bar's engine line: which model renders, on which device, in which precision.

After a render it says what that render used (and the memory plan, which only a GPU has);
before the first one, what a render will use: the device from the settings, and for "auto" the
one the engine picks (asked once, on the engine's thread, so the UI never waits for torch).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QLabel, QWidget

from f1studio.appsettings import AppSettings
from f1studio.demo.model import DEMO_NAME, is_demo
from f1studio.gui.background import CallableRunner, run_in_background
from f1studio.gui.family_defaults import auto_device, planned_dtype
from f1studio.gui.i18n import translate

# the catalogue's copy of demo.model.DEMO_NAME (a test keeps the two the same)
DEMO_NAME_MARKED = QT_TRANSLATE_NOOP("EngineStatus", "Shapes world (demo model)")


def demo_name() -> str:
    """The demo model's name in the window's language."""
    return translate("EngineStatus", DEMO_NAME)


class EngineStatus(QLabel):
    """``show(model, label, family)`` after a model change, ``show(..., device, dtype,
    memory)`` after a render started or finished."""

    def __init__(self, engine: CallableRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._auto_device: str | None = None  # what "auto" means here, once the engine said
        self._asked = False
        self._again: Callable[[], None] = lambda: None

    def show_status(
        self,
        model: str | None,
        model_label: str | None,
        family: str | None,
        device: str | None = None,
        dtype: str | None = None,
        memory: str | None = None,
    ) -> None:
        name = (
            demo_name() if is_demo(model) else (Path(model).name if model else self.tr("no model"))
        )
        if model_label and not is_demo(model):
            name = self.tr("{name} ({label})").format(name=name, label=model_label)
        if device is None:  # nothing rendered yet with this model: what a render will use
            self._again = lambda: self.show_status(model, model_label, family)
            device, memory = self._planned_device(), None
            dtype = None if device is None else planned_dtype(device, family)
        parts = [
            self.tr("Model: {name}").format(name=name),
            self.device_label(device) if device else self.tr("device: checking…"),
        ]
        parts += [dtype] if dtype else []
        parts += [memory] if memory and device and device != "cpu" else []
        self.setText("  ·  ".join(parts))

    def device_label(self, device: str) -> str:
        """ "CPU", or "GPU (cuda:0)" and the like."""
        return (
            self.tr("CPU") if device == "cpu" else self.tr("GPU ({device})").format(device=device)
        )

    def _planned_device(self) -> str | None:
        """The settings' device; for "auto" the one the engine picks (None until it said)."""
        wanted = (AppSettings.load().device or "auto").lower()
        if wanted != "auto":
            return wanted
        if self._auto_device is None and not self._asked:
            self._asked = True

            def found(device: str) -> None:
                self._auto_device = device
                self._again()

            run_in_background(auto_device, found, lambda _e: None, owner=self, engine=self._engine)
        return self._auto_device
