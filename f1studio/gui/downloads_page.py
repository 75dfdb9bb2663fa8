"""The Models dialog's *Recommended* tab: curated models with their licences, downloaded one
at a time on a background thread with progress (bytes, rate, time left) and Cancel; a cancelled
download continues where it stopped next time."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from f1studio.engine import downloads
from f1studio.engine.catalog import InstalledModel, format_size
from f1studio.engine.recommended import RecommendedModel, load_recommended
from f1studio.gui.background import run_in_background, ui_thread_callback

RECOMMENDED_COLUMNS = ("Name", "Family", "Role", "Size", "Licence", "Installed")
ERROR_STYLE = "color: #c0392b;"


def make_table(rows: int, columns: tuple[str, ...]) -> QTableWidget:
    """A read-only table of whole-row single selection, columns fitted to their contents."""
    table = QTableWidget(rows, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


class DownloadsPage(QWidget):
    """The recommended models and their downloads."""

    downloadFinished = Signal(str, str)  # repo id, folder
    downloadEnded = Signal(str)  # "finished" | "cancelled" | "failed"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._models: list[InstalledModel] = []
        self._cancel: threading.Event | None = None
        self._downloading: str | None = None
        self.recommended = load_recommended()
        self.rec_table = make_table(len(self.recommended), RECOMMENDED_COLUMNS)
        for row, m in enumerate(self.recommended):
            family = m.family.label if m.family else "—"
            values = (m.name, family, m.role, format_size(m.size_bytes), m.licence_summary(), "")
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
        download_row = QHBoxLayout()
        download_row.addWidget(self.download_button)
        download_row.addWidget(self.cancel_button)
        download_row.addWidget(self.progress, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.rec_table, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.token)
        layout.addLayout(download_row)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.download_message)

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
        notes = m.licence_notes()
        extra = f" — {'; '.join(notes)}" if notes else ""
        self.details.setText(
            f"<b>{m.name}</b> (<a href='{m.page}'>{m.id}</a>, about "
            f"{format_size(m.size_bytes)}): {m.description}<br>"
            f"Licence: <a href='{m.licence_url}'>{m.licence}</a>{extra}. "
            "Downloading it means you accept its licence."
        )

    def show_installed(self, models: list[InstalledModel]) -> None:
        """Mark the recommended models already on this computer (the Installed column)."""
        self._models = list(models)
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
        repo_id, files, role = m.id, list(m.files) or None, m.role

        progress = ui_thread_callback(self._on_progress, owner=self)

        def work() -> str:
            return str(
                downloads.download(
                    repo_id, on_progress=progress, cancel=cancel, token=token, allow_patterns=files
                )
            )

        def failed(e: BaseException) -> None:
            if isinstance(e, downloads.DownloadCancelled):
                self._on_cancelled(repo_id)
            elif isinstance(e, downloads.DownloadError):
                self._on_failed(repo_id, e.reason, e.message)
            else:
                self._on_failed(repo_id, "failed", f"{type(e).__name__}: {e}")

        run_in_background(
            work, lambda path: self._on_finished(repo_id, path, role), failed, owner=self
        )

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

    def _on_finished(self, repo_id: str, path: str, role: str = "") -> None:
        self.progress.setRange(0, 1000)
        self.progress.setValue(1000)
        self.progress_label.setText("")
        where = {
            "lora": "Add it with Add LoRA… in the LoRAs list.",
            "ip-adapter": "Choose its .safetensors as the IP-Adapter under Model ▸ Choose "
            "models…; reference pictures set to steer then use it.",
        }.get(role, "Choose it on the Installed tab.")
        self._message(f"Downloaded {repo_id}. {where}")
        self._download_over("finished")
        self.downloadFinished.emit(repo_id, path)

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

    def cancel_on_close(self) -> None:
        """The dialog closes: a running download stops (what is finished stays in the cache)."""
        if self._cancel is not None:
            self._cancel.set()
