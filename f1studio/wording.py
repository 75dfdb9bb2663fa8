"""English text that remembers how it was made, so a window can say it in its own language.

The packages below the window have no Qt and speak English: an undo step's name ("Opacity:
1 → 0.5"), a layout note ("“beside” does not say which side; …"). A :class:`Wording` is that
English text, a ``str`` that compares, prints and saves as before, which also keeps its
template and fields. The window translates the template and, where it knows them, the fields
(``f1studio.gui.wording``); each module that makes wordings lists its templates for the
catalogue.
"""

from __future__ import annotations

__all__ = ["Wording"]


class Wording(str):
    """English text with the template and fields it was formatted from."""

    template: str
    fields: dict[str, str]

    def __new__(cls, template: str, **fields: object) -> Wording:
        texts = {key: str(value) for key, value in fields.items()}
        made = super().__new__(cls, template.format(**texts))
        made.template = template
        made.fields = texts
        return made
