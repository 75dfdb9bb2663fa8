"""The selected layer's own controls: common ones plus those of its kind."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from superqt import QDoubleRangeSlider

from f1studio.document.changes import Change, ChangeKind
from f1studio.document.control_presets import DEFAULT_PATH, PATHS, level_of, settings_at
from f1studio.document.document import Document
from f1studio.document.layers import Layer, LayerKind
from f1studio.document.loras import with_words
from f1studio.engine.family_table import ModelFamily
from f1studio.gui.i18n import translate
from f1studio.gui.panels.binding import DocumentView, ValueSlider, signals_blocked
from f1studio.gui.panels.curve_editor import CurveEditor
from f1studio.gui.panels.lora_list import LoraList

MIN_RANGE_GAP = 0.05  # a guide acts on at least this fraction of the steps
FEATHER_MAX = 64


class _NoWheel(QObject):
    """Swallows wheel events (a wheel moves both handles of a range slider at once)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        return event.type() == QEvent.Type.Wheel


def clamp_range(start: float, end: float, old_start: float) -> tuple[float, float]:
    """Keep ``0 <= start < end <= 1`` with a gap of at least MIN_RANGE_GAP.

    The handle that moved (start when it differs from ``old_start``, else end) gives way.
    """
    start, end = round(min(start, end), 4), round(max(start, end), 4)
    if end - start >= MIN_RANGE_GAP - 1e-9:
        return start, end
    if start != round(old_start, 4):
        start = end - MIN_RANGE_GAP
        if start < 0.0:
            start, end = 0.0, MIN_RANGE_GAP
    else:
        end = start + MIN_RANGE_GAP
        if end > 1.0:
            start, end = 1.0 - MIN_RANGE_GAP, 1.0
    return round(start, 4), round(end, 4)


#: the reference picture's uses as the window names them
REFERENCE_CHOICES = (
    ("Trace only", "trace"),
    ("Style", "style"),
    ("Subject", "subject"),
    ("Composition", "composition"),
)
_REFERENCE_LABELS = (  # for the translations
    QT_TRANSLATE_NOOP("LayerProperties", "Trace only"),
    QT_TRANSLATE_NOOP("LayerProperties", "Style"),
    QT_TRANSLATE_NOOP("LayerProperties", "Subject"),
    QT_TRANSLATE_NOOP("LayerProperties", "Composition"),
)


class LayerProperties(DocumentView):
    """Name, opacity, visibility and lock of one layer, plus the controls of its kind.

    - region: prompt, negative prompt, weight, LoRAs
    - edge/depth guide: weight and the start..end range of the steps it acts on
    - inpaint mask: strength and feather
    - reference image: what it steers (Trace only, Style, Subject, Composition; with weight
      and active steps when it steers); "Edges from this image" / "Depth from this image"
      emit ``extractRequested(layer_id, "edge" | "depth")``

    A locked layer keeps only visible/locked editable.
    """

    extractRequested = Signal(str, str)

    def __init__(self, doc: Document | None = None, parent: QWidget | None = None):
        super().__init__(doc, parent)
        self._layer_id: str | None = None

        self.empty_label = QLabel(self.tr("No layer selected"))
        self.name_edit = QLineEdit()
        self.opacity_slider = ValueSlider(0.0, 1.0, 0.01)
        self.visible_check = QCheckBox(self.tr("Visible"))
        self.locked_check = QCheckBox(self.tr("Locked"))
        self.prompt_edit = QLineEdit()
        self.prompt_edit.setPlaceholderText(self.tr("What this region shows…"))
        self.negative_edit = QLineEdit()
        self.negative_edit.setPlaceholderText(self.tr("What to avoid here…"))
        self.weight_slider = ValueSlider(0.0, 2.0, 0.05)
        self.lora_list = LoraList()  # the region's own LoRAs (act inside its mask)
        # the steps range: a plain two-handle slider and its values as a label beside it (the
        # labelled slider's handle labels were clipped to ".00" in a narrow panel)
        self.range_slider = QDoubleRangeSlider(Qt.Orientation.Horizontal)
        self.range_slider.setRange(0.0, 1.0)
        self.range_slider.setSingleStep(0.01)
        self.range_slider.setValue((0.0, 1.0))
        self.range_slider.setBarMovesAllHandles(False)  # one handle at a time
        self.range_label = QLabel()
        metrics = self.range_label.fontMetrics()
        self.range_label.setMinimumWidth(metrics.horizontalAdvance("100% – 100%") + 4)
        self.range_slider.valueChanged.connect(self._show_range)
        self.range_slider.setToolTip(
            self.tr(
                "Which part of the denoising steps this guide acts on:\n"
                "early steps set structure, late steps add texture"
            )
        )
        self._no_wheel = _NoWheel(self)
        for w in (self.range_slider, *self.range_slider.findChildren(QWidget)):
            w.installEventFilter(self._no_wheel)
        self.curve_editor = CurveEditor()  # the guide's strength over its steps
        # one slider from loose to strict that moves weight, range and curve together
        self.control_slider = ValueSlider(0.0, 1.0, 0.01)
        self.control_slider.setToolTip(
            self.tr(
                "Loose (left): a light guide that holds the composition early, then lets go.\n"
                "Strict (right): a strong guide over all the steps. Moves the weight, the step "
                "range and the strength curve together; edit them below for a custom mix."
            )
        )
        self.control_label = QLabel()
        self.control_label.setWordWrap(True)  # "custom: …" fits a narrow dock
        self.region_combo = QComboBox()  # the region layer a guide is limited to
        self.region_combo.setToolTip(
            self.tr("The guide (or the reference) acts only inside this region layer's mask")
        )
        self.balance_slider = ValueSlider(-1.0, 1.0, 0.05)
        self.balance_slider.setToolTip(
            self.tr(
                "Control mode: -1 the prompt is more important, 0 balanced, "
                "1 the guide is more important (AUTOMATIC1111's modes; graded in between)"
            )
        )
        self.balance_label = QLabel()
        self.strength_slider = ValueSlider(0.0, 1.0, 0.01)
        self.strength_slider.setToolTip(
            self.tr("Denoising strength under the mask (1 = repaint fully)")
        )
        self.feather_slider = ValueSlider(0, FEATHER_MAX, 1, decimals=0)
        self.feather_slider.setToolTip(self.tr("Soften the mask edge inward by this many pixels"))
        self.use_combo = QComboBox()  # what a reference picture steers (IP-Adapter)
        for label, value in REFERENCE_CHOICES:
            self.use_combo.addItem(translate("LayerProperties", label), value)
        self.use_combo.setToolTip(
            self.tr(
                "Trace only: a picture to look at and trace; nothing reaches the model.\n"
                "Style: the render takes its look (colours, brushwork, light); Subject: its "
                "content; Composition: its layout. Needs an IP-Adapter for the model's family "
                "(f1studio config --ip-adapter)."
            )
        )
        self.edges_button = QPushButton(self.tr("Edges from this image"))
        self.depth_button = QPushButton(self.tr("Depth from this image"))

        flags = QWidget()
        flags_layout = QHBoxLayout(flags)
        flags_layout.setContentsMargins(0, 0, 0, 0)
        flags_layout.addWidget(self.visible_check)
        flags_layout.addWidget(self.locked_check)
        flags_layout.addStretch(1)
        extract = QWidget()
        extract_layout = QVBoxLayout(extract)  # stacked: side by side they widened the panel
        extract_layout.setContentsMargins(0, 0, 0, 0)
        extract_layout.addWidget(self.edges_button)
        extract_layout.addWidget(self.depth_button)
        steps = QWidget()
        steps_layout = QHBoxLayout(steps)
        steps_layout.setContentsMargins(0, 0, 0, 0)
        steps_layout.addWidget(self.range_slider, 1)
        steps_layout.addWidget(self.range_label)
        # the panel's width never follows what a layer shows (a long name, its kind's rows)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self._form = QFormLayout(self)
        self._form.addRow(self.empty_label)
        rows: list[tuple[str, str, QWidget]] = [
            ("name", self.tr("Name"), self.name_edit),
            ("opacity", self.tr("Opacity"), self.opacity_slider),
            ("flags", "", flags),
            ("prompt", self.tr("Prompt"), self.prompt_edit),
            ("negative_prompt", self.tr("Negative"), self.negative_edit),
            ("use", self.tr("Steers"), self.use_combo),
            ("control", self.tr("Control"), _column(self.control_slider, self.control_label)),
            ("weight", self.tr("Weight"), self.weight_slider),
            ("loras", self.tr("LoRAs"), self.lora_list),
            ("range", self.tr("Active steps"), steps),
            ("curve", self.tr("Strength curve"), self.curve_editor),
            ("region", self.tr("Limit to"), self.region_combo),
            ("balance", self.tr("Mode"), _column(self.balance_slider, self.balance_label)),
            ("strength", self.tr("Strength"), self.strength_slider),
            ("feather", self.tr("Feather (px)"), self.feather_slider),
            ("extract", "", extract),
        ]
        self._rows: dict[str, QWidget] = {}
        for key, label, widget in rows:
            self._form.addRow(label, widget)
            self._rows[key] = widget

        self.name_edit.textChanged.connect(lambda t: self._set("name", t))
        self.opacity_slider.valueChanged.connect(lambda v: self._set("opacity", v))
        self.visible_check.toggled.connect(lambda on: self._set("visible", on, merge=False))
        self.locked_check.toggled.connect(lambda on: self._set("locked", on, merge=False))
        self.prompt_edit.textChanged.connect(lambda t: self._set("prompt", t))
        self.negative_edit.textChanged.connect(lambda t: self._set("negative_prompt", t))
        self.weight_slider.valueChanged.connect(lambda v: self._set("weight", v))
        self.range_slider.valueChanged.connect(self._range_edited)
        self.lora_list.changed.connect(lambda loras: self._set("loras", loras))
        self.lora_list.editingFinished.connect(self.seal)  # one undo step per gesture
        self.lora_list.insert_words.connect(self._add_to_prompt)
        self.lora_list.statusMessage.connect(self.statusMessage)
        self.curve_editor.curveEdited.connect(self._curve_edited)
        self.region_combo.activated.connect(
            lambda i: self._set("region", self.region_combo.itemData(i) or "", merge=False)
        )
        self.balance_slider.valueChanged.connect(lambda v: self._set("balance", v))
        self.use_combo.activated.connect(
            lambda i: self._set("use", self.use_combo.itemData(i), merge=False)
        )
        self.control_slider.valueChanged.connect(self._control_moved)
        self.strength_slider.valueChanged.connect(lambda v: self._set("strength", v))
        self.feather_slider.valueChanged.connect(lambda v: self._set("feather", int(v)))
        self.edges_button.clicked.connect(lambda: self._extract("edge"))
        self.depth_button.clicked.connect(lambda: self._extract("depth"))
        self.seal_when_done(
            self.name_edit,
            self.opacity_slider,
            self.prompt_edit,
            self.negative_edit,
            self.weight_slider,
            self.range_slider,
            self.balance_slider,
            self.control_slider,
            self.strength_slider,
            self.feather_slider,
        )
        self._bind_initial_document()

    # ---- public ----------------------------------------------------------------------------
    @property
    def layer_id(self) -> str | None:
        return self._layer_id

    def set_layer(self, layer_id: str | None) -> None:
        """Show the controls of this layer (None: nothing selected)."""
        if layer_id != self._layer_id:
            self.seal()
        self._layer_id = layer_id
        self.refresh()

    def row_shown(self, key: str) -> bool:
        """Whether a row is shown: name, opacity, flags, prompt, negative_prompt, weight,
        loras, range, curve, strength, feather or extract."""
        return not self._rows[key].isHidden()

    def set_lora_context(
        self, folders: list[str], family: ModelFamily | None, note: str | None = None
    ) -> None:
        """The user's model folders (where "Add LoRA…" looks), the base model's family and a
        remark under the region's LoRAs (None: none)."""
        self.lora_list.set_folders(folders)
        self.lora_list.set_family(family)
        self.lora_list.set_note(note)

    # ---- user edits -> document -------------------------------------------------------------
    def _layer(self) -> Layer | None:
        if self.document is None or self._layer_id is None:
            return None
        try:
            return self.document.layer(self._layer_id)
        except KeyError:
            return None

    def _set(self, name: str, value: object, merge: bool = True) -> None:
        layer = self._layer()
        if layer is not None and self.document is not None:
            self.edit(self.document.set_layer_property, layer.id, name, value, merge=merge)

    def _add_to_prompt(self, words: str) -> None:
        """A LoRA's trigger words at the end of the region's prompt (one undo step)."""
        layer = self._layer()
        if layer is None:
            return
        prompt = with_words(layer.prompt, words)
        if prompt is not None:
            self.seal()
            self._set("prompt", prompt, merge=False)
            self.seal()

    def _range_edited(self, values: tuple[float, ...]) -> None:
        layer, doc = self._layer(), self.document
        if layer is None or doc is None:
            return
        start, end = clamp_range(float(values[0]), float(values[-1]), layer.start)
        if (start, end) != (round(values[0], 4), round(values[-1], 4)):
            with signals_blocked(self.range_slider):
                self.range_slider.setValue((start, end))
        self.edit(doc.set_layer_range, layer.id, start, end, merge=True)  # one step per drag

    def _curve_edited(self, curve: tuple[float, ...] | None, done: bool) -> None:
        """A drag of a curve point is one undo step (sealed on release); a preset is one."""
        self._set("curve", curve)
        if done:
            self.seal()

    def _control_moved(self, level: float) -> None:
        layer, doc = self._layer(), self.document
        if layer is None or doc is None:
            return
        values = settings_at(layer.kind.value, level).as_values()
        label = self.tr("Control: loose … strict")
        self.edit(doc.set_layer_values, layer.id, values, label, merge=True)

    def _show_control(self, layer: Layer) -> None:
        level = level_of(layer.kind.value, layer.weight, layer.start, layer.end, layer.curve)
        if level is None:  # edited part by part: the slider sits where the weight would put it
            loose, strict = PATHS.get(layer.kind.value, DEFAULT_PATH)
            span = strict.weight - loose.weight
            self.control_slider.setValue(min(1.0, max(0.0, (layer.weight - loose.weight) / span)))
            if (layer.weight, layer.start, layer.end, layer.curve) == (1.0, 0.0, 1.0, None):
                # a new guide: full weight on every step, not a point of the loose … strict path
                self.control_label.setText(self.tr("default: full weight on every step"))
            else:
                self.control_label.setText(self.tr("custom: the parts below were set one by one"))
        else:
            self.control_slider.setValue(level)
            self.control_label.setText(
                self.tr("{level} of the way from loose to strict").format(level=f"{level:.0%}")
            )

    def _show_regions(self, layer: Layer) -> None:
        """The region layers a guide may be limited to, its own chosen."""
        combo, doc = self.region_combo, self.document
        combo.clear()
        combo.addItem(self.tr("the whole canvas"), "")
        for other in doc.layers if doc is not None else []:
            if other.kind is LayerKind.REGION:
                combo.addItem(other.name, other.id)
        index = combo.findData(layer.region) if layer.region else 0
        if index < 0:  # its region layer was deleted: the guide acts everywhere again
            combo.addItem(self.tr("(a deleted region: the whole canvas)"), layer.region)
            index = combo.count() - 1
        combo.setCurrentIndex(index)

    def _show_range(self, values: tuple[float, ...]) -> None:
        self.range_label.setText(f"{values[0]:.0%} – {values[-1]:.0%}")

    def _extract(self, kind: str) -> None:
        if self._layer_id is not None:
            self.extractRequested.emit(self._layer_id, kind)

    # ---- document -> widgets ----------------------------------------------------------------
    def document_replaced(self) -> None:
        self._layer_id = None

    def document_changed(self, change: Change) -> None:
        layer = self._layer()
        guide = layer is not None and (  # it lists the regions' names
            layer.kind.is_control or layer.kind is LayerKind.REFERENCE
        )
        if change.kind is ChangeKind.LAYERS or (
            change.kind is ChangeKind.LAYER and (change.layer_id == self._layer_id or guide)
        ):
            self.refresh()

    def refresh(self) -> None:
        layer = self._layer()
        if layer is None:
            self._layer_id = None
        kind = layer.kind if layer is not None else None
        steering = kind is LayerKind.REFERENCE and layer is not None and layer.use != "trace"
        shown = {
            "name": kind is not None,
            "opacity": kind is not None,
            "flags": kind is not None,
            "prompt": kind is LayerKind.REGION,
            "negative_prompt": kind is LayerKind.REGION,
            "weight": kind is LayerKind.REGION
            or steering
            or (kind is not None and kind.is_control),
            "use": kind is LayerKind.REFERENCE,
            "loras": kind is LayerKind.REGION,
            "range": steering or (kind is not None and kind.is_control),
            "curve": kind is not None and kind.is_control,
            "control": kind is not None and kind.is_control,
            "region": steering or (kind is not None and kind.is_control),
            "balance": kind is not None and kind.is_control,
            "strength": kind is LayerKind.INPAINT,
            "feather": kind is LayerKind.INPAINT,
            "extract": kind is LayerKind.REFERENCE,
        }
        self.empty_label.setVisible(layer is None)
        for key, on in shown.items():
            self._form.setRowVisible(self._rows[key], on)
        if layer is None:
            return
        values = [
            self.name_edit,
            self.opacity_slider,
            self.visible_check,
            self.locked_check,
            self.prompt_edit,
            self.negative_edit,
            self.weight_slider,
            self.range_slider,
            self.curve_editor,
            self.control_slider,
            self.region_combo,
            self.balance_slider,
            self.strength_slider,
            self.feather_slider,
            self.lora_list,
            self.use_combo,
        ]
        with signals_blocked(*values):
            self.use_combo.setCurrentIndex(max(0, self.use_combo.findData(layer.use)))
            _set_line(self.name_edit, layer.name)
            self.opacity_slider.setValue(layer.opacity)
            self.visible_check.setChecked(layer.visible)
            self.locked_check.setChecked(layer.locked)
            _set_line(self.prompt_edit, layer.prompt)
            _set_line(self.negative_edit, layer.negative_prompt)
            self.weight_slider.setValue(layer.weight)
            self.range_slider.setValue((layer.start, layer.end))
            self._show_range((layer.start, layer.end))
            self.curve_editor.show_curve(layer.curve, layer.start, layer.end)
            self._show_regions(layer)
            self._show_control(layer)
            self.balance_slider.setValue(layer.balance)
            self.balance_label.setText(mode_text(layer.balance))
            self.strength_slider.setValue(layer.strength)
            self.feather_slider.setValue(min(layer.feather, FEATHER_MAX))
            self.lora_list.set_entries(layer.loras)
        for widget in values:
            if widget not in (self.visible_check, self.locked_check):
                widget.setEnabled(not layer.locked)


def mode_text(balance: float) -> str:
    """How the control mode reads: balanced, or which side is more important (and how much)."""
    if abs(balance) < 1e-6:
        return translate("LayerProperties", "balanced")
    share = f"{abs(balance):.0%}"
    if balance > 0:
        if balance >= 1.0 - 1e-6:
            return translate("LayerProperties", "the guide is more important")
        return translate("LayerProperties", "leaning to the guide ({share})").format(share=share)
    if balance <= -1.0 + 1e-6:
        return translate("LayerProperties", "the prompt is more important")
    return translate("LayerProperties", "leaning to the prompt ({share})").format(share=share)


def _column(*widgets: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    return box


def _set_line(edit: QLineEdit, text: str) -> None:
    """Replace the text only when it differs (keeps the cursor while the user types); a text
    shown afresh is shown from its start, as a long name reads best."""
    if edit.text() != text:
        edit.setText(text)
        if not edit.hasFocus():
            edit.setCursorPosition(0)
