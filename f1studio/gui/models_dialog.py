"""The Models dialog: installed models (your folders and the Hugging Face cache) and downloads.

*Installed* lists what :func:`f1studio.engine.catalog.scan` finds (scanned on the engine
worker's thread when one is given) with buttons that store the selected model in the per-user
settings (the same ones ``f1studio config`` writes). *Recommended* lists the curated models
with their licences and downloads one at a time on a background thread, with progress (bytes,
rate, time left) and Cancel; a cancelled download continues where it stopped next time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from f1studio import model_library as library
from f1studio.appsettings import AppSettings
from f1studio.engine.catalog import InstalledModel
from f1studio.gui.background import run_in_background
from f1studio.gui.downloads_page import ERROR_STYLE, DownloadsPage, make_table, role_label
from f1studio.gui.i18n import translate
from f1studio.model_choice import MODEL_SLOTS, slot_label

INSTALLED_COLUMNS = (
    QT_TRANSLATE_NOOP("ModelsDialog", "Name"),
    QT_TRANSLATE_NOOP("ModelsDialog", "Family"),
    QT_TRANSLATE_NOOP("ModelsDialog", "Variant"),
    QT_TRANSLATE_NOOP("ModelsDialog", "Role"),
    QT_TRANSLATE_NOOP("ModelsDialog", "Size"),
    QT_TRANSLATE_NOOP("ModelsDialog", "Location"),
)

#: The model slots' labels (``model_choice.slot_label``), for ``lupdate``: shown through
#: :func:`slot_text_label`.
SLOT_LABELS = (
    QT_TRANSLATE_NOOP("ModelSlots", "base model"),
    QT_TRANSLATE_NOOP("ModelSlots", "edge ControlNet"),
    QT_TRANSLATE_NOOP("ModelSlots", "depth ControlNet"),
    QT_TRANSLATE_NOOP("ModelSlots", "depth estimator"),
)

FIRST_START_GUIDE = QT_TRANSLATE_NOOP(
    "ModelsDialog",
    "<b>No models yet — here is how to get one.</b> F1 Studio renders with Stable Diffusion "
    "1.5, SDXL and FLUX.1 models; until you choose one it uses its small built-in demo model, "
    "which draws only flat shapes.<ol>"
    "<li><b>Download one:</b> open the <i>Recommended</i> tab, select a model (its licence is "
    "shown before anything is downloaded) and press <i>Download</i>. SD1.5 runs on almost any "
    "computer; SDXL and FLUX.1 want a GPU with 8–16 GB or more.</li>"
    "<li><b>Use the ones you have:</b> press <i>Add folder…</i> and choose a folder of models, "
    "or your AUTOMATIC1111 or ComfyUI install. Nothing is copied.</li></ol>"
    "Then select the model in this list and press <i>Use as base model</i>.",
)


def slot_text_label(slot: str) -> str:
    """The model slot in a sentence (``base model``, ``edge ControlNet``), translated."""
    return translate("ModelSlots", slot_label(slot))


def _error_text(error: BaseException) -> str:
    return getattr(error, "message", None) or str(error) or type(error).__name__


class ModelsDialog(QDialog):
    """Installed models and downloads. ``worker``: an ``EngineWorker`` whose thread scans."""

    modelsScanned = Signal(object)  # list[InstalledModel], after every scan
    settingsChanged = Signal(str, str)  # model slot (model_choice.MODEL_SLOTS), value
    downloadFinished = Signal(str, str)  # repo id, folder
    downloadEnded = Signal(str)  # "finished" | "cancelled" | "failed"

    def __init__(self, parent: QWidget | None = None, worker: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Models"))
        self.resize(900, 520)
        self._worker = worker
        self._models: list[InstalledModel] = []
        self._skipped: list[tuple[str, str]] = []
        self._scan_token = 0

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_installed(), self.tr("Installed"))
        self.downloads = DownloadsPage()
        self.downloads.downloadFinished.connect(self.downloadFinished)
        self.downloads.downloadFinished.connect(lambda *_: self.refresh())
        self.downloads.downloadEnded.connect(self.downloadEnded)
        self.tabs.addTab(self.downloads, self.tr("Recommended"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self.refresh()

    # ---- installed ---------------------------------------------------------------------------
    def _build_installed(self) -> QWidget:
        page = QWidget()
        self.table = make_table(
            0, tuple(translate("ModelsDialog", str(column)) for column in INSTALLED_COLUMNS)
        )
        self.table.itemSelectionChanged.connect(self._update_use_buttons)
        self.add_folder_button = QPushButton(self.tr("Add folder…"))
        self.add_folder_button.setToolTip(
            self.tr("A folder of models, a model folder, or an AUTOMATIC1111 / ComfyUI install")
        )
        self.add_folder_button.clicked.connect(self._choose_folder)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.clicked.connect(self.refresh)
        self.use_buttons: dict[str, QPushButton] = {}  # by model slot
        use_row = QHBoxLayout()
        for slot in MODEL_SLOTS:
            button = QPushButton(self.tr("Use as {slot}").format(slot=slot_text_label(slot)))
            button.setEnabled(False)
            button.clicked.connect(lambda _=False, s=slot: self.use_selected(s))
            self.use_buttons[slot] = button
            use_row.addWidget(button)
        self.use_tiny_vae_button = QPushButton(self.tr("Use as tiny VAE"))
        self.use_tiny_vae_button.setToolTip(
            self.tr("Decodes live renders and step previews of its family")
        )
        self.use_tiny_vae_button.setEnabled(False)
        self.use_tiny_vae_button.clicked.connect(self.use_selected_tiny_vae)
        use_row.addWidget(self.use_tiny_vae_button)
        self.use_ip_adapter_button = QPushButton(self.tr("Use for reference pictures"))
        self.use_ip_adapter_button.setToolTip(
            self.tr(
                "The IP-Adapter (SD1.5, SDXL) or FLUX.1 Redux that reference layers set to "
                "Style, Subject or Composition steer renders of its family with"
            )
        )
        self.use_ip_adapter_button.setEnabled(False)
        self.use_ip_adapter_button.clicked.connect(self.use_selected_ip_adapter)
        use_row.addWidget(self.use_ip_adapter_button)
        use_row.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.add_folder_button)
        top.addWidget(self.refresh_button)
        top.addStretch(1)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.guide = QLabel(translate("ModelsDialog", str(FIRST_START_GUIDE)))
        self.guide.setWordWrap(True)
        self.guide.setTextFormat(Qt.TextFormat.RichText)
        self.guide.setStyleSheet("background:#e7f1ff;color:#0b3d77;padding:8px;")
        self.guide.setVisible(False)
        layout = QVBoxLayout(page)
        layout.addWidget(self.guide)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(use_row)
        layout.addWidget(self.status)
        return page

    def _run(self, fn: Any, args: tuple, on_value: Any, on_error: Any) -> None:
        """``fn(*args)`` on the worker's thread when there is a worker (else here), then
        ``on_value(result)`` or ``on_error(exception)`` on the UI thread."""
        if self._worker is None:
            try:
                value = fn(*args)
            except Exception as e:  # noqa: BLE001 - shown, never raised into Qt
                on_error(e)
            else:
                on_value(value)
            return
        run_in_background(lambda: fn(*args), on_value, on_error, owner=self, engine=self._worker)

    def refresh(self) -> None:
        """Scan the settings' folders and the Hugging Face cache again."""
        folders = list(AppSettings.load().model_folders)
        self._scan_token += 1
        token = self._scan_token
        self.status.setText(self.tr("Looking for models…"))
        self.refresh_button.setEnabled(False)
        self._run(
            library.scan,
            (folders,),
            lambda result: self._set_models(token, *result),
            lambda error: self._scan_failed(token, error),
        )

    def _scan_failed(self, token: int, error: BaseException) -> None:
        if token != self._scan_token:
            return
        self.refresh_button.setEnabled(True)
        self._say(
            self.tr("Could not look for models: {error}").format(error=_error_text(error)),
            error=True,
        )

    def _set_models(
        self, token: int, models: list[InstalledModel], skipped: list[tuple[str, str]]
    ) -> None:
        if token != self._scan_token:
            return  # an older scan finished after a newer one started
        self.refresh_button.setEnabled(True)
        self._models = list(models)
        self._skipped = list(skipped)
        self.table.setRowCount(len(models))
        for row, m in enumerate(models):
            for col, text in enumerate(self._row_texts(m)):
                item = QTableWidgetItem(text)
                tip = m.location + (f"\n{m.note}" if m.note else "")
                item.setToolTip(tip)
                if col == 0:
                    item.setData(Qt.ItemDataRole.UserRole, m)
                self.table.setItem(row, col, item)
        self.guide.setVisible(not models)
        if len(models) == 1:
            text = self.tr("1 model found.")
        elif models:
            text = self.tr("{count} models found.").format(count=len(models))
        else:
            text = self.tr(
                "No models found: add a folder, or download one from the Recommended tab."
            )
        if skipped:
            text += " " + self.tr("{count} other files or folders were not identified.").format(
                count=len(skipped)
            )
            self.status.setToolTip("\n".join(f"{w}: {why}" for w, why in skipped[:40]))
        self._say(text)
        self._update_use_buttons()
        self.downloads.show_installed(self._models)
        self.modelsScanned.emit(list(models))

    @staticmethod
    def _row_texts(model: InstalledModel) -> tuple[str, ...]:
        """The table's row of ``model``, its family and role in the window's language."""
        name, family, variant, role, size, where = library.table_row(model)
        return (name, translate("ModelFamilies", family), variant, role_label(role), size, where)

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(ERROR_STYLE if error else "")

    def selected_model(self) -> InstalledModel | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def select_model(self, name: str) -> bool:
        """Select the row of the model called ``name`` (for tests and the main window)."""
        for row, m in enumerate(self._models):
            if m.name == name:
                self.table.selectRow(row)
                return True
        return False

    @property
    def models(self) -> list[InstalledModel]:
        return list(self._models)

    def _update_use_buttons(self) -> None:
        model = self.selected_model()
        usable = library.slots_for(model) if model is not None else ()
        for slot, button in self.use_buttons.items():
            button.setEnabled(slot in usable)
        self.use_tiny_vae_button.setEnabled(model is not None and model.role == "tiny-vae")
        self.use_ip_adapter_button.setEnabled(model is not None and model.role == "ip-adapter")

    def use_selected_ip_adapter(self) -> None:
        """Store the selected IP-Adapter (or Redux) as what reference pictures use."""
        self._use_for_family(
            library.use_ip_adapter, self.tr("Reference pictures on {family} use {name}.")
        )

    def use_selected_tiny_vae(self) -> None:
        """Store the selected tiny VAE as the user's tiny VAE of its family."""
        self._use_for_family(library.use_tiny_vae, self.tr("Tiny VAE for {family}: {name}."))

    def _use_for_family(self, use: Callable[..., object], done: str) -> None:
        """Store the selected model with ``use`` (per family); say ``done`` or why not."""
        model = self.selected_model()
        if model is None:
            return
        try:
            use(AppSettings.load(), model)
        except library.LibraryError as e:
            self._say(e.message, error=True)
            return
        family = translate("ModelFamilies", model.family_label)
        self._say(done.format(family=family, name=model.name))

    def _choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("Add a folder of models"))
        if path:
            self.add_folder(path)

    def add_folder(self, path: str) -> None:
        """Add ``path`` to the scanned folders when it holds at least one identifiable model
        (checked on the worker's thread when there is a worker)."""
        self.status.setText(self.tr("Looking for models in {path}…").format(path=path))
        self._run(library.models_to_add, (path,), self._folder_checked, self._folder_refused)

    def _folder_refused(self, error: BaseException) -> None:
        message = _error_text(error).rstrip(".")
        self._say(f"{message[:1].upper()}{message[1:]}.", error=True)

    def _folder_checked(self, found: tuple[Path, list[InstalledModel]]) -> None:
        library.add_folder(AppSettings.load(), found[0])
        self.refresh()

    def use_selected(self, slot: str) -> None:
        """Store the selected model in the user's model ``slot`` (base, edge_controlnet, ...)."""
        model = self.selected_model()
        if model is None:
            return
        try:
            settings = library.use_model(AppSettings.load(), slot, model)
        except library.LibraryError as e:
            self._say(e.message, error=True)
            return
        value = model.reference
        text = self.tr("{slot}: {name}.").format(
            slot=slot_text_label(slot).capitalize(), name=model.name
        )
        if model.pickled and not settings.allow_pickle:
            text += " " + self.tr(
                "Its weights are pickled: they are loaded only when you allow pickled weights"
                " (Model ▸ Choose models…)."
            )
        self._say(text)
        self.settingsChanged.emit(slot, value)

    # ---- recommended -------------------------------------------------------------------------
    # ---- closing -----------------------------------------------------------------------------
    def done(self, result: int) -> None:
        """Closing cancels a running download (what is finished stays in the cache)."""
        self.downloads.cancel_on_close()
        super().done(result)
