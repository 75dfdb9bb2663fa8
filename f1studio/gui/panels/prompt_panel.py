"""The prompt panel: prompts, steps, seed, canvas size, denoise strength, scheduler, batch."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from f1studio.document.changes import Change
from f1studio.document.document import MAX_SIZE, MIN_SIZE, Document
from f1studio.document.fast_presets import apply_preset, preset_for
from f1studio.document.loras import LoraEntry, with_words
from f1studio.document.settings import SeedMode
from f1studio.engine.family_table import ModelFamily
from f1studio.engine.request import SCHEDULER_LABELS, SCHEDULERS
from f1studio.engine.vocabulary import Vocabulary
from f1studio.gui.i18n import translate
from f1studio.gui.panels.binding import DocumentView, ValueSlider, signals_blocked
from f1studio.gui.panels.clamping_spin import ClampingSpinBox
from f1studio.gui.panels.lora_list import LoraList
from f1studio.gui.panels.size_spin import SizeSpinBox, size_note
from f1studio.gui.panels.word_completer import WordCompleter
from f1studio.gui.wording import said
from f1studio.gui.wrapped_label import WrappedLabel

PROMPT_PLACEHOLDER = "Describe the picture…"  # shown translated
_PLACEHOLDERS = (QT_TRANSLATE_NOOP("PromptPanel", "Describe the picture…"),)  # for the translations
_KNOWN_WORDS = (  # the demo model's word list (f1studio.demo.vocab.KNOWN_WORDS_TEMPLATE)
    QT_TRANSLATE_NOOP(
        "PromptPanel", "colours: {colours}; shapes: {shapes}; sizes: {sizes}; places: {places}"
    ),
)
SEED_MAX = 2**31 - 1  # QSpinBox is 32-bit
STEPS_MAX, BATCH_MAX = 150, 16


def _text_edit(placeholder: str, lines: int) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setPlaceholderText(placeholder)
    edit.setTabChangesFocus(True)
    height = edit.fontMetrics().lineSpacing() * lines
    edit.setFixedHeight(height + 2 * int(edit.document().documentMargin()) + 6)
    _undo_word_by_word(edit)
    return edit


def _undo_word_by_word(edit: QPlainTextEdit) -> None:
    """Make each typed word one text-undo step (Ctrl+Z in the box), not the whole prompt.

    Qt merges consecutive typing into one undo step while its document is "modified" (its undo
    state differs from the one marked unmodified); marking the state after a typed space or
    line break unmodified starts a new step with the next word. (Setting True first makes the
    mark move even when the document already counts as unmodified, as before its first edit.)
    """
    text = edit.document()

    def typed(position: int, removed: int, added: int) -> None:
        if added == 1 and removed == 0 and text.characterAt(position).isspace():
            text.setModified(True)
            text.setModified(False)

    text.contentsChange.connect(typed)


def _spin(minimum: int, maximum: int, step: int = 1) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(minimum, maximum)
    spin.setSingleStep(step)
    spin.setKeyboardTracking(False)  # typed numbers apply on Enter / focus-out
    return spin


def _snap8(value: int) -> int:
    return max(MIN_SIZE, min(MAX_SIZE, (int(value) + 4) // 8 * 8))


LIVE_ON_STYLE = (
    "QPushButton:checked { background-color: #2e7d32; color: white; font-weight: bold; }"
)


class PromptPanel(DocumentView):
    """Prompts and generation settings of the document, bound both ways.

    The window owns Generate; ``prompt_edit`` is public so it can take the focus.
    """

    def __init__(self, doc: Document | None = None, parent: QWidget | None = None):
        super().__init__(doc, parent)
        self._shown_size: tuple[int, int] | None = None

        self.prompt_edit = _text_edit(translate("PromptPanel", PROMPT_PLACEHOLDER), 4)
        self.prompt_words = WordCompleter(self.prompt_edit)  # the model's words as one types
        self.words_label = WrappedLabel()  # the model's words, wrapped under the prompt box
        self.words_label.setStyleSheet("color: palette(placeholder-text);")
        self.words_label.setVisible(False)
        self._known = ""  # the model's words as the label lists them
        self._vocabulary: Vocabulary | None = None
        self.negative_edit = _text_edit(self.tr("What to avoid (negative prompt)…"), 2)
        self.lora_list = LoraList()  # the whole picture's LoRAs (settings: not undo steps)
        self.steps_spin = ClampingSpinBox(self.tr("Steps"), 1, STEPS_MAX)  # 300 -> 150, said
        self.steps_spin.setToolTip(self.tr("Denoising steps: more is slower and usually finer"))
        self.auto_steps_check = QCheckBox(self.tr("Auto"))
        self.auto_steps_check.setToolTip(
            self.tr(
                "Let the engine choose: the steps the model was measured to need for this "
                "sampler (if its folder has a step plan), else stop once the picture stops "
                "changing; the number is then the most steps it may take"
            )
        )
        self.seed_spin = _spin(0, SEED_MAX)
        self.random_seed_check = QCheckBox(self.tr("Random"))
        self.random_seed_check.setToolTip(self.tr("Pick a new seed for every generation"))
        self.reuse_seed_button = QPushButton(self.tr("Reuse last"))
        self.reuse_seed_button.setToolTip(
            self.tr("Use the seed of the last result and keep it fixed")
        )
        self.reuse_seed_button.setEnabled(False)
        self.width_spin = SizeSpinBox("width")  # corrects a typed size where it shows, says why
        self.height_spin = SizeSpinBox("height")
        self.apply_size_button = QPushButton(self.tr("Apply size"))
        self.apply_size_button.setToolTip(self.tr("Scale the canvas and every layer (undoable)"))
        self.strength_slider = ValueSlider(0.0, 1.0, 0.01)
        self.strength_slider.setToolTip(self.tr("1 = from scratch, lower keeps more of the canvas"))
        self.scheduler_combo = QComboBox()
        for name in SCHEDULERS:
            self.scheduler_combo.addItem(SCHEDULER_LABELS.get(name, name), name)
        self.batch_spin = ClampingSpinBox(self.tr("Batch"), 1, BATCH_MAX)
        self.batch_spin.setToolTip(self.tr("How many pictures to make (consecutive seeds)"))
        self.live_button = QPushButton(self.tr("Live"))
        self.live_button.setCheckable(True)
        self.live_button.setStyleSheet(LIVE_ON_STYLE)  # on must be unmistakable
        self.live_button.setToolTip(
            self.tr("Re-render on every change with the live settings (Ctrl+L)")
        )

        form = QFormLayout(self)
        form.addRow(self.tr("Prompt"), self.prompt_edit)
        form.addRow("", self.words_label)
        form.addRow(self.tr("Negative"), self.negative_edit)
        form.addRow(self.tr("LoRAs"), self.lora_list)
        form.addRow(self.tr("Steps"), _row(self.steps_spin, self.auto_steps_check))
        seed = _row(self.seed_spin, self.random_seed_check, self.reuse_seed_button)
        form.addRow(self.tr("Seed"), seed)
        size = _row(self.width_spin, QLabel("×"), self.height_spin, self.apply_size_button)
        form.addRow(self.tr("Size"), size)
        form.addRow(self.tr("Denoise"), self.strength_slider)
        form.addRow(self.tr("Scheduler"), self.scheduler_combo)
        form.addRow(self.tr("Batch"), self.batch_spin)
        form.addRow("", self.live_button)

        self.prompt_edit.textChanged.connect(self._prompt_edited)
        self.prompt_edit.textChanged.connect(self._show_words)
        self.negative_edit.textChanged.connect(self._negative_edited)
        self.lora_list.changed.connect(self._loras_edited)
        self.lora_list.insert_words.connect(self.add_to_prompt)
        self.lora_list.statusMessage.connect(self.statusMessage)
        self.steps_spin.valueChanged.connect(lambda v: self._set("steps", v))
        self.auto_steps_check.toggled.connect(lambda on: self._set("auto_steps", bool(on)))
        self.seed_spin.valueChanged.connect(lambda v: self._set("seed", v))
        self.random_seed_check.toggled.connect(self._seed_mode_toggled)
        self.reuse_seed_button.clicked.connect(self.reuse_last_seed)
        self.width_spin.valueChanged.connect(self._update_size_button)
        self.height_spin.valueChanged.connect(self._update_size_button)
        self.apply_size_button.clicked.connect(self.apply_size)
        self.width_spin.corrected.connect(self.statusMessage)
        self.steps_spin.corrected.connect(self.statusMessage)
        self.batch_spin.corrected.connect(self.statusMessage)
        self.height_spin.corrected.connect(self.statusMessage)
        self.strength_slider.valueChanged.connect(lambda v: self._set("strength", v))
        self.scheduler_combo.currentIndexChanged.connect(self._scheduler_chosen)
        self.batch_spin.valueChanged.connect(lambda v: self._set("batch_count", v))
        self.live_button.toggled.connect(lambda on: self._set("live", bool(on)))
        self.seal_when_done(
            self.prompt_edit,
            self.negative_edit,
            self.steps_spin,
            self.seed_spin,
            self.strength_slider,
            self.batch_spin,
        )
        self._bind_initial_document()

    def insert_under_prompt(self, widget: QWidget) -> None:
        """Show ``widget`` right under the prompt field (the window's Layout row)."""
        form = self.layout()
        assert isinstance(form, QFormLayout)
        form.insertRow(2, "", widget)

    def set_lora_context(
        self, folders: list[str], family: ModelFamily | None, note: str | None = None
    ) -> None:
        """The user's model folders (where "Add LoRA…" looks), the base model's family and a
        remark under the LoRAs (None: none)."""
        self.lora_list.set_folders(folders)
        self.lora_list.set_family(family)
        self.lora_list.set_note(note)

    def add_to_prompt(self, words: str) -> None:
        """Add ``words`` (a LoRA's trigger words) to the end of the prompt, after ", " (one undo
        step); words the prompt already lists are not added twice."""
        doc = self.document
        if doc is None:
            return
        prompt = with_words(doc.prompt, words)
        if prompt is None:
            self.statusMessage.emit(
                self.tr("The prompt already has {words}").format(words=repr(words))
            )
            return
        self.seal()
        self.edit(doc.set_prompt, prompt)
        self.seal()

    # ---- user edits -> document -------------------------------------------------------------
    def _loras_edited(self, loras: tuple[LoraEntry, ...]) -> None:
        """Store the list; a few-step LoRA (LCM, Hyper-SD, Lightning, ...) just switched on
        brings its sampler, steps and guidance (``fast_presets``), as its authors publish them."""
        doc = self.document
        if doc is None:
            return
        before = {e.path for e in doc.settings.loras if e.enabled}
        self._set("loras", loras)
        for entry in loras:
            preset = preset_for(entry.path) if entry.enabled else None
            if preset is not None and entry.path not in before:
                self.edit(apply_preset, doc, preset)
                message = self.tr("Settings for {name}: {settings}")
                self.statusMessage.emit(message.format(name=entry.name, settings=preset.describe()))
                break

    def _set(self, name: str, value: object) -> None:
        if self.document is not None:
            self.edit(self.document.set_setting, name, value)

    def _prompt_edited(self) -> None:
        if self.document is not None:
            self.edit(self.document.set_prompt, self.prompt_edit.toPlainText(), merge=True)

    def _negative_edited(self) -> None:
        if self.document is not None:
            text = self.negative_edit.toPlainText()
            self.edit(self.document.set_negative_prompt, text, merge=True)

    def _seed_mode_toggled(self, random: bool) -> None:
        if self.document is not None:
            mode = SeedMode.RANDOM if random else SeedMode.FIXED
            self.edit(self.document.set_setting, "seed_mode", mode)

    def _scheduler_chosen(self, index: int) -> None:
        if self.document is not None:
            self.edit(self.document.set_setting, "scheduler", self.scheduler_combo.itemData(index))

    def set_prompt_hint(
        self,
        example: str | None,
        known: str = "",
        words: Iterable[str] = (),
        vocabulary: Vocabulary | None = None,
    ) -> None:
        """What the empty prompt field suggests: a model's ``example`` prompt (None: the usual
        placeholder), ``known``: the words the model knows, listed under the field (a wording
        such as the demo model's :func:`~f1studio.demo.vocab.known_words`; "": no list),
        ``words``: those offered while typing, and ``vocabulary``: the model's own (the words
        of the prompt it leaves out or reads as others are listed under the field)."""
        self.prompt_edit.setPlaceholderText(example or translate("PromptPanel", PROMPT_PLACEHOLDER))
        self._known = said(known, "PromptPanel")
        self._vocabulary = vocabulary
        self.prompt_edit.setToolTip("\n".join(filter(None, (example, self._known))))
        self.prompt_words.set_words(words)
        self._show_words()

    def _show_words(self) -> None:
        """The model's words under the prompt field, and what it makes of the prompt's."""
        lines = (
            [self.tr("Words it knows: {words}").format(words=self._known)] if self._known else []
        )
        vocabulary, text = self._vocabulary, self.prompt_edit.toPlainText()
        if vocabulary is not None:
            unknown = vocabulary.unknown(text)
            if unknown:
                lines.append(
                    self.tr("Left out (the model does not know them): {words}").format(
                        words=", ".join(unknown)
                    )
                )
            read_as = vocabulary.read_as(text)
            if read_as:
                pairs = ", ".join(f"{word} → {known}" for word, known in read_as.items())
                lines.append(self.tr("Read as: {pairs}").format(pairs=pairs))
        self.words_label.setText("\n".join(lines))
        self.words_label.setVisible(bool(lines))

    @property
    def last_seed(self) -> int | None:
        """The seed of the newest result in the document's history (it is saved with it)."""
        newest = self.document.results.newest() if self.document is not None else None
        return newest.seed if newest is not None else None

    def reuse_last_seed(self) -> None:
        """Set the seed to the last result's seed and the seed mode to fixed."""
        doc, seed = self.document, self.last_seed
        if doc is None or seed is None:
            return
        self.seal()
        if self.edit(doc.set_setting, "seed", seed):
            self.edit(doc.set_setting, "seed_mode", SeedMode.FIXED)

    def apply_size(self) -> None:
        """Scale the canvas to the size in the spin boxes (snapped to multiples of 8); the
        status bar says which size and why when it is not the size typed."""
        doc = self.document
        if doc is None:
            return
        typed = (self.width_spin.take_typed_value(), self.height_spin.take_typed_value())
        w, h = _snap8(self.width_spin.value()), _snap8(self.height_spin.value())
        with signals_blocked(self.width_spin, self.height_spin):
            self.width_spin.setValue(w)
            self.height_spin.setValue(h)
        self.seal()
        if self.edit(doc.resize_canvas, w, h) and typed != (w, h):
            self.statusMessage.emit(size_note(w, h))
        self._update_size_button()

    def _update_size_button(self) -> None:
        doc = self.document
        pending = (self.width_spin.value(), self.height_spin.value())
        self.apply_size_button.setEnabled(doc is not None and pending != (doc.width, doc.height))

    # ---- document -> widgets ----------------------------------------------------------------
    def document_replaced(self) -> None:
        self._shown_size = None

    def document_changed(self, change: Change) -> None:
        if not change.kind.has_layer:  # prompts, settings, the canvas size: not one layer
            self.refresh()

    def refresh(self) -> None:
        doc = self.document
        self.setEnabled(doc is not None)
        if doc is None:
            return
        s = doc.settings
        widgets = (
            self.steps_spin,
            self.auto_steps_check,
            self.seed_spin,
            self.random_seed_check,
            self.strength_slider,
            self.scheduler_combo,
            self.batch_spin,
            self.live_button,
        )
        with signals_blocked(*widgets):
            _set_text(self.prompt_edit, doc.prompt)
            _set_text(self.negative_edit, doc.negative_prompt)
            self.steps_spin.setValue(int(s.steps))
            self.auto_steps_check.setChecked(bool(s.auto_steps))
            self.seed_spin.setValue(min(int(s.seed), SEED_MAX))
            self.random_seed_check.setChecked(s.seed_mode is SeedMode.RANDOM)
            self.seed_spin.setEnabled(s.seed_mode is SeedMode.FIXED)
            self.strength_slider.setValue(float(s.strength))
            index = self.scheduler_combo.findData(s.scheduler)
            if index < 0:  # a scheduler this panel does not list: show it anyway
                self.scheduler_combo.addItem(s.scheduler, s.scheduler)
                index = self.scheduler_combo.count() - 1
            self.scheduler_combo.setCurrentIndex(index)
            self.batch_spin.setValue(int(s.batch_count))
            self.live_button.setChecked(bool(s.live))
        self.lora_list.set_entries(s.loras)
        seed = self.last_seed
        self.reuse_seed_button.setEnabled(seed is not None)
        self.reuse_seed_button.setToolTip(
            self.tr("Render once first: then this uses its seed again")
            if seed is None
            else self.tr("Use seed {seed} again (the last result's) and keep it fixed").format(
                seed=seed
            )
        )
        if self._shown_size != (doc.width, doc.height):  # keep a size being typed otherwise
            self._shown_size = (doc.width, doc.height)
            with signals_blocked(self.width_spin, self.height_spin):
                self.width_spin.setValue(doc.width)
                self.height_spin.setValue(doc.height)
        self._update_size_button()
        self._show_words()  # a prompt set from outside (Reuse settings, Open) is read too


def _row(*widgets: QWidget) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    return box


def _set_text(edit: QPlainTextEdit, text: str) -> None:
    """Replace the text only when it differs (keeps the cursor while the user types)."""
    if edit.toPlainText() != text:
        with signals_blocked(edit):
            edit.setPlainText(text)
        cursor = edit.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        edit.setTextCursor(cursor)
