"""Lists placed in order: "a dog, a cat and a bird from left to right" is read as "a dog on the
left, a cat in the centre and a bird on the right" before the rules see it."""

from __future__ import annotations

import re

from f1studio.layout.notes import SEQUENCE, note

#: order phrase -> the places of 2 and of 3 items, in the order of mention
_ORDERS = {
    "left to right": (
        ("on the left", "on the right"),
        ("on the left", "in the centre", "on the right"),
    ),
    "right to left": (
        ("on the right", "on the left"),
        ("on the right", "in the centre", "on the left"),
    ),
    "top to bottom": (
        ("at the top", "at the bottom"),
        ("at the top", "in the centre", "at the bottom"),
    ),
    "bottom to top": (
        ("at the bottom", "at the top"),
        ("at the bottom", "in the centre", "at the top"),
    ),
}
_MARKER = re.compile(
    r"\s*,?\s*(?:(?:arranged|placed|lined up|in a row|in order)\s+)?(?:from\s+)?"
    r"(?P<order>left to right|right to left|top to bottom|bottom to top)\b",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+", re.IGNORECASE)


def spell_out_sequence(prompt: str) -> tuple[str, str | None]:
    """``prompt`` with a "from left to right" list of two or three things spelled out as
    places; a longer list loses the order words (with a note: the grid has three places);
    without such words, ``prompt`` unchanged. Returns the text and the note (or None)."""
    found = _MARKER.search(prompt)
    if found is None:
        return prompt, None
    before, after = prompt[: found.start()], prompt[found.end() :]
    start = max(before.rfind(";"), before.rfind("."), before.rfind(":")) + 1
    head, listed = before[:start], before[start:]
    items = [item.strip() for item in _SPLIT.split(listed.strip()) if item.strip()]
    order = found.group("order").lower()
    if len(items) not in (2, 3):
        said = note(SEQUENCE, order=order, count=len(items))
        return (before + after).strip(), said
    places = _ORDERS[order][len(items) - 2]
    spelled = [f"{item} {place}" for item, place in zip(items, places, strict=True)]
    joined = ", ".join(spelled[:-1]) + " and " + spelled[-1]
    lead = head + (" " if head and not head.endswith(" ") else "")
    return lead + joined + after, None
