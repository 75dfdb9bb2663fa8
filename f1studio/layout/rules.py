"""The rule-based planner: English spatial phrases to boxes, offline and instant."""

from __future__ import annotations

from f1studio.layout.boxes import Item, place
from f1studio.layout.plan import Layout, LayoutObject
from f1studio.layout.resolve import parse
from f1studio.layout.sequence import spell_out_sequence


class RulePlanner:
    """Reads positions, relations, counts, sizes and depth words (see ``docs``/the package)."""

    name = "rules"

    def plan(self, prompt: str) -> Layout:
        spelled, note = spell_out_sequence(prompt)
        parsed = parse(spelled)
        if note is not None:
            parsed.notes.append(note)
        if not parsed.objects:
            return Layout(objects=(), remainder=prompt.strip(), notes=tuple(parsed.notes))
        items = [Item(o.count, o.size, o.cell, o.depth) for o in parsed.objects]
        placed = place(items, parsed.relations)
        objects: list[LayoutObject] = []
        for spec, boxes in zip(parsed.objects, placed, strict=True):
            for k, (box, depth) in enumerate(boxes):
                name = f"{spec.name} {k + 1}" if spec.count > 1 else spec.name
                objects.append(LayoutObject(spec.phrase, name, box, depth))
        return Layout(tuple(objects), parsed.remainder, tuple(dict.fromkeys(parsed.notes)))
