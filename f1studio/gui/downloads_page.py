"""The Models dialog's *Recommended* tab: curated models with their licences, downloaded one
at a time on a background thread with progress (bytes, rate, time left) and Cancel; a cancelled
download continues where it stopped next time."""

from __future__ import annotations

import threading

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal, Slot
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
from f1studio.gui.i18n import translate

RECOMMENDED_COLUMNS = (
    QT_TRANSLATE_NOOP("DownloadsPage", "Name"),
    QT_TRANSLATE_NOOP("DownloadsPage", "Family"),
    QT_TRANSLATE_NOOP("DownloadsPage", "Role"),
    QT_TRANSLATE_NOOP("DownloadsPage", "Size"),
    QT_TRANSLATE_NOOP("DownloadsPage", "Licence"),
    QT_TRANSLATE_NOOP("DownloadsPage", "Installed"),
)
SIZE_COLUMN, LICENCE_COLUMN = 3, 4
ERROR_STYLE = "color: #c0392b;"

#: The models' roles (``catalog.ROLES`` and ``recommended.EXTRA_ROLES``), for ``lupdate``:
#: shown through :func:`role_label`.
ROLE_LABELS = (
    QT_TRANSLATE_NOOP("ModelRoles", "base"),
    QT_TRANSLATE_NOOP("ModelRoles", "controlnet"),
    QT_TRANSLATE_NOOP("ModelRoles", "depth-estimator"),
    QT_TRANSLATE_NOOP("ModelRoles", "tiny-vae"),
    QT_TRANSLATE_NOOP("ModelRoles", "lora"),
    QT_TRANSLATE_NOOP("ModelRoles", "ip-adapter"),
)
#: ``RecommendedModel.licence_notes()``, for ``lupdate`` (shown translated).
LICENCE_NOTES = (
    QT_TRANSLATE_NOOP("RecommendedModels", "non-commercial use only"),
    QT_TRANSLATE_NOOP(
        "RecommendedModels", "gated: accept the licence on the model page and set a token first"
    ),
    QT_TRANSLATE_NOOP(
        "RecommendedModels", "the model page may ask you to accept the licence first"
    ),
)


def role_label(role: str) -> str:
    """A model's role (``base``, ``controlnet``, ...) as the tables show it."""
    return translate("ModelRoles", role)


def licence_summary(m: RecommendedModel) -> str:
    """``apache-2.0``, ``flux-1-dev-non-commercial-license (non-commercial), gated``: the
    licence column (as ``RecommendedModel.licence_summary``, in the window's language)."""
    text = m.licence
    if m.non_commercial:
        text += " " + translate("DownloadsPage", "(non-commercial)")
    if m.gated:
        text += translate("DownloadsPage", ", gated")
    return text


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
        columns = tuple(translate("DownloadsPage", str(column)) for column in RECOMMENDED_COLUMNS)
        self.rec_table = make_table(len(self.recommended), columns)
        unknown_size = self.tr("Size not listed: the download shows it once it starts")
        for row, m in enumerate(self.recommended):
            family = translate("ModelFamilies", m.family.label) if m.family else "—"
            size = format_size(m.size_bytes) if m.size_bytes is not None else "—"
            values = (m.name, family, role_label(m.role), size, licence_summary(m), "")
            items = [QTableWidgetItem(text) for text in values]
            for item in items:
                item.setToolTip(m.description)
            if m.size_bytes is None:
                items[SIZE_COLUMN].setToolTip(unknown_size)
            # the licence column takes the width left and elides: its whole text as the tip
            items[LICENCE_COLUMN].setToolTip(licence_summary(m))
            for col, item in enumerate(items):
                self.rec_table.setItem(row, col, item)
        header = self.rec_table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(LICENCE_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.rec_table.setWordWrap(False)
        self.rec_table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.rec_table.itemSelectionChanged.connect(self._show_recommended)
        self.details = QLabel(self.tr("Choose a model to see its licence."))
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setOpenExternalLinks(True)
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText(
            self.tr(
                "Hugging Face token for gated models (optional; default: HF_TOKEN or hf auth login)"
            )
        )
        self.download_button = QPushButton(self.tr("Download"))
        self.download_button.setEnabled(False)
        self.download_button.clicked.connect(self.start_download)
        self.cancel_button = QPushButton(self.tr("Cancel"))
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
        notes = [translate("RecommendedModels", note) for note in m.licence_notes()]
        extra = f" — {'; '.join(notes)}" if notes else ""
        self.details.setText(
            self.tr(
                "<b>{name}</b> (<a href='{page}'>{id}</a>, about {size}): {description}<br>"
                "Licence: <a href='{licence_url}'>{licence}</a>{notes}. "
                "Downloading it means you accept its licence."
            ).format(
                name=m.name,
                page=m.page,
                id=m.id,
                size=format_size(m.size_bytes),
                description=m.description,
                licence_url=m.licence_url,
                licence=m.licence,
                notes=extra,
            )
        )

    def show_installed(self, models: list[InstalledModel]) -> None:
        """Mark the recommended models already on this computer (the Installed column)."""
        self._models = list(models)
        installed = {m.hub_id for m in self._models if m.hub_id}
        for row, m in enumerate(self.recommended):
            item = self.rec_table.item(row, len(RECOMMENDED_COLUMNS) - 1)
            if item is not None:
                item.setText(self.tr("yes") if m.id in installed else "")

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
                self.tr(
                    "You are offline (HF_HUB_OFFLINE is set): {name} cannot be downloaded now. "
                    "Models already on this computer are on the Installed tab."
                ).format(name=m.name),
                error=True,
            )
            return
        self._downloading = m.id
        self._cancel = threading.Event()
        cancel, token = self._cancel, self.token.text().strip() or None
        self.download_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)  # busy until the size is known
        self.progress_label.setText(self.tr("Starting {name}…").format(name=m.name))
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
            self.progress_label.setText(self.tr("Cancelling…"))

    @Slot(object)
    def _on_progress(self, p: downloads.DownloadProgress) -> None:
        if self._downloading != p.repo_id or (self._cancel and self._cancel.is_set()):
            return
        if p.fraction is None:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(p.fraction * 1000))
        files = " · " + self.tr("file {number} of {total}").format(
            number=min(p.files_done + 1, p.files_total), total=p.files_total
        )
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
        if role == "lora":
            where = self.tr("Add it with Add LoRA… in the LoRAs list.")
        elif role == "ip-adapter":
            where = self.tr(
                "Choose its .safetensors as the IP-Adapter under Model ▸ Choose "
                "models…; reference pictures set to steer then use it."
            )
        else:
            where = self.tr("Choose it on the Installed tab.")
        self._message(self.tr("Downloaded {id}. {where}").format(id=repo_id, where=where))
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
            self.tr(
                "Download of {id} cancelled. Download it again to continue where it stopped."
            ).format(id=repo_id)
        )
        self._download_over("cancelled")

    def cancel_on_close(self) -> None:
        """The dialog closes: a running download stops (what is finished stays in the cache)."""
        if self._cancel is not None:
            self._cancel.set()
