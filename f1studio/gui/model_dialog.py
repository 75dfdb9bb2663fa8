"""Choose the models the window renders with: base model, ControlNets per guide kind, depth model.

Choices are stored in the per-user settings shared with the command line (``f1studio config``).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from f1studio.appsettings import AppSettings

ROLE_LABELS = {
    "base": "Base model (SD1.5, SDXL or FLUX.1)",
    "edge_controlnet": "ControlNet for edge guides",
    "depth_controlnet": "ControlNet for depth guides",
    "depth_estimator": "Depth estimator (for 'Depth from this image')",
}

ROLE_HINTS = {
    "base": "a diffusers folder, a .safetensors checkpoint or a Hugging Face id",
    "edge_controlnet": "e.g. lllyasviel/control_v11p_sd15_canny or a local folder",
    "depth_controlnet": "e.g. lllyasviel/control_v11f1p_sd15_depth or a local folder",
    "depth_estimator": "default: depth-anything/Depth-Anything-V2-Small-hf",
}


class _PathField(QWidget):
    def __init__(self, value: str | None, hint: str, files: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.edit = QLineEdit(value or "")
        self.edit.setPlaceholderText(hint)
        folder = QPushButton("Folder…")
        folder.clicked.connect(self._pick_folder)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(folder)
        if files:
            file_button = QPushButton("File…")
            file_button.clicked.connect(self._pick_file)
            row.addWidget(file_button)

    def _pick_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Choose a model folder", self.edit.text())
        if path:
            self.edit.setText(path)

    def _pick_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a checkpoint", self.edit.text(), "Safetensors checkpoints (*.safetensors)"
        )
        if path:
            self.edit.setText(path)

    def value(self) -> str | None:
        return self.edit.text().strip() or None


class ModelDialog(QDialog):
    """Edit :class:`AppSettings` model choices; ``result_settings()`` after ``exec()``."""

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Models")
        self.setMinimumWidth(620)
        self._settings = settings
        form = QFormLayout()
        self.fields: dict[str, _PathField] = {}
        for role, label in ROLE_LABELS.items():
            field = _PathField(
                getattr(settings, role), ROLE_HINTS[role], files=role != "depth_estimator"
            )
            self.fields[role] = field
            form.addRow(label, field)
        self.device = QComboBox()
        self.device.addItems(["auto", "cuda", "mps", "cpu"])
        self.device.setCurrentText(settings.device)
        form.addRow("Device", self.device)
        self.allow_pickle = QCheckBox("Allow pickled weights (.ckpt/.bin) — they can run code")
        self.allow_pickle.setChecked(settings.allow_pickle)
        form.addRow("", self.allow_pickle)
        note = QLabel(
            "Models are used from disk or the Hugging Face cache; hub ids download when online."
        )
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def result_settings(self) -> AppSettings:
        values = {role: field.value() for role, field in self.fields.items()}
        return replace(  # keeps the other settings (e.g. the model manager's folders)
            self._settings,
            **values,
            device=self.device.currentText(),
            allow_pickle=self.allow_pickle.isChecked(),
        )
