"""Split a prompt into clauses and units, and each unit into noun phrases with their markers.

A clause ends at a comma, semicolon, full stop or a background description ("on a yellow
background"). A clause splits into units at "and" (or "with", "while") where a new noun phrase
begins. A unit holds one noun phrase, or several joined by relations ("a cup to the left of
a plate"); each phrase keeps its own position and depth words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from f1studio.layout import words as W
from f1studio.layout.markers import Marker, Tok, match_at, scan, tokenize
from f1studio.layout.nouns import NounPhrase, analyse

Span = tuple[int, int]

_SEPARATORS = frozenset({",", ";", ".", ":", "!", "?", "|", "(", ")", "[", "]"})
_BACKGROUND = re.compile(
    r"\b(?:on|against|with|over|in front of)\s+(?:(?:a|an|the)\s+)?(?:[\w'-]+\s+){0,5}?"
    r"(?:background|backdrop)s?\b"
    r"(?:\s+split\s+(?:left and right|top and bottom|horizontally|vertically|in half))?",
    re.IGNORECASE,
)


@dataclass
class Mention:
    np: NounPhrase
    cell: str | None = None
    depth: str | None = None
    positions: list[Span] = field(default_factory=list)  # typed position words
    tails: list[Span] = field(default_factory=list)  # attached modifiers after a position
    fronted: bool = False  # the position came first ("on the left, a cat")

    @property
    def start(self) -> int:
        return self.np.toks[0].start

    def add(self, marker: Marker, toks: list[Tok]) -> None:
        if marker.kind == "pos":
            self.cell = marker.value
        else:
            self.depth = marker.value
        self.positions.append((toks[marker.start].start, toks[marker.end - 1].end))


@dataclass
class Unit:
    """A run of one clause: its noun phrases and the relations between them."""

    span: Span
    mentions: list[Mention] = field(default_factory=list)
    # (index of the mention, relation as typed, index of the other or -1 for "its")
    relations: list[tuple[int, Marker, int]] = field(default_factory=list)
    spare: list[Span] = field(default_factory=list)  # text that stays in the remainder
    loose: list[Marker] = field(default_factory=list)  # positions with no noun phrase
    spatial: bool = False
    scene: bool = False  # "a beach scene" before "with ...": part of the remainder
    starts_np: bool = False
    swallowed: list[Span] = field(default_factory=list)  # consumed text between units
    marker_text: dict[int, str] = field(default_factory=dict)


def clauses(prompt: str) -> list[list[Tok]]:
    """The prompt's clauses (background descriptions left out: they stay in the remainder)."""
    hidden = [m.span() for m in _BACKGROUND.finditer(prompt)]
    out: list[list[Tok]] = [[]]
    for tok in tokenize(prompt):
        if tok.text in _SEPARATORS or any(a <= tok.start < b for a, b in hidden):
            if out[-1]:
                out.append([])
            continue
        out[-1].append(tok)
    return [c for c in out if c]


def units(clause: list[Tok]) -> list[Unit]:
    markers = scan(clause)
    inside = {i for m in markers for i in range(m.start, m.end)}
    pieces: list[tuple[int, int, bool]] = []
    swallowed: list[tuple[int, Span]] = []  # participles between two units ("facing")
    start = 0
    for i, tok in enumerate(clause):
        if i in inside or i <= start or i + 1 >= len(clause):
            continue
        low = tok.low
        after_marker = any(m.end == i and m.kind != "rel" for m in markers)
        rest_spatial = any(m.start > i for m in markers) or analyse(clause[i + 1 :]).count > 1
        scene = False
        participle = low.endswith("ing") or low in W.ATTACHED_TAILS - {"with"}
        if participle and after_marker and rest_spatial and _starts_np(clause, i + 1):
            cut = True  # "a samurai on the left facing a dragon on the right"
        elif low in ("and", "&", "plus", "while"):
            cut = _starts_np(clause, i + 1) or (after_marker and rest_spatial)
        elif low == "with":
            scene = analyse(clause[start:i]).head in W.SCENE_NOUNS and rest_spatial
            cut = (after_marker and rest_spatial) or scene
        else:
            cut = False
        if cut:
            pieces.append((start, i, scene))
            if participle:
                swallowed.append((len(pieces) - 1, (tok.start, tok.end)))
            start = i + 1
    pieces.append((start, len(clause), False))
    out: list[Unit] = []
    for lo, hi, scene in pieces:
        own = [Marker(m.start - lo, m.end - lo, m.kind, m.value, m.implicit) for m in markers]
        own = [m for m in own if m.start >= 0 and m.end <= hi - lo]
        unit = parse_unit(clause[lo:hi], own)
        unit.scene = scene
        unit.starts_np = _starts_np(clause, lo)
        out.append(unit)
    for k, span in swallowed:
        out[k].swallowed.append(span)
    return out


def _starts_np(toks: list[Tok], i: int) -> bool:
    if i >= len(toks):
        return False
    low = toks[i].low
    if low in W.DETERMINERS - {"her", "that", "this"} or low in W.NUMBERS or low.isdigit():
        return True
    marker = match_at(toks, i)
    return marker is not None and marker.kind != "rel"


def parse_unit(toks: list[Tok], markers: list[Marker]) -> Unit:
    unit = Unit((toks[0].start, toks[-1].end))
    rels = [m for m in markers if m.kind == "rel"]
    if len(rels) == 1 and _inner_antecedent(unit, toks, markers, rels[0]):
        unit.spatial = True
        return unit
    bounds = [0] + [r.end for r in rels]
    ends = [r.start for r in rels] + [len(toks)]
    seg_index: list[int] = []
    for k, (lo, hi) in enumerate(zip(bounds, ends, strict=True)):
        own = [m for m in markers if m.kind != "rel" and lo <= m.start and m.end <= hi]
        if k == 0:
            lo = _scene_prefix(unit, toks, lo, hi, bool(markers))
        mention = _segment(unit, toks, lo, hi, own)
        seg_index.append(len(unit.mentions) if mention else -1)
        if mention:
            unit.mentions.append(mention)
    for k, rel in enumerate(rels):
        a, b = seg_index[k], -1 if rel.implicit else seg_index[k + 1]
        if a >= 0 and (b >= 0 or rel.implicit):
            unit.relations.append((a, rel, b))
            unit.marker_text[id(rel)] = _text(toks, rel.start, rel.end)
    counted = any(m.np.count > 1 for m in unit.mentions)
    unit.spatial = bool(markers) or counted
    return unit


def _inner_antecedent(unit: Unit, toks: list[Tok], markers: list[Marker], rel: Marker) -> bool:
    """ "a box with a hat on top of it": "it" is the box, named in the same phrase."""
    after = toks[rel.end :]
    pronoun = rel.implicit or (len(after) == 1 and after[0].low in W.PRONOUNS)
    if not pronoun:
        return False
    w = next((i for i in range(1, rel.start - 1) if toks[i].low in ("with", "and")), -1)
    if w < 0 or not _starts_np(toks, w + 1):
        return False
    own = [m for m in markers if m.kind != "rel"]
    first = _segment(unit, toks, 0, w, [m for m in own if m.end <= w])
    second = _segment(unit, toks, w + 1, rel.start, [m for m in own if m.start > w])
    if first is None or second is None:
        return False
    unit.mentions += [first, second]
    unit.relations.append((1, rel, 0))
    unit.marker_text[id(rel)] = _text(toks, rel.start, rel.end)
    return True


def _text(toks: list[Tok], lo: int, hi: int) -> str:
    return " ".join(t.text for t in toks[lo:hi])


def _scene_prefix(unit: Unit, toks: list[Tok], lo: int, hi: int, spatial: bool) -> int:
    """Skip "a photo of" before the first noun phrase (it stays in the remainder)."""
    for i in range(lo + 1, hi - 1):
        if toks[i].low != "of":
            continue
        if toks[i - 1].low in W.SCENE_NOUNS and (spatial or analyse(toks[i + 1 : hi]).count > 1):
            unit.spare.append((toks[lo].start, toks[i].end))
            return i + 1
        return lo
    return lo


def _segment(unit: Unit, toks: list[Tok], lo: int, hi: int, own: list[Marker]) -> Mention | None:
    """One noun phrase with its own markers, from tokens ``lo:hi`` of a unit."""
    lead: list[Marker] = []
    rest = list(own)
    while lo < hi and toks[lo].low in W.JOINERS:
        lo += 1
    np_lo = lo
    while rest and rest[0].start == np_lo:
        lead.append(rest[0])
        np_lo = rest.pop(0).end
    np_hi = rest[0].start if rest else hi
    np_toks = toks[np_lo:np_hi]
    while np_toks and (np_toks[-1].low in W.COPULAS or not np_toks[-1].is_word):
        np_toks = np_toks[:-1]
    while np_toks and np_toks[0].low in W.JOINERS:
        np_toks = np_toks[1:]
    if not np_toks:
        unit.loose.extend(lead + rest)
        if lo < hi and not lead and not rest:
            unit.spare.append((toks[lo].start, toks[hi - 1].end))
        return None
    mention = Mention(analyse(np_toks), fronted=bool(lead))
    for marker in lead + rest:
        mention.add(marker, toks)
    for k, marker in enumerate(rest):
        gap_hi = rest[k + 1].start if k + 1 < len(rest) else hi
        if marker.end >= gap_hi:
            continue
        span = (toks[marker.end].start, toks[gap_hi - 1].end)
        first = toks[marker.end].low
        attached = first in W.ATTACHED_TAILS or first.endswith("ing")
        (mention.tails if attached else unit.spare).append(span)
    return mention


def tidy(prompt: str, consumed: list[Span]) -> str:
    """The prompt without the consumed spans, separators and joiners tidied."""
    pieces: list[str] = []
    at = 0
    for a, b in sorted(consumed) + [(len(prompt), len(prompt))]:
        if a > at:
            pieces.append(prompt[at:a])
        at = max(at, b)
    out = []
    for piece in pieces:
        toks = tokenize(piece)
        lead = W.JOINERS | _SEPARATORS - {"(", "["}
        trail = W.JOINERS | _SEPARATORS - {")", "]", ".", "!", "?"} | {"of"}
        while toks and toks[0].low in lead:
            toks.pop(0)
        while toks and toks[-1].low in trail:
            toks.pop()
        if toks:
            out.append(piece[toks[0].start : toks[-1].end])
    return ", ".join(out)
