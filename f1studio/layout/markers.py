"""Tokens and the spatial markers found among them: positions, depth words and relations.

A marker is a run of tokens: ``pos`` (a cell of the 3x3 grid: "on the left", "in the upper
right corner"), ``depth`` ("in the foreground" = front, "in the background" = back) or
``rel`` (a relation to the noun phrase after it: "to the left of", "above", "in front of").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from f1studio.layout import words as W

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?|[^\sA-Za-z0-9]")


@dataclass(frozen=True)
class Tok:
    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def is_word(self) -> bool:
        return self.text[:1].isalnum()


@dataclass(frozen=True)
class Marker:
    start: int  # token indices, end exclusive
    end: int
    kind: str  # "pos", "depth" or "rel"
    value: str  # a cell ("top left"), "front"/"back", or a relation ("left", "above", ...)
    implicit: bool = False  # a relation whose other object is a pronoun inside it ("to its left")


def tokenize(text: str) -> list[Tok]:
    return [Tok(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def scan(toks: list[Tok]) -> list[Marker]:
    """Every marker in ``toks``, left to right, not overlapping."""
    found: list[Marker] = []
    i = 0
    while i < len(toks):
        marker = match_at(toks, i)
        if marker is None:
            i += 1
        else:
            found.append(marker)
            i = marker.end
    return found


def _low(toks: list[Tok], i: int) -> str:
    return toks[i].low if 0 <= i < len(toks) else ""


def _boundary_ok(toks: list[Tok], i: int) -> bool:
    """May a position phrase end just before token ``i``?"""
    if i >= len(toks) or not toks[i].is_word:
        return True
    word = toks[i].low
    fronted = word in W.ARTICLES or word in W.NUMBERS  # "on the left a cat"
    return word in W.FOLLOWERS or word in W.COPULAS or word.endswith("ing") or fronted


def _has_object_after(toks: list[Tok], i: int) -> bool:
    return i < len(toks) and toks[i].is_word and toks[i].low not in W.JOINERS


def _head_after(toks: list[Tok], i: int) -> str:
    """The last word of the noun phrase core that starts at ``i`` ("a stormy sky" -> "sky")."""
    head = ""
    while i < len(toks) and toks[i].is_word:
        word = toks[i].low
        if head and (word in W.MODIFIER_STARTS or word in W.JOINERS):
            break
        head = word
        i += 1
    return head


def match_at(toks: list[Tok], i: int) -> Marker | None:
    return _depth(toks, i) or _relation(toks, i) or _position(toks, i)


def _depth(toks: list[Tok], i: int) -> Marker | None:
    if _low(toks, i) != "in":
        return None
    j = i + 1
    if _low(toks, j) == "the":
        j += 1
    if _low(toks, j) in ("far", "distant"):
        j += 1
    word = _low(toks, j)
    if word == "foreground":
        return Marker(i, j + 1, "depth", "front")
    if word in ("background", "distance") and _low(toks, j + 1) != "of":
        return Marker(i, j + 1, "depth", "back")
    return None


_SIMPLE_RELATIONS = {
    "above": "above",
    "over": "above",
    "atop": "above",
    "below": "below",
    "under": "below",
    "beneath": "below",
    "underneath": "below",
    "behind": "behind",
    "beside": "beside",
    "alongside": "beside",
}


def _relation(toks: list[Tok], i: int) -> Marker | None:
    word = _low(toks, i)
    end, value = 0, ""
    if word in _SIMPLE_RELATIONS:
        end, value = i + 1, _SIMPLE_RELATIONS[word]
        if word == "over" and _low(toks, i - 1) == "all":
            return None
    elif word == "next" and _low(toks, i + 1) == "to":
        end, value = i + 2, "beside"
    elif word == "on" and _low(toks, i + 1) == "top" and _low(toks, i + 2) == "of":
        end, value = i + 3, "above"
    elif word == "in" and _low(toks, i + 1) == "front" and _low(toks, i + 2) == "of":
        end, value = i + 3, "front"
    elif word in ("to", "on", "at") and _low(toks, i + 1) in ("its", "their", "his", "her"):
        side = _low(toks, i + 2)
        if side in W.HORIZONTAL and _boundary_ok(toks, i + 3):
            return Marker(i, i + 3, "rel", side, implicit=True)
        return None
    else:
        return None
    if not _has_object_after(toks, end):
        return None
    if word in W.AMBIENT_RELATIONS and _ambient(toks, i, end):
        return None
    return Marker(i, end, "rel", value)


def _ambient(toks: list[Tok], i: int, end: int) -> bool:
    """ "under the stars", "a moonlit night over the lake": surroundings, not two objects."""
    return _head_after(toks, end) in W.AMBIENT or _low(toks, i - 1) in W.AMBIENT


_BARE_LEADS = frozenset({"slightly", "just", "far"})
_RUN_WORDS = (
    set(W.VERTICAL) | W.HORIZONTAL | W.CENTRE | W.INTENSIFIERS | W.SIDE_WORDS | {"-", "hand"}
)


def _position(toks: list[Tok], i: int) -> Marker | None:
    word = _low(toks, i)
    j = i
    prep = word in W.POSITION_PREPS
    article = False
    if prep:
        j += 1
        if _low(toks, j) == "the":
            article = True
            j += 1
    elif word not in W.VERTICAL and word not in W.HORIZONTAL and word not in _BARE_LEADS:
        return None
    run_start = j
    while j < len(toks) and toks[j].low in _RUN_WORDS:
        j += 1
    while j > run_start and toks[j - 1].low == "-":
        j -= 1
    run = [t.low for t in toks[run_start:j]]
    vertical = [W.VERTICAL[w] for w in run if w in W.VERTICAL]
    horizontal = [w for w in run if w in W.HORIZONTAL]
    centre = any(w in W.CENTRE for w in run)
    sided = any(w in W.SIDE_WORDS for w in run)
    if not (vertical or horizontal or centre):
        return None
    if not prep and not (vertical and horizontal):
        # bare words: "left of centre", or a corner such as "top-left" / "upper right corner"
        plain = [w for w in run if w not in W.INTENSIFIERS]
        if not (horizontal and plain == horizontal[:1] and _low(toks, j) == "of"):
            return None
    if prep and word == "on" and not article and run in (["top"], ["bottom"]):
        return None  # "a cherry on top"
    cell = _cell(vertical, horizontal)
    if _low(toks, j) == "of":
        k = j + 1
        if _low(toks, k) in ("the", "this", "our"):
            k += 1
        if _low(toks, k) in W.CANVAS_NOUNS:
            return Marker(i, k + 1, "pos", cell) if _boundary_ok(toks, k + 1) else None
        if horizontal and _low(toks, j + 1) in W.CENTRE:
            return Marker(i, j + 2, "pos", horizontal[-1])
        if sided or centre or not _has_object_after(toks, j + 1):
            return None  # "on the right side of the road", "in the middle of nowhere"
        if _ambient(toks, i, j + 1):
            return None
        if horizontal and not vertical:
            return Marker(i, j + 1, "rel", horizontal[-1])
        if vertical and not horizontal and prep:
            return Marker(i, j + 1, "rel", "above" if vertical[-1] == "top" else "below")
        return None
    if not prep and not (vertical and horizontal):
        return None
    if not _boundary_ok(toks, j):
        return None
    return Marker(i, j, "pos", cell)


def _cell(vertical: list[str], horizontal: list[str]) -> str:
    v = vertical[-1] if vertical else ""
    h = horizontal[-1] if horizontal else ""
    if v and h:
        return f"{v} {h}"
    return v or h or "centre"
