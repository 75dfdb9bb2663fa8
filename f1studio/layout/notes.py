"""The planner's notes: what in a prompt was ambiguous and how it was read.

Each note is a :class:`~f1studio.wording.Wording`: English text that keeps its template, so
the window can show it in its own language. The fields are quotes of the prompt and names of
its objects; they stay as the user wrote them.
"""

from __future__ import annotations

from f1studio.wording import Wording

__all__ = ["NOTE_TEMPLATES", "note"]

BESIDE = "“{said}” does not say which side; read as {left} left of {right}"
SHARED_POSITION = "“{where}” could describe “{that}” only; read as “{this}” too"
WHICH_ONE = "“{phrase}” could mean {names}; read as the last one mentioned"
WHICH_IT = "“it” could mean {names}; read as {chosen}"
ATTACHMENT = "“{where}” could describe “{inner}” or “{whole}”; read as “{whole}”"
SEQUENCE = "“{order}” places two or three things; {count} were listed, so none is placed"

#: every note's template (the window's translations must cover each)
NOTE_TEMPLATES = (BESIDE, SHARED_POSITION, WHICH_ONE, WHICH_IT, ATTACHMENT, SEQUENCE)


def note(template: str, **fields: object) -> Wording:
    """A note made from one of :data:`NOTE_TEMPLATES`."""
    if template not in NOTE_TEMPLATES:
        raise ValueError(f"not a layout note: {template!r}")
    return Wording(template, **fields)
