"""Names of undo steps, in English, that remember how they were made.

The Edit menu and the Undo History panel show a step's name ("Opacity: 1 → 0.5", "Add edge
guide"). The document has no Qt, so it names steps in English; a :class:`StepName` is that
English text (a ``str``, so it compares and prints as before) that also keeps its template and
its fields (see :mod:`f1studio.wording`). A window in another language translates the template
and the words among the fields; numbers and layer names stay. :data:`TEMPLATES` and
:data:`WORDS` list everything it has to know.
"""

from __future__ import annotations

from f1studio.document.curves import preset_of
from f1studio.wording import Wording

__all__ = ["TEMPLATES", "TEXT_STEPS", "WORDS", "StepName", "describe_change", "is_text_step"]


class StepName(Wording):
    """An undo step's English name with the template and fields it was made from."""


#: every template a step name can have (the window's translations must cover each)
TEMPLATES = (
    "Hide layer",
    "Show layer",
    "Unlock layer",
    "Lock layer",
    "Rename layer",
    "Edit prompt",
    "Edit negative prompt",
    "Edit region prompt",
    "Edit region negative prompt",
    "Edit LoRAs",
    "Add layer",
    "Add {kind}",
    "Duplicate layer",
    "Remove layer",
    "Move layer",
    "Replace pixels",
    "Paint",
    "Fill rectangle",
    "Change step range",
    "Strength curve: {preset}",
    "Step range: {before} → {after}",
    "{field}: {before} → {after}",
    "Change {field}",
)

#: the steps that typing in a text field makes (its own Ctrl+Z takes them back a word at a time)
TEXT_STEPS = frozenset(
    {
        "Rename layer",
        "Edit prompt",
        "Edit negative prompt",
        "Edit region prompt",
        "Edit region negative prompt",
    }
)


def is_text_step(name: str | None) -> bool:
    """Whether ``name`` (a step's name, None for none) is typing in a text field."""
    return isinstance(name, StepName) and name.template in TEXT_STEPS


#: the properties' names in "{field}: {before} → {after}", as the layer panel calls them
FIELD_NAMES = {
    "opacity": "Opacity",
    "weight": "Weight",
    "balance": "Mode",
    "strength": "Strength",
    "feather": "Feather",
    "region": "Limit to",
    "use": "Steers",
    "start": "Start",
    "end": "End",
}
#: a reference picture's uses as the layer panel names them
USE_NAMES = {
    "trace": "Trace only",
    "style": "Style",
    "subject": "Subject",
    "composition": "Composition",
}
WHOLE_CANVAS = "the whole canvas"  # a guide limited to no region
CUSTOM = "custom"  # a strength curve that is no preset
NONE = "none"

#: the words a field may hold that a window translates (numbers and layer names stay)
WORDS = (
    *FIELD_NAMES.values(),
    *USE_NAMES.values(),
    WHOLE_CANVAS,
    CUSTOM,
    NONE,
    "Constant",  # the strength curves' presets (document.curves.CURVE_PRESETS)
    "Structure first",
    "Texture later",
    "Ease in/out",
    "paint",
    "edge guide",
    "depth guide",
    "reference image",
    "region",
    "inpaint mask",
)

_SWITCHES = {"visible": ("Hide layer", "Show layer"), "locked": ("Unlock layer", "Lock layer")}
_TEXTS = {
    "name": "Rename layer",
    "prompt": "Edit prompt",
    "negative_prompt": "Edit negative prompt",
    "loras": "Edit LoRAs",
}


def describe_change(
    name: str, before: object, after: object, shown: tuple[str, str] | None = None
) -> StepName:
    """A short name for a changed value: "Hide layer", "Edit prompt", "Opacity: 1 → 0.5".
    ``shown`` gives the two values as the window names them (a region's layer name)."""
    if name in _SWITCHES:
        return StepName(_SWITCHES[name][bool(after)])
    if name in _TEXTS:
        return StepName(_TEXTS[name])
    if name == "curve":  # a guide's strength curve: its preset's name, or "custom"
        return StepName("Strength curve: {preset}", preset=preset_of(after) or CUSTOM)  # type: ignore[arg-type]
    field = FIELD_NAMES.get(name, name.replace("_", " ").capitalize())
    if shown is None:
        shown = (_short(name, before), _short(name, after))
    return StepName("{field}: {before} → {after}", field=field, before=shown[0], after=shown[1])


def _short(name: str, value: object) -> str:
    if name == "use" and isinstance(value, str):
        return USE_NAMES.get(value, value)
    if isinstance(value, float):
        return f"{value:.3g}"
    return NONE if value is None else str(value)
