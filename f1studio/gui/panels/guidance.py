"""The classifier-free guidance slider (doc.settings.guidance_scale)."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from f1studio.document.changes import Change, ChangeKind
from f1studio.document.document import Document
from f1studio.gui.panels.binding import DocumentView, ValueSlider, signals_blocked

GUIDANCE_MIN, GUIDANCE_MAX, GUIDANCE_STEP = 1.0, 20.0, 0.5


class GuidanceSlider(DocumentView):
    """How closely the picture follows the prompt: 1.0..20.0 in steps of 0.5.

    A drag is one undo step; the value is used by the next request built from the document.
    """

    def __init__(self, doc: Document | None = None, parent: QWidget | None = None):
        super().__init__(doc, parent)
        self.slider = ValueSlider(GUIDANCE_MIN, GUIDANCE_MAX, GUIDANCE_STEP, decimals=1)
        tip = self.tr(
            "Classifier-free guidance: how closely the picture follows the prompt.\n"
            "Low = freer, softer; high = literal, harsher. 5-9 suits most models."
        )
        self.setToolTip(tip)
        self._tip = tip
        self._applicable = True
        self._useful: tuple[float, float, str] | None = None  # (low, high, model label)
        label = QLabel(self.tr("Guidance"))
        label.setBuddy(self.slider.slider)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.slider, 1)
        self.hint_label = QLabel()  # why the extremes give mush, shown only there
        self.hint_label.setWordWrap(True)
        self.hint_label.setStyleSheet("color: #b36b00;")
        self.hint_label.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.hint_label)
        self.slider.valueChanged.connect(self._edited)
        self.seal_when_done(self.slider)
        self._bind_initial_document()

    def value(self) -> float:
        return self.slider.value()

    def set_applicable(self, applicable: bool, why: str = "") -> None:
        """Grey the slider out for models that ignore guidance (FLUX.1 schnell), saying why."""
        self._applicable = applicable
        self.setToolTip(self._tip if applicable else why)
        self.refresh()

    def set_useful_range(self, useful: tuple[float, float] | None, model: str = "") -> None:
        """The guidance range where ``model`` gives good pictures (None: unknown, no hint)."""
        self._useful = None if useful is None else (*useful, model)
        self._update_hint()

    def _update_hint(self) -> None:
        value = self.slider.value()
        text = ""
        if self._useful is not None and self._applicable:
            low, high, model = self._useful
            useful = self.tr("{model} works best from {low} to {high}").format(
                model=model, low=f"{low:g}", high=f"{high:g}"
            )
            if value < low:
                text = self.tr(
                    "Guidance {value} is low: the picture may drift from the prompt and "
                    "look washed out ({useful})."
                ).format(value=f"{value:g}", useful=useful)
            elif value > high:
                text = self.tr(
                    "Guidance {value} is high: expect burnt colours and mush ({useful})."
                ).format(value=f"{value:g}", useful=useful)
        self.hint_label.setText(text)
        self.hint_label.setVisible(bool(text))

    def _edited(self, value: float) -> None:
        if self.document is not None:
            self.edit(self.document.set_setting, "guidance_scale", value)

    def document_changed(self, change: Change) -> None:
        if change.kind is ChangeKind.SETTINGS:
            self.refresh()

    def refresh(self) -> None:
        self.setEnabled(self.document is not None and self._applicable)
        if self.document is not None:
            with signals_blocked(self.slider):
                self.slider.setValue(self.document.settings.guidance_scale)
        self._update_hint()
