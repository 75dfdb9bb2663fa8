"""English wordings from below the window, said in the window's language.

A :class:`~f1studio.wording.Wording` keeps the template and fields its English text was made
from; :func:`said` translates the template in a catalogue context and each field in the same
context (a field the catalogue does not know, a number or a name, stays as it is). Any other
text passes unchanged: it was made in the window's language already.
"""

from __future__ import annotations

from f1studio.gui.i18n import translate
from f1studio.wording import Wording

__all__ = ["said"]


def said(text: str, context: str) -> str:
    """``text`` in the window's language, its template and words looked up in ``context``."""
    if not isinstance(text, Wording):
        return text
    fields = {key: translate(context, value) for key, value in text.fields.items()}
    return translate(context, text.template).format(**fields)
