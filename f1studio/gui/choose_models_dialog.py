"""Choose the models the window renders with: base model, ControlNets per guide kind, depth model.

Choices are stored in the per-user settings shared with the command line (``f1studio config``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
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
from f1studio.engine.events import EngineError
from f1studio.engine.identification import identify
from f1studio.engine.model_files import looks_like_hub_id
from f1studio.gui.downloads_page import ERROR_STYLE, role_label
from f1studio.gui.i18n import translate
from f1studio.model_choice import BASE_SLOT, DEPTH_ESTIMATOR_SLOT, MODEL_SLOTS, slot_kind
from f1studio.model_library import SLOT_ROLES

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
    ``result_settings()`` after ``exec()``. The Models dialog chooses among installed models.

    OK checks every local path given (:meth:`problems`): one that does not exist, holds nothing
    F1 Studio can identify (a damaged model included) or a model of another role keeps the
    dialog open with the reason, so nothing typed is lost. Hub ids are checked when loading;
    empty fields mean none."""

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Models"))
        self.setMinimumWidth(620)
        self._settings = settings
        form = QFormLayout()
        # every path field with its form label and the catalog role of the models it takes
        self._checked: list[tuple[_PathField, str, str]] = []
        self.fields: dict[str, _PathField] = {}
        for slot in MODEL_SLOTS:
            files = slot != DEPTH_ESTIMATOR_SLOT
            label, hint = slot_text(slot)
            field = _PathField(settings.model_in(slot), hint, files=files)
            self.fields[slot] = field
            self._checked.append((field, label, SLOT_ROLES[slot]))
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
            label = translate("ChooseModelsDialog", str(row_label))
            self._checked.append((field, label, "ip-adapter"))
            form.addRow(label, field)
        # the inpaint ControlNet inpaint masks render with (SD1.5's is the one people use)
        self.inpaint_field = _PathField(
            settings.inpaint_controlnets.get("sd15"),
            translate("ChooseModelsDialog", "e.g. {model} or a local folder").format(
                model="lllyasviel/control_v11p_sd15_inpaint"
            ),
            files=True,
        )
        inpaint_label = self.tr("Inpaint ControlNet for SD1.5")
        self._checked.append((self.inpaint_field, inpaint_label, "controlnet"))
        form.addRow(inpaint_label, self.inpaint_field)
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
        self.message = QLabel("")  # why OK did not close the dialog
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setVisible(False)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    # ---- checking the paths --------------------------------------------------------------------
    def _problem(self, value: str, label: str, role: str) -> str | None:
        """Why the field ``label`` cannot use ``value`` (a model of ``role``), or ``None``: a
        hub id (not a local path) is accepted here and checked when loading."""
        path = Path(value).expanduser()
        if not path.exists():
            if looks_like_hub_id(value):
                return None
            return self.tr(
                "{field}: {path} does not exist. Choose a model folder or file, or give a "
                "Hugging Face id (org/name)."
            ).format(field=label, path=value)
        try:
            model = identify(path, role_hint=role)
        except EngineError as e:
            reason = e.message.rstrip(".")
            return self.tr("{field}: {reason}.").format(field=label, reason=reason)
        if model.role != role:
            return self.tr(
                "{field}: {name} is a {role} model, which this field does not take."
            ).format(field=label, name=model.name, role=role_label(model.role))
        return None

    def problems(self) -> list[tuple[_PathField, str]]:
        """The fields whose local path cannot be used, each with the reason (in form order)."""
        found = []
        for field, label, role in self._checked:
            value = field.value()
            problem = self._problem(value, label, role) if value else None
            if problem is not None:
                found.append((field, problem))
        return found

    def accept(self) -> None:
        """Close with OK only when every local path given holds a usable model; otherwise say
        why and stay open, the first field in question focused."""
        problems = self.problems()
        if not problems:
            self.message.setVisible(False)
            super().accept()
            return
        self.message.setText("\n".join(text for _, text in problems))
        self.message.setVisible(True)
        first = problems[0][0].edit
        first.setFocus()
        first.selectAll()

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
