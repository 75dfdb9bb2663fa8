"""Undo steps' names in the window's language.

The document names its steps in English (:class:`~f1studio.document.step_names.StepName`,
which keeps the template and fields each name was made from); this module says them in the
language the window runs in: the template and the words among the fields are translated,
numbers and layer names stay. A name the window made itself (a stroke's "Paint", "Layout") is
already translated and passes unchanged.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP

from f1studio.gui.wording import said

__all__ = ["MARKED", "step_text"]

_CONTEXT = "UndoSteps"

#: every template and word of ``document.step_names``, marked for the catalogue
MARKED = (
    QT_TRANSLATE_NOOP("UndoSteps", "Hide layer"),
    QT_TRANSLATE_NOOP("UndoSteps", "Show layer"),
    QT_TRANSLATE_NOOP("UndoSteps", "Unlock layer"),
    QT_TRANSLATE_NOOP("UndoSteps", "Lock layer"),
    QT_TRANSLATE_NOOP("UndoSteps", "Rename layer"),
    QT_TRANSLATE_NOOP("UndoSteps", "Edit prompt"),
    QT_TRANSLATE_NOOP("UndoSteps", "Edit negative prompt"),
    QT_TRANSLATE_NOOP("UndoSteps", "Edit region prompt"),
    QT_TRANSLATE_NOOP("UndoSteps", "Edit region negative prompt"),
    QT_TRANSLATE_NOOP("UndoSteps", "Edit LoRAs"),
    QT_TRANSLATE_NOOP("UndoSteps", "Add layer"),
    QT_TRANSLATE_NOOP("UndoSteps", "Add {kind}"),
    QT_TRANSLATE_NOOP("UndoSteps", "Duplicate layer"),
    QT_TRANSLATE_NOOP("UndoSteps", "Remove layer"),
    QT_TRANSLATE_NOOP("UndoSteps", "Move layer"),
    QT_TRANSLATE_NOOP("UndoSteps", "Replace pixels"),
    QT_TRANSLATE_NOOP("UndoSteps", "Paint"),
    QT_TRANSLATE_NOOP("UndoSteps", "Fill rectangle"),
    QT_TRANSLATE_NOOP("UndoSteps", "Change step range"),
    QT_TRANSLATE_NOOP("UndoSteps", "Strength curve: {preset}"),
    QT_TRANSLATE_NOOP("UndoSteps", "Step range: {before} → {after}"),
    QT_TRANSLATE_NOOP("UndoSteps", "{field}: {before} → {after}"),
    QT_TRANSLATE_NOOP("UndoSteps", "Change {field}"),
    QT_TRANSLATE_NOOP("UndoSteps", "Opacity"),
    QT_TRANSLATE_NOOP("UndoSteps", "Weight"),
    QT_TRANSLATE_NOOP("UndoSteps", "Mode"),
    QT_TRANSLATE_NOOP("UndoSteps", "Strength"),
    QT_TRANSLATE_NOOP("UndoSteps", "Feather"),
    QT_TRANSLATE_NOOP("UndoSteps", "Limit to"),
    QT_TRANSLATE_NOOP("UndoSteps", "Steers"),
    QT_TRANSLATE_NOOP("UndoSteps", "Start"),
    QT_TRANSLATE_NOOP("UndoSteps", "End"),
    QT_TRANSLATE_NOOP("UndoSteps", "Trace only"),
    QT_TRANSLATE_NOOP("UndoSteps", "Style"),
    QT_TRANSLATE_NOOP("UndoSteps", "Subject"),
    QT_TRANSLATE_NOOP("UndoSteps", "Composition"),
    QT_TRANSLATE_NOOP("UndoSteps", "the whole canvas"),
    QT_TRANSLATE_NOOP("UndoSteps", "custom"),
    QT_TRANSLATE_NOOP("UndoSteps", "none"),
    QT_TRANSLATE_NOOP("UndoSteps", "Constant"),
    QT_TRANSLATE_NOOP("UndoSteps", "Structure first"),
    QT_TRANSLATE_NOOP("UndoSteps", "Texture later"),
    QT_TRANSLATE_NOOP("UndoSteps", "Ease in/out"),
    QT_TRANSLATE_NOOP("UndoSteps", "paint"),
    QT_TRANSLATE_NOOP("UndoSteps", "edge guide"),
    QT_TRANSLATE_NOOP("UndoSteps", "depth guide"),
    QT_TRANSLATE_NOOP("UndoSteps", "reference image"),
    QT_TRANSLATE_NOOP("UndoSteps", "region"),
    QT_TRANSLATE_NOOP("UndoSteps", "inpaint mask"),
)


def step_text(name: str) -> str:
    """An undo step's name as the Edit menu and the Undo History show it."""
    return said(name, _CONTEXT)
