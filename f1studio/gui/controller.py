"""What the window's controllers share: the document shown now, the user's settings, and the
signals the window connects to (a layer is about to come, a layer came, a message)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from f1studio.appsettings import AppSettings
from f1studio.document.document import Document


class DocumentController(QObject):
    """Base of GenerateController, LiveController and ImportController.

    ``document`` returns the document shown now (New and Open replace it); ``settings`` returns
    the user's settings (models, device), read when they are needed.
    """

    aboutToAddLayer = Signal()  # a layer is about to be added: close any open stroke
    layerAdded = Signal(str)  # id of the layer just added
    statusMessage = Signal(str)
    errorMessage = Signal(str)

    def __init__(
        self,
        document: Callable[[], Document],
        settings: Callable[[], AppSettings] = AppSettings.load,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._document = document
        self._settings = settings
