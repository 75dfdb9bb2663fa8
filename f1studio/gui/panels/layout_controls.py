"""Layout: the row under the prompt that turns its spatial phrases into region layers."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from f1studio.document.changes import Change, ChangeKind
from f1studio.document.document import Document
from f1studio.gui.i18n import translate
from f1studio.gui.panels.binding import DocumentView, signals_blocked
from f1studio.gui.wording import said
from f1studio.layout import Planner, default_planner
from f1studio.layout.regions import SUMMARY_PHRASES, LayoutOutcome, apply_layout

# layout shape -> its name in the menu (shown translated)
SHAPE_LABELS = {"fitted": "As named", "box": "Boxes", "ellipse": "Ellipses"}
_SHAPE_LABELS = (  # for the translations
    QT_TRANSLATE_NOOP("LayoutControls", "As named"),
    QT_TRANSLATE_NOOP("LayoutControls", "Boxes"),
    QT_TRANSLATE_NOOP("LayoutControls", "Ellipses"),
)
_SUMMARY_PHRASES = (  # SUMMARY_PHRASES' texts, for the translations
    QT_TRANSLATE_NOOP("LayoutOutcome", "Layout: {parts}"),
    QT_TRANSLATE_NOOP("LayoutOutcome", ", "),
    QT_TRANSLATE_NOOP("LayoutOutcome", "1 region laid out"),
    QT_TRANSLATE_NOOP("LayoutOutcome", "{added} regions laid out"),
    QT_TRANSLATE_NOOP("LayoutOutcome", "{removed} removed"),
    QT_TRANSLATE_NOOP("LayoutOutcome", "{kept} kept as you changed them"),
    QT_TRANSLATE_NOOP("LayoutOutcome", "{unchanged} already in place"),
    QT_TRANSLATE_NOOP("LayoutOutcome", "the whole picture now reads “{prompt}”"),
    QT_TRANSLATE_NOOP("LayoutOutcome", "the whole picture now has no prompt of its own"),
    QT_TRANSLATE_NOOP("LayoutOutcome", "no place words in the prompt"),
    QT_TRANSLATE_NOOP("LayoutOutcome", "no place words in the prompt: nothing to lay out"),
)


_NOTE_TEMPLATES = (  # NOTE_TEMPLATES' texts, for the translations
    QT_TRANSLATE_NOOP(
        "LayoutNotes", "“{said}” does not say which side; read as {left} left of {right}"
    ),
    QT_TRANSLATE_NOOP(
        "LayoutNotes", "“{where}” could describe “{that}” only; read as “{this}” too"
    ),
    QT_TRANSLATE_NOOP(
        "LayoutNotes", "“{phrase}” could mean {names}; read as the last one mentioned"
    ),
    QT_TRANSLATE_NOOP("LayoutNotes", "“it” could mean {names}; read as {chosen}"),
    QT_TRANSLATE_NOOP(
        "LayoutNotes", "“{where}” could describe “{inner}” or “{whole}”; read as “{whole}”"
    ),
    QT_TRANSLATE_NOOP(
        "LayoutNotes",
        "“{order}” places two or three things; {count} were listed, so none is placed",
    ),
)


def layout_notes(outcome: LayoutOutcome) -> tuple[str, ...]:
    """What a Layout found ambiguous and how it read it, in the window's language."""
    return tuple(said(note, "LayoutNotes") for note in outcome.notes)


def layout_summary(outcome: LayoutOutcome) -> str:
    """What a Layout did, one status-bar line in the window's language."""
    return outcome.summary(
        {key: translate("LayoutOutcome", text) for key, text in SUMMARY_PHRASES.items()},
        layout_notes(outcome),
    )


class LayoutControls(DocumentView):
    """**Layout** (one region layer per object phrase, where the words say; one undo step),
    **Before each render** (the window lays out before Generate) and the regions' shape.

    The last layout's notes (what was ambiguous, how it was read) show under the row."""

    aboutToLayOut = Signal()  # the canvas finishes an open stroke first
    laidOut = Signal(object)  # the LayoutOutcome of a Layout that ran

    def __init__(
        self,
        doc: Document | None = None,
        planner: Planner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(doc, parent)
        self.planner = planner or default_planner()
        self.layout_button = QPushButton(self.tr("Layout"))
        self.layout_button.setToolTip(
            self.tr(
                "Make a region layer for each object the prompt places (“a red car on the left, a "
                "blue house on the right”), with the object's words as its prompt; the rest of the "
                "prompt stays for the whole picture. Regions you have changed are kept "
                "(Ctrl+Shift+L)"
            )
        )
        self.auto_check = QCheckBox(self.tr("Before each render"))
        self.auto_check.setToolTip(self.tr("Lay the prompt out again whenever you press Generate"))
        self.shape_combo = QComboBox()
        for shape, label in SHAPE_LABELS.items():
            self.shape_combo.addItem(translate("LayoutControls", label), shape)
        self.shape_combo.setToolTip(
            self.tr(
                "The shape of the regions Layout makes; 'As named': an ellipse for a "
                "circle, a ball or an oval, a triangle for a triangle or a pyramid, else a box"
            )
        )
        self.notes_label = QLabel()
        self.notes_label.setWordWrap(True)
        self.notes_label.setStyleSheet("color: palette(placeholder-text);")
        self.notes_label.setVisible(False)
        self._notes_for: tuple[str, int] | None = None  # (prompt, undo position) of the notes

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.layout_button)
        row.addWidget(self.auto_check)
        row.addWidget(self.shape_combo)
        row.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(row)
        column.addWidget(self.notes_label)

        self.layout_button.clicked.connect(self.lay_out)
        self.auto_check.toggled.connect(lambda on: self._set("layout_auto", bool(on)))
        self.shape_combo.currentIndexChanged.connect(
            lambda i: self._set("layout_shape", self.shape_combo.itemData(i))
        )
        self._bind_initial_document()

    def _set(self, name: str, value: object) -> None:
        if self.document is not None:
            self.edit(self.document.set_setting, name, value)

    def lay_out(self) -> LayoutOutcome | None:
        """Lay the document's prompt out now; reports what it did on the status bar."""
        doc = self.document
        if doc is None:
            return None
        self.aboutToLayOut.emit()
        layout = self.planner.plan(doc.prompt)
        try:
            outcome = apply_layout(
                doc, layout, doc.prompt, shape=doc.settings.layout_shape, label=self.tr("Layout")
            )
        except (ValueError, RuntimeError) as exc:
            self.statusMessage.emit(self.tr("Layout failed: {error}").format(error=exc))
            return None
        self.notes_label.setText("\n".join(layout_notes(outcome)))
        self.notes_label.setVisible(bool(outcome.notes))
        # the notes speak of this prompt and this Layout: they go when either does
        self._notes_for = (doc.prompt, doc.history.position)
        self.statusMessage.emit(layout_summary(outcome))
        self.laidOut.emit(outcome)
        return outcome

    def document_changed(self, change: Change) -> None:
        if change.kind is ChangeKind.SETTINGS:
            self.refresh()
        doc, made = self.document, self._notes_for
        if made is not None and doc is not None:
            prompt, position = made
            if doc.prompt != prompt or doc.history.position < position:
                self._hide_notes()

    def document_replaced(self) -> None:
        self._hide_notes()

    def _hide_notes(self) -> None:
        self._notes_for = None
        self.notes_label.clear()
        self.notes_label.setVisible(False)

    def refresh(self) -> None:
        doc = self.document
        self.setEnabled(doc is not None)
        if doc is None:
            return
        with signals_blocked(self.auto_check, self.shape_combo):
            self.auto_check.setChecked(bool(doc.settings.layout_auto))
            index = self.shape_combo.findData(doc.settings.layout_shape)
            self.shape_combo.setCurrentIndex(max(0, index))
