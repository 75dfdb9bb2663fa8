"""Edit ▸ Preferences (Settings on macOS): the per-user choices that used to be environment
variables or hidden defaults, stored with the other per-user settings (:class:`AppSettings`).

An environment variable the user set outside F1 Studio still wins; its field is then greyed
out with a line saying which variable decides (:mod:`f1studio.engine_environment`).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from f1studio import engine_environment
from f1studio.appsettings import COMPILE_MODES, MAX_AUTOSAVE_S, AppSettings
from f1studio.engine.family_table import ModelFamily
from f1studio.gui.i18n import LANGUAGES, SYSTEM, resolve_language

MEMORY_MODES = ("", "full-gpu", "model-offload", "sequential-offload")
QUANTISATIONS = ("", "int8", "nf4")


def _split_memory_mode(text: str) -> tuple[str, str]:
    """(mode, quantisation) of a stored ``memory_mode`` such as ``model-offload+int8``."""
    mode, kind = "", ""
    for part in (p.strip().lower() for p in text.split("+") if p.strip()):
        if part in QUANTISATIONS:
            kind = part
        elif part in MEMORY_MODES:
            mode = part
    return mode, kind


class PreferencesDialog(QDialog):
    """Shows ``settings``; :meth:`result_settings` is the edited copy (saved by the caller)."""

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Preferences"))
        self.setObjectName("preferences")
        self._settings = settings
        self.tabs = QTabWidget()
        self.tabs.addTab(self._general_page(), self.tr("General"))
        self.tabs.addTab(self._engine_page(), self.tr("Engine"))
        self.tabs.addTab(self._models_page(), self.tr("Models"))
        self.tabs.addTab(self._projects_page(), self.tr("New projects"))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)

    # ---- pages ----------------------------------------------------------------------------
    def _general_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.language = QComboBox()
        detected = LANGUAGES[resolve_language(SYSTEM)]
        self.language.addItem(
            self.tr("As the system ({language})").format(language=detected), SYSTEM
        )
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        found = self.language.findData(self._settings.language)
        self.language.setCurrentIndex(max(0, found))
        form.addRow(self.tr("Language"), self.language)
        form.addRow("", self._note(self.tr("A new language shows when F1 Studio starts again.")))
        self.autosave = QSpinBox()
        self.autosave.setRange(0, MAX_AUTOSAVE_S)
        self.autosave.setSuffix(self.tr(" s"))
        self.autosave.setSpecialValueText(self.tr("Off"))
        self.autosave.setValue(self._settings.autosave_interval_s)
        self.autosave.setToolTip(
            self.tr("How often a recovery copy of unsaved work is written (0: never)")
        )
        form.addRow(self.tr("Autosave every"), self.autosave)
        return page

    def _engine_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.threads = QSpinBox()
        self.threads.setRange(0, 256)
        self.threads.setSpecialValueText(
            self.tr("Automatic ({count})").format(
                count=max(1, engine_environment.usable_cores() - 1)
            )
        )
        self.threads.setValue(self._settings.engine_threads)
        self.threads.setToolTip(
            self.tr("CPU threads the engine renders with (automatic: all cores but one)")
        )
        form.addRow(self.tr("CPU threads"), self.threads)
        self._override_note(form, "engine_threads", self.threads)
        form.addRow("", self._note(self.tr("Applies when F1 Studio starts again.")))
        mode, kind = _split_memory_mode(self._settings.memory_mode)
        self.memory_mode = QComboBox()
        labels = (
            self.tr("Automatic (by free GPU memory)"),
            self.tr("All on the GPU (fastest)"),
            self.tr("Offload each model (less memory)"),
            self.tr("Offload layer by layer (least memory, slow)"),
        )
        for value, label in zip(MEMORY_MODES, labels, strict=True):
            self.memory_mode.addItem(label, value)
        self.memory_mode.setCurrentIndex(max(0, self.memory_mode.findData(mode)))
        form.addRow(self.tr("GPU memory"), self.memory_mode)
        self.quantisation = QComboBox()
        for value, label in zip(
            QUANTISATIONS,
            (
                self.tr("Automatic"),
                self.tr("8-bit (int8, torchao)"),
                self.tr("4-bit (NF4, bitsandbytes)"),
            ),
            strict=True,
        ):
            self.quantisation.addItem(label, value)
        self.quantisation.setCurrentIndex(max(0, self.quantisation.findData(kind)))
        self.quantisation.setToolTip(
            self.tr("Quantise the FLUX.1 transformer so that it fits a smaller GPU")
        )
        form.addRow(self.tr("FLUX.1 weights"), self.quantisation)
        self._override_note(form, "memory_mode", self.memory_mode, self.quantisation)
        self._speed_rows(form)
        form.addRow("", self._note(self.tr("Applies when the next model loads.")))
        return page

    def _speed_rows(self, form: QFormLayout) -> None:
        """The speed switches (``engine.speed``); each keeps the picture as it is."""
        self.channels_last = QCheckBox(self.tr("Channels-last memory layout"))
        self.channels_last.setChecked(self._settings.channels_last)
        self.channels_last.setToolTip(
            self.tr("Lays out the convolutions of UNets and VAEs the way GPUs run them fastest")
        )
        form.addRow(self.tr("Speed"), self.channels_last)
        self._override_note(form, "channels_last", self.channels_last)
        self.fused_qkv = QCheckBox(self.tr("Fused attention projections"))
        self.fused_qkv.setChecked(self._settings.fused_qkv)
        self.fused_qkv.setToolTip(
            self.tr("One matrix product for query, key and value instead of three")
        )
        form.addRow("", self.fused_qkv)
        self._override_note(form, "fused_qkv", self.fused_qkv)
        self.compile_mode = QComboBox()
        labels = (self.tr("Off"), self.tr("Denoiser"), self.tr("Denoiser and VAE decoder"))
        for value, label in zip(COMPILE_MODES, labels, strict=True):
            self.compile_mode.addItem(label, value)
        self.compile_mode.setCurrentIndex(
            max(0, self.compile_mode.findData(self._settings.compile_mode))
        )
        self.compile_mode.setToolTip(
            self.tr(
                "torch.compile: the first render after a model loads takes minutes longer, "
                "the renders after it are faster"
            )
        )
        form.addRow(self.tr("Compile"), self.compile_mode)
        self._override_note(form, "compile_mode", self.compile_mode)

    def _models_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(
            QLabel(self.tr("Folders searched for models, LoRAs and embeddings (A1111, ComfyUI…):"))
        )
        self.folders = QListWidget()
        self.folders.addItems(self._settings.model_folders)
        layout.addWidget(self.folders)
        row = QHBoxLayout()
        add = QPushButton(self.tr("Add folder…"))
        add.clicked.connect(self._add_folder)
        remove = QPushButton(self.tr("Remove"))
        remove.clicked.connect(self._remove_folder)
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(QLabel(self.tr("Tiny VAE for previews and live mode (empty: none):")))
        self.tiny_vaes = self._family_paths(layout, self._settings.tiny_vaes)
        examples = {"sd15": "madebyollin/taesd", "sdxl": "madebyollin/taesdxl"}
        for family, edit in self.tiny_vaes.items():
            edit.setPlaceholderText(
                self.tr("a folder or a Hugging Face id, e.g. {example}").format(
                    example=examples.get(family, "madebyollin/taef1")
                )
            )
        layout.addWidget(
            QLabel(
                self.tr(
                    "Configuration of single-file checkpoints when the Hugging Face cache has "
                    "none (a local diffusers folder of the family, or a hub id):"
                )
            )
        )
        self.configs = self._family_paths(
            layout, self._settings.single_file_configs, "single_file_configs"
        )
        layout.addStretch(1)
        return page

    def _projects_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(
            QLabel(
                self.tr("Canvas size and steps a new project starts with (0: the model's usual):")
            )
        )
        grid = QGridLayout()
        grid.addWidget(QLabel(self.tr("Size")), 0, 1)
        grid.addWidget(QLabel(self.tr("Steps")), 0, 2)
        self.sizes: dict[str, QSpinBox] = {}
        self.steps: dict[str, QSpinBox] = {}
        for r, family in enumerate((f for f in ModelFamily if f.is_supported), start=1):
            size = QSpinBox()
            size.setRange(0, 4096)
            size.setSingleStep(64)
            size.setSpecialValueText(self.tr("Usual"))
            size.setSuffix(self.tr(" px"))
            size.setValue(self._settings.new_project_sizes.get(family.value, 0))
            steps = QSpinBox()
            steps.setRange(0, 200)
            steps.setSpecialValueText(self.tr("Usual"))
            steps.setValue(self._settings.new_project_steps.get(family.value, 0))
            grid.addWidget(QLabel(family.label), r, 0)
            grid.addWidget(size, r, 1)
            grid.addWidget(steps, r, 2)
            self.sizes[family.value] = size
            self.steps[family.value] = steps
        layout.addLayout(grid)
        form = QFormLayout()
        self.live_steps = QSpinBox()
        self.live_steps.setRange(0, 200)
        self.live_steps.setSpecialValueText(self.tr("As suits the model"))
        self.live_steps.setValue(self._settings.live_steps)
        form.addRow(self.tr("Live mode steps"), self.live_steps)
        self.live_strength = QDoubleSpinBox()
        self.live_strength.setRange(0.05, 1.0)
        self.live_strength.setSingleStep(0.05)
        self.live_strength.setValue(self._settings.live_strength)
        self.live_strength.setToolTip(
            self.tr("How much of the sketch live mode re-makes (1: from scratch)")
        )
        form.addRow(self.tr("Live mode strength"), self.live_strength)
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    # ---- helpers --------------------------------------------------------------------------
    def _family_paths(
        self, layout: QVBoxLayout, values: dict[str, str], field: str | None = None
    ) -> dict[str, QLineEdit]:
        """One path field with a Browse button per model family, filled from ``values``;
        greyed out where the environment variable behind ``field.FAMILY`` decides."""
        grid = QGridLayout()
        edits: dict[str, QLineEdit] = {}
        for r, family in enumerate(f for f in ModelFamily if f.is_supported):
            edit = QLineEdit(values.get(family.value, ""))
            browse = QPushButton(self.tr("Browse…"))
            browse.clicked.connect(lambda _=False, e=edit: self._browse_into(e))
            grid.addWidget(QLabel(family.label), r, 0)
            grid.addWidget(edit, r, 1)
            grid.addWidget(browse, r, 2)
            edits[family.value] = edit
            outside = engine_environment.set_outside(f"{field}.{family.value}") if field else None
            if outside is not None:
                edit.setEnabled(False)
                browse.setEnabled(False)
                edit.setToolTip(
                    self.tr(
                        "Set by the environment variable {variable}: it decides while it is set."
                    ).format(variable=outside)
                )
        layout.addLayout(grid)
        return edits

    def _note(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setStyleSheet("color: palette(mid);")
        return label

    def _override_note(self, form: QFormLayout, field: str, *widgets: QWidget) -> None:
        outside = engine_environment.set_outside(field)
        if outside is None:
            return
        for widget in widgets:
            widget.setEnabled(False)
        note = self._note(
            self.tr(
                "Set by the environment variable {variable}: it decides while it is set."
            ).format(variable=outside)
        )
        note.setObjectName(f"override-{field}")
        form.addRow("", note)

    def _add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Add a models folder"))
        if folder and not self.folders.findItems(folder, Qt.MatchFlag.MatchExactly):
            self.folders.addItem(folder)

    def _remove_folder(self) -> None:
        for item in self.folders.selectedItems():
            self.folders.takeItem(self.folders.row(item))

    def _browse_into(self, edit: QLineEdit) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose a folder"))
        if folder:
            edit.setText(folder)

    # ---- result ---------------------------------------------------------------------------
    def result_settings(self) -> AppSettings:
        """The settings as the dialog shows them (a copy; nothing is saved here)."""
        mode = str(self.memory_mode.currentData() or "")
        kind = str(self.quantisation.currentData() or "")
        memory = "+".join(part for part in (mode, kind) if part)
        folders = [self.folders.item(i).text() for i in range(self.folders.count())]
        return replace(
            self._settings,
            language=str(self.language.currentData()),
            autosave_interval_s=self.autosave.value(),
            engine_threads=self.threads.value(),
            memory_mode=memory,
            channels_last=self.channels_last.isChecked(),
            fused_qkv=self.fused_qkv.isChecked(),
            compile_mode=str(self.compile_mode.currentData() or "off"),
            model_folders=folders,
            tiny_vaes={f: e.text().strip() for f, e in self.tiny_vaes.items() if e.text().strip()},
            single_file_configs={
                f: e.text().strip() for f, e in self.configs.items() if e.text().strip()
            },
            new_project_sizes={f: s.value() for f, s in self.sizes.items() if s.value() > 0},
            new_project_steps={f: s.value() for f, s in self.steps.items() if s.value() > 0},
            live_steps=self.live_steps.value(),
            live_strength=round(self.live_strength.value(), 2),
        )
