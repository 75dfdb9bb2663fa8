"""From units to objects: which phrases are objects, what "the plate" and "it" refer to, the
relations between objects (normalised to left/above/front), notes, and the remainder."""

from __future__ import annotations

from dataclasses import dataclass, field

from f1studio.layout import words as W
from f1studio.layout.markers import Tok
from f1studio.layout.notes import ATTACHMENT, BESIDE, SHARED_POSITION, WHICH_IT, WHICH_ONE, note
from f1studio.layout.phrases import Mention, Span, Unit, clauses, tidy, units

#: A relation (a, kind, b): a is left of / above / in front of b.
Relation = tuple[int, str, int]

_NORMAL = {
    "left": (False, "left"),
    "right": (True, "left"),
    "above": (False, "above"),
    "below": (True, "above"),
    "front": (False, "front"),
    "behind": (True, "front"),
    "beside": (False, "left"),
}


@dataclass
class ObjectSpec:
    phrase: str  # for one instance (singular for a counted group)
    name: str
    count: int
    size: str | None
    cell: str | None
    depth: str | None  # "front", "back" or None
    mention: Mention


@dataclass
class Parse:
    objects: list[ObjectSpec] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    remainder: str = ""
    notes: list[str] = field(default_factory=list)
    subjects: set[int] = field(default_factory=set)  # objects placed relative to another


def parse(prompt: str) -> Parse:
    out = Parse()
    all_units = [u for clause in clauses(prompt) for u in _clause_units(clause, out.notes, prompt)]
    _attach_loose_positions(all_units)
    consumed: list[Span] = []
    for unit in all_units:
        if not unit.spatial or unit.scene:
            continue
        consumed.extend(_spare_gaps(unit.span, unit.spare) + unit.swallowed)
        index = [_resolve(out, prompt, m) for m in unit.mentions]
        for a, rel, b in unit.relations:
            me = index[a]
            target = index[b] if b >= 0 else None
            if me is None:
                continue
            if target is None:
                target = _last_other(out, me)
            if target is None or target == me:
                continue
            swap, kind = _NORMAL[rel.value]
            out.subjects.add(me)
            pair = (target, me) if swap else (me, target)
            out.relations.append((pair[0], kind, pair[1]))
            if rel.value == "beside":
                x, y = out.objects[me].name, out.objects[target].name
                said = unit.marker_text.get(id(rel), "next to")
                out.notes.append(note(BESIDE, said=said, left=x, right=y))
    if not out.objects:
        return Parse(remainder=prompt.strip())
    for spec in out.objects:
        spec.phrase = _phrase(prompt, spec.mention)
        _note_attachment(out, prompt, spec.mention)
    out.remainder = tidy(prompt, consumed)
    return out


def _clause_units(clause: list[Tok], notes: list[str], prompt: str) -> list[Unit]:
    found = units(clause)
    if not any(u.spatial for u in found):
        return found
    for k, u in enumerate(found):
        # a sibling joined by "and" is an object too ("a cat on the left and a dog")
        if u.spatial or not u.mentions or not u.starts_np or u.loose:
            continue
        u.spatial = True
        after = found[k + 1] if k + 1 < len(found) else None
        if after is None or after.relations or len(after.mentions) != 1 or len(u.mentions) != 1:
            continue
        mine, theirs = u.mentions[0], after.mentions[0]
        if theirs.cell is None or theirs.fronted or mine.np.count > 1 or theirs.np.count > 1:
            continue
        # "a book and a pen at the bottom": the position is read as both objects'
        mine.cell = theirs.cell
        mine.positions = list(theirs.positions)
        where = prompt[theirs.positions[0][0] : theirs.positions[0][1]]
        this, that = mine.np.text(prompt), theirs.np.text(prompt)
        notes.append(note(SHARED_POSITION, where=where, that=that, this=this))
    return found


def _attach_loose_positions(all_units: list[Unit]) -> None:
    """A position typed before its noun phrase ("on the left, a cat") or in its own clause."""
    for k, unit in enumerate(all_units):
        if not unit.loose or unit.mentions:
            continue
        later = [u for u in all_units[k + 1 :] if u.mentions and not u.scene]
        earlier = [u for u in all_units[:k] if u.mentions and not u.scene and u.spatial]
        target = later[0] if later else (earlier[-1] if earlier else None)
        if target is None:
            unit.spatial = False
            continue
        mention = target.mentions[0]
        if mention.cell is not None and target in later:
            continue
        toks_marker = unit.loose
        mention.fronted = target in later
        for marker in toks_marker:
            if marker.kind == "pos":
                mention.cell = marker.value
            elif marker.kind == "depth":
                mention.depth = marker.value
        mention.positions.append(unit.span)
        target.spatial = True
        unit.spatial = True
        unit.scene = False
        unit.spare = []


def _spare_gaps(span: Span, spare: list[Span]) -> list[Span]:
    """``span`` less the spare pieces in it."""
    out: list[Span] = []
    at = span[0]
    for a, b in sorted(spare):
        if a > at:
            out.append((at, a))
        at = max(at, b)
    if at < span[1]:
        out.append((at, span[1]))
    return out


def _resolve(out: Parse, prompt: str, mention: Mention) -> int | None:
    """The object a mention names: an earlier one ("the plate", "it") or a new one."""
    np = mention.np
    if np.is_pronoun:
        return None  # "it": resolved against the relation's other object
    if np.definite and np.count == 1:
        found = [
            i
            for i, o in enumerate(out.objects)
            if (np.head in (o.mention.np.head, "one")) and np.adjectives <= o.mention.np.adjectives
        ]
        if found:
            chosen = found[-1]
            if len(found) > 1:
                names = " or ".join(f"the {out.objects[i].name}" for i in found)
                out.notes.append(note(WHICH_ONE, phrase=np.text(prompt), names=names))
            old = out.objects[chosen]
            if old.cell is None and mention.cell is not None:
                old.cell = mention.cell
                old.mention.positions.extend(mention.positions)
            old.depth = old.depth or mention.depth
            return chosen
    out.objects.append(
        ObjectSpec(
            phrase="",
            name=np.name(prompt),
            count=np.count,
            size=np.size,
            cell=mention.cell,
            depth=mention.depth,
            mention=mention,
        )
    )
    return len(out.objects) - 1


def _last_other(out: Parse, me: int) -> int | None:
    """What "it" / "its" means: the latest object other than the one it is said of."""
    others = [i for i in range(len(out.objects)) if i != me]
    if not others:
        return None
    # prefer an anchor: an object not itself placed relative to another ("a bowl ..., a
    # bottle to its left, a candle to its right": both "its" mean the bowl)
    anchors = [i for i in others if i not in out.subjects] or others
    chosen = anchors[-1]
    if len(others) > 1:
        names = " or ".join(out.objects[i].name for i in others)
        out.notes.append(note(WHICH_IT, names=names, chosen=out.objects[chosen].name))
    return chosen


def _phrase(prompt: str, mention: Mention) -> str:
    np = mention.np
    pieces = [(mention.start, np.singular_text(prompt))]
    pieces += [(a, prompt[a:b]) for a, b in mention.tails]
    for a, b in mention.positions:
        text = prompt[a:b].strip(" ,;")
        if mention.fronted and a < mention.start:
            a += len(prompt)
            text = text[:1].lower() + text[1:] if not text[1:2].isupper() else text
        pieces.append((a, text))
    return " ".join(text for _, text in sorted(pieces) if text)


def _note_attachment(out: Parse, prompt: str, mention: Mention) -> None:
    """ "a woman with a hat on the left": the position could describe the hat or the woman."""
    np = mention.np
    toks = np.toks
    if not mention.positions or mention.fronted or np.core_end >= len(toks):
        return
    if toks[np.core_end].low not in ("with", "wearing", "holding", "and"):
        return
    inner = (
        prompt[toks[np.core_end + 1].start : toks[-1].end] if np.core_end + 1 < len(toks) else ""
    )
    if not inner or inner.split()[0].lower() not in W.DETERMINERS | set(W.NUMBERS):
        return
    where = prompt[mention.positions[0][0] : mention.positions[0][1]]
    whole = np.text(prompt)
    out.notes.append(note(ATTACHMENT, where=where, inner=inner, whole=whole))
