"""The Models dialog: installed models (your folders and the Hugging Face cache) and downloads.

*Installed* lists what :func:`f1studio.engine.catalog.scan` finds (scanned on the engine
worker's thread when one is given) with buttons that store the selected model in the per-user
settings (the same ones ``f1studio config`` writes). *Recommended* lists the curated models
with their licences and downloads one at a time on a background thread, with progress (bytes,
rate, time left) and Cancel; a cancelled download continues where it stopped next time.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from f1studio.appsettings import AppSettings
from f1studio.engine import catalog, downloads
from f1studio.engine.catalog import InstalledModel, format_size
from f1studio.engine.recommended import RecommendedModel, load_recommended
from f1studio.gui.background import run_in_background, ui_thread_callback

INSTALLED_COLUMNS = ("Name", "Family", "Variant", "Role", "Size", "Location")
RECOMMENDED_COLUMNS = ("Name", "Family", "Role", "Size", "Licence", "Installed")
ERROR_STYLE = "color: #c0392b;"

# (button text, AppSettings field, catalog role it accepts)
FIRST_START_GUIDE = (
    "<b>No models yet — here is how to get one.</b> F1 Studio renders with Stable Diffusion "
    "1.5, SDXL and FLUX.1 models; until you choose one it uses its small built-in demo model, "
    "which draws only flat shapes.<ol>"
    "<li><b>Download one:</b> open the <i>Recommended</i> tab, select a model (its licence is "
    "shown before anything is downloaded) and press <i>Download</i>. SD1.5 runs on almost any "
    "computer; SDXL and FLUX.1 want a GPU with 8–16 GB or more.</li>"
    "<li><b>Use the ones you have:</b> press <i>Add folder…</i> and choose a folder of models, "
    "or your AUTOMATIC1111 or ComfyUI install. Nothing is copied.</li></ol>"
    "Then select the model in this list and press <i>Use as base model</i>."
)

USE_BUTTONS = (
    ("Use as base model", "base", "base"),
    ("Use as edge ControlNet", "edge_controlnet", "controlnet"),
    ("Use as depth ControlNet", "depth_controlnet", "controlnet"),
    ("Use as depth estimator", "depth_estimator", "depth-estimator"),
)


def _scan(folders: list[str]) -> tuple[list[InstalledModel], list[tuple[str, str]]]:
    skipped: list[tuple[str, str]] = []
    return catalog.scan(folders, skipped=skipped), skipped


def _scan_one(folder: str) -> tuple[list[InstalledModel], list[tuple[str, str]]]:
    skipped: list[tuple[str, str]] = []
    return catalog.scan_folder(folder, skipped), skipped


class ModelsDialog(QDialog):
    """Installed models and downloads. ``worker``: an ``EngineWorker`` whose thread scans."""

    modelsScanned = Signal(object)  # list[InstalledModel], after every scan
    settingsChanged = Signal(str, str)  # AppSettings field, value
    downloadFinished = Signal(str, str)  # repo id, folder
    downloadEnded = Signal(str)  # "finished" | "cancelled" | "failed"

    def __init__(self, parent: QWidget | None = None, worker: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Models")
        self.resize(900, 520)
        self._worker = worker
        self._models: list[InstalledModel] = []
        self._skipped: list[tuple[str, str]] = []
        self._scan_token = 0
        self._cancel: threading.Event | None = None
        self._downloading: str | None = None

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_installed(), "Installed")
        self.tabs.addTab(self._build_recommended(), "Recommended")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self.refresh()

    # ---- installed ---------------------------------------------------------------------------
    def _build_installed(self) -> QWidget:
        page = QWidget()
        self.table = QTableWidget(0, len(INSTALLED_COLUMNS))
        self.table.setHorizontalHeaderLabels(INSTALLED_COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._update_use_buttons)
        self.add_folder_button = QPushButton("Add folder…")
        self.add_folder_button.setToolTip(
            "A folder of models, a model folder, or an AUTOMATIC1111 / ComfyUI install"
        )
        self.add_folder_button.clicked.connect(self._choose_folder)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.use_buttons: dict[str, QPushButton] = {}
        use_row = QHBoxLayout()
        for text, field, _role in USE_BUTTONS:
            button = QPushButton(text)
            button.setEnabled(False)
            button.clicked.connect(lambda _=False, f=field: self.use_selected(f))
            self.use_buttons[field] = button
            use_row.addWidget(button)
        use_row.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.add_folder_button)
        top.addWidget(self.refresh_button)
        top.addStretch(1)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.guide = QLabel(FIRST_START_GUIDE)
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
        self.status.setText("Looking for models…")
        self.refresh_button.setEnabled(False)
        self._run(
            _scan,
            (folders,),
            lambda result: self._set_models(token, *result),
            lambda error: self._scan_failed(token, error),
        )

    def _scan_failed(self, token: int, error: BaseException) -> None:
        if token != self._scan_token:
            return
        self.refresh_button.setEnabled(True)
        message = getattr(error, "message", None) or str(error) or type(error).__name__
        self._say(f"Could not look for models: {message}", error=True)

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
            values = (
                m.name,
                m.family_label,
                m.variant or "",
                m.role,
                format_size(m.size_bytes),
                f"{m.source}: {m.location}",
            )
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                tip = m.location + (f"\n{m.note}" if m.note else "")
                item.setToolTip(tip)
                if col == 0:
                    item.setData(Qt.ItemDataRole.UserRole, m)
                self.table.setItem(row, col, item)
        self.guide.setVisible(not models)
        if models:
            text = f"{len(models)} model{'s' if len(models) != 1 else ''} found."
        else:
            text = "No models found: add a folder, or download one from the Recommended tab."
        if skipped:
            text += f" {len(skipped)} other files or folders were not identified."
            self.status.setToolTip("\n".join(f"{w}: {why}" for w, why in skipped[:40]))
        self._say(text)
        self._update_use_buttons()
        self._update_installed_column()
        self.modelsScanned.emit(list(models))

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
        for _text, field, role in USE_BUTTONS:
            self.use_buttons[field].setEnabled(model is not None and model.role == role)

    def _choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Add a folder of models")
        if path:
            self.add_folder(path)

    def add_folder(self, path: str) -> None:
        """Add ``path`` to the scanned folders when it holds at least one identifiable model
        (checked on the worker's thread when there is a worker)."""
        self.status.setText(f"Looking for models in {path}…")
        self._run(
            _scan_one,
            (path,),
            lambda result: self._folder_checked(path, *result),
            lambda error: self._say(f"{path}: {getattr(error, 'message', None) or error}", True),
        )

    def _folder_checked(
        self, path: str, found: list[InstalledModel], skipped: list[tuple[str, str]]
    ) -> None:
        if not found:
            why = f" ({skipped[0][1]})" if skipped else ""
            self._say(f"No model F1 Studio can identify in {path}{why}.", error=True)
            return
        settings = AppSettings.load()
        real = os.path.realpath(path)
        if all(os.path.realpath(os.path.expanduser(f)) != real for f in settings.model_folders):
            settings.model_folders.append(real)
            settings.save()
        self.refresh()

    def use_selected(self, field: str) -> None:
        """Store the selected model in the settings ``field`` (base, edge_controlnet, ...)."""
        model = self.selected_model()
        if model is None:
            return
        value = model.reference
        settings = AppSettings.load()
        setattr(settings, field, value)
        settings.save()
        label = next(text for text, f, _ in USE_BUTTONS if f == field)
        text = f"{label.replace('Use as ', '').capitalize()}: {model.name}."
        if model.pickled and not settings.allow_pickle:
            text += (
                " Its weights are pickled: they are loaded only when you allow pickled weights"
                " (Model ▸ Choose models…)."
            )
        self._say(text)
        self.settingsChanged.emit(field, value)

    # ---- recommended -------------------------------------------------------------------------
    def _build_recommended(self) -> QWidget:
        page = QWidget()
        self.recommended = load_recommended()
        self.rec_table = QTableWidget(len(self.recommended), len(RECOMMENDED_COLUMNS))
        self.rec_table.setHorizontalHeaderLabels(RECOMMENDED_COLUMNS)
        self.rec_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.rec_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.rec_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rec_table.verticalHeader().setVisible(False)
        header = self.rec_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        for row, m in enumerate(self.recommended):
            licence = m.licence + (" (non-commercial)" if m.non_commercial else "")
            if m.gated:
                licence += ", gated"
            values = (
                m.name,
                m.family.label if m.family else "—",
                m.role,
                format_size(m.size_bytes),
                licence,
                "",
            )
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setToolTip(m.description)
                self.rec_table.setItem(row, col, item)
        self.rec_table.itemSelectionChanged.connect(self._show_recommended)
        self.details = QLabel("Choose a model to see its licence.")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setOpenExternalLinks(True)
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText(
            "Hugging Face token for gated models (optional; default: HF_TOKEN or hf auth login)"
        )
        self.download_button = QPushButton("Download")
        self.download_button.setEnabled(False)
        self.download_button.clicked.connect(self.start_download)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_download)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        self.progress_label = QLabel("")
        self.download_message = QLabel("")
        self.download_message.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.download_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.progress, 1)
        layout = QVBoxLayout(page)
        layout.addWidget(self.rec_table, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.token)
        layout.addLayout(row)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.download_message)
        return page

    def selected_recommended(self) -> RecommendedModel | None:
        rows = self.rec_table.selectionModel().selectedRows()
        return self.recommended[rows[0].row()] if rows else None

    def select_recommended(self, repo_id: str) -> bool:
        for row, m in enumerate(self.recommended):
            if m.id == repo_id:
                self.rec_table.selectRow(row)
                return True
        return False

    def _show_recommended(self) -> None:
        m = self.selected_recommended()
        self.download_button.setEnabled(m is not None and self._downloading is None)
        if m is None:
            return
        notes = []
        if m.non_commercial:
            notes.append("non-commercial use only")
        if m.gated:
            notes.append("gated: accept the licence on the model page and set a token first")
        elif m.gated is None:
            notes.append("the model page may ask you to accept the licence first")
        extra = f" — {'; '.join(notes)}" if notes else ""
        self.details.setText(
            f"<b>{m.name}</b> (<a href='{m.page}'>{m.id}</a>, about "
            f"{format_size(m.size_bytes)}): {m.description}<br>"
            f"Licence: <a href='{m.licence_url}'>{m.licence}</a>{extra}. "
            "Downloading it means you accept its licence."
        )

    def _update_installed_column(self) -> None:
        installed = {m.hub_id for m in self._models if m.hub_id}
        for row, m in enumerate(self.recommended):
            item = self.rec_table.item(row, len(RECOMMENDED_COLUMNS) - 1)
            if item is not None:
                item.setText("yes" if m.id in installed else "")

    def _message(self, text: str, error: bool = False) -> None:
        self.download_message.setText(text)
        self.download_message.setStyleSheet(ERROR_STYLE if error else "")

    @property
    def is_downloading(self) -> bool:
        return self._downloading is not None

    def start_download(self) -> None:
        """Download the selected recommended model on a background thread."""
        m = self.selected_recommended()
        if m is None or self._downloading is not None:
            return
        if downloads.hub_offline():
            self._message(
                f"You are offline (HF_HUB_OFFLINE is set): {m.name} cannot be downloaded now. "
                "Models already on this computer are on the Installed tab.",
                error=True,
            )
            return
        self._downloading = m.id
        self._cancel = threading.Event()
        cancel, token = self._cancel, self.token.text().strip() or None
        self.download_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)  # busy until the size is known
        self.progress_label.setText(f"Starting {m.name}…")
        self._message("")
        repo_id = m.id

        progress = ui_thread_callback(self._on_progress, owner=self)

        def work() -> str:
            return str(
                downloads.download(repo_id, on_progress=progress, cancel=cancel, token=token)
            )

        def failed(e: BaseException) -> None:
            if isinstance(e, downloads.DownloadCancelled):
                self._on_cancelled(repo_id)
            elif isinstance(e, downloads.DownloadError):
                self._on_failed(repo_id, e.reason, e.message)
            else:
                self._on_failed(repo_id, "failed", f"{type(e).__name__}: {e}")

        run_in_background(work, lambda path: self._on_finished(repo_id, path), failed, owner=self)

    def cancel_download(self) -> None:
        if self._cancel is not None and self._downloading is not None:
            self._cancel.set()
            self.cancel_button.setEnabled(False)
            self.progress_label.setText("Cancelling…")

    @Slot(object)
    def _on_progress(self, p: downloads.DownloadProgress) -> None:
        if self._downloading != p.repo_id or (self._cancel and self._cancel.is_set()):
            return
        if p.fraction is None:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(p.fraction * 1000))
        files = f" · file {min(p.files_done + 1, p.files_total)} of {p.files_total}"
        self.progress_label.setText(p.describe() + (files if p.files_total else ""))

    def _download_over(self, outcome: str) -> None:
        self._downloading = None
        self._cancel = None
        self.cancel_button.setEnabled(False)
        self.download_button.setEnabled(self.selected_recommended() is not None)
        self.downloadEnded.emit(outcome)

    @Slot(str, str)
    def _on_finished(self, repo_id: str, path: str) -> None:
        self.progress.setRange(0, 1000)
        self.progress.setValue(1000)
        self.progress_label.setText("")
        self._message(f"Downloaded {repo_id}. Choose it on the Installed tab.")
        self._download_over("finished")
        self.downloadFinished.emit(repo_id, path)
        self.refresh()

    @Slot(str, str, str)
    def _on_failed(self, repo_id: str, reason: str, message: str) -> None:
        self.progress.setRange(0, 1000)
        self.progress_label.setText("")
        self._message(message, error=True)
        self._download_over("failed")

    @Slot(str)
    def _on_cancelled(self, repo_id: str) -> None:
        self.progress.setRange(0, 1000)
        self.progress_label.setText("")
        self._message(
            f"Download of {repo_id} cancelled. Download it again to continue where it stopped."
        )
        self._download_over("cancelled")

    # ---- closing -----------------------------------------------------------------------------
    def done(self, result: int) -> None:
        """Closing cancels a running download (what is finished stays in the cache)."""
        if self._cancel is not None:
            self._cancel.set()
        super().done(result)
