"""Choose the models the window renders with: base model, ControlNets per guide kind, depth model.

Choices are stored in the per-user settings shared with the command line (``f1studio config``).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QT_TRANSLATE_NOOP
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
from f1studio.gui.i18n import translate
from f1studio.model_choice import BASE_SLOT, DEPTH_ESTIMATOR_SLOT, MODEL_SLOTS, slot_kind

#: (family, form label, example) of the IP-Adapter rows (the label translated where shown)
IP_ADAPTER_ROWS = (
    (
        "sd15",
        QT_TRANSLATE_NOOP("ChooseModelsDialog", "IP-Adapter for SD1.5"),
        "…/h94/IP-Adapter/models/ip-adapter_sd15.safetensors",
    ),
    (
        "sdxl",
        QT_TRANSLATE_NOOP("ChooseModelsDialog", "IP-Adapter for SDXL"),
        "…/sdxl_models/ip-adapter_sdxl.safetensors",
    ),
    (
        "flux",
        QT_TRANSLATE_NOOP("ChooseModelsDialog", "Redux for FLUX.1"),
        "…/black-forest-labs/FLUX.1-Redux-dev",
    ),
)


def slot_text(slot: str) -> tuple[str, str]:
    """The form's label of a model slot and its field's placeholder text."""
    kind = slot_kind(slot)
    if kind is not None:
        return (
            translate("ChooseModelsDialog", "ControlNet for {kind} guides").format(kind=kind.value),
            translate("ChooseModelsDialog", "e.g. {model} or a local folder").format(
                model=kind.example_model
            ),
        )
    if slot == BASE_SLOT:
        return (
            translate("ChooseModelsDialog", "Base model (SD1.5, SDXL or FLUX.1)"),
            translate(
                "ChooseModelsDialog",
                "a diffusers folder, a .safetensors checkpoint or a Hugging Face id",
            ),
        )
    if slot == DEPTH_ESTIMATOR_SLOT:
        return (
            translate("ChooseModelsDialog", "Depth estimator (for 'Depth from this image')"),
            translate("ChooseModelsDialog", "default: depth-anything/Depth-Anything-V2-Small-hf"),
        )
    raise KeyError(slot)


class _PathField(QWidget):
    def __init__(self, value: str | None, hint: str, files: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.edit = QLineEdit(value or "")
        self.edit.setPlaceholderText(hint)
        folder = QPushButton(self.tr("Folder…"))
        folder.clicked.connect(self._pick_folder)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(folder)
        if files:
            file_button = QPushButton(self.tr("File…"))
            file_button.clicked.connect(self._pick_file)
            row.addWidget(file_button)

    def _pick_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self, self.tr("Choose a model folder"), self.edit.text()
        )
        if path:
            self.edit.setText(path)

    def _pick_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose a checkpoint"),
            self.edit.text(),
            self.tr("Safetensors checkpoints") + " (*.safetensors)",
        )
        if path:
            self.edit.setText(path)

    def value(self) -> str | None:
        return self.edit.text().strip() or None


class ChooseModelsDialog(QDialog):
    """Edit the model choices of :class:`AppSettings` by hand (a path or hub id per slot);
    ``result_settings()`` after ``exec()``. The Models dialog chooses among installed models."""

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Models"))
        self.setMinimumWidth(620)
        self._settings = settings
        form = QFormLayout()
        self.fields: dict[str, _PathField] = {}
        for slot in MODEL_SLOTS:
            files = slot != DEPTH_ESTIMATOR_SLOT
            label, hint = slot_text(slot)
            field = _PathField(settings.model_in(slot), hint, files=files)
            self.fields[slot] = field
            form.addRow(label, field)
        # the IP-Adapter reference pictures use, per family that has one
        self.ip_fields: dict[str, _PathField] = {}
        for family, row_label, example in IP_ADAPTER_ROWS:
            redux = family == "flux"  # a folder (FluxPriorReduxPipeline), not a file
            hint = (
                self.tr("the Redux folder, e.g. {example}")
                if redux
                else self.tr("its .safetensors with image_encoder/ beside it, e.g. {example}")
            )
            field = _PathField(
                settings.ip_adapters.get(family), hint.format(example=example), files=not redux
            )
            self.ip_fields[family] = field
            form.addRow(translate("ChooseModelsDialog", str(row_label)), field)
        # the inpaint ControlNet inpaint masks render with (SD1.5's is the one people use)
        self.inpaint_field = _PathField(
            settings.inpaint_controlnets.get("sd15"),
            translate("ChooseModelsDialog", "e.g. {model} or a local folder").format(
                model="lllyasviel/control_v11p_sd15_inpaint"
            ),
            files=True,
        )
        form.addRow(self.tr("Inpaint ControlNet for SD1.5"), self.inpaint_field)
        self.device = QComboBox()  # item data: the setting's value (device names shown as is)
        self.device.addItem(self.tr("auto"), "auto")
        for device in ("cuda", "mps", "cpu"):
            self.device.addItem(device, device)
        index = self.device.findData(settings.device)
        if index >= 0:
            self.device.setCurrentIndex(index)
        form.addRow(self.tr("Device"), self.device)
        self.allow_pickle = QCheckBox(
            self.tr("Allow pickled weights (.ckpt/.bin) — they can run code")
        )
        self.allow_pickle.setChecked(settings.allow_pickle)
        form.addRow("", self.allow_pickle)
        note = QLabel(
            self.tr(
                "Models are used from disk or the Hugging Face cache; hub ids download when online."
            )
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
        """The settings as edited (the others, e.g. the model manager's folders, kept)."""
        settings = self._settings
        for slot, field in self.fields.items():
            settings = settings.with_model(slot, field.value())
        for family, field in self.ip_fields.items():
            settings = settings.with_ip_adapter(family, field.value())
        settings = settings.with_inpaint_controlnet("sd15", self.inpaint_field.value())
        return replace(
            settings,
            device=str(self.device.currentData()),
            allow_pickle=self.allow_pickle.isChecked(),
        )
