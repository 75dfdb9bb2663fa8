"""A planned layout becomes region layers on a document, as one undo step ("Layout").

Each layout-made region carries a :class:`~f1studio.document.layout_record.LayoutRecord`:
the object it was made for, its fingerprint as made, and the prompt laid out with what remained
of it. Laying out again replaces the regions the user has not touched (same fingerprint) and
keeps the touched ones as the user left them (moved, resized, repainted, re-prompted, renamed,
locked); a touched region's object is not made again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from f1studio.document.document import Document
from f1studio.document.layers import Layer, LayerKind
from f1studio.document.layout_record import LayoutRecord, fingerprint, record_of
from f1studio.document.settings import LAYOUT_SHAPES
from f1studio.layout.plan import Box, Layout, LayoutObject

UNDO_LABEL = "Layout"


#: head nouns whose region "fitted" draws as an ellipse or a triangle (any other: a box). On the
#: demo model, 50 held-out captions with Layout (2026-12-06, docs/eval/layout-and-control.md):
#: with boxes a triangle came out a triangle in 4 of 34 (a square or a circle filling its box),
#: with a triangle region 19 of 34; circles 23 -> 29 of 30 with an ellipse.
ROUND_WORDS = frozenset({"circle", "disc", "disk", "ball", "sphere", "orb", "oval", "ellipse"})
POINTED_WORDS = frozenset({"triangle", "pyramid"})


def fitted_shape(name: str) -> str:
    """The region shape "fitted" gives an object named ``name`` ("red circle", "red apple 1"):
    "ellipse", "triangle" or "box", read from its head noun (the last word, a count dropped)."""
    words = [w for w in name.lower().split() if not w.isdigit()]
    head = words[-1].removesuffix("s") if words else ""  # "circles" too
    if head in ROUND_WORDS:
        return "ellipse"
    return "triangle" if head in POINTED_WORDS else "box"


def region_mask(
    box: Box, width: int, height: int, shape: str = "box", name: str = ""
) -> np.ndarray:
    """The uint8 mask (255 inside) of ``box`` (canvas fractions) on a ``width`` x ``height``
    canvas: the box itself, a soft-edged ellipse inscribed in it, or with "fitted" the shape
    the object's ``name`` says (:func:`fitted_shape`: an ellipse, an upright triangle filling
    the box, or the box)."""
    if shape not in LAYOUT_SHAPES:
        raise ValueError(f"unknown layout shape {shape!r} (choose from {', '.join(LAYOUT_SHAPES)})")
    drawn = fitted_shape(name) if shape == "fitted" else shape
    x0, x1 = sorted((box.x0 * width, box.x1 * width))
    y0, y1 = sorted((box.y0 * height, box.y1 * height))
    if drawn in ("box", "triangle"):
        mask = np.zeros((height, width), np.uint8)
        c0, c1 = int(round(x0)), max(int(round(x0)) + 1, int(round(x1)))
        r0, r1 = int(round(y0)), max(int(round(y0)) + 1, int(round(y1)))
        mask[max(0, r0) : min(height, r1), max(0, c0) : min(width, c1)] = 255
        if drawn == "triangle":  # apex at the top middle, base along the bottom
            ys = np.arange(height, dtype=np.float32)[:, None] + 0.5
            xs = np.arange(width, dtype=np.float32)[None, :] + 0.5
            half = (c1 - c0) / 2 * np.clip((ys - r0) / max(r1 - r0, 1), 0.0, 1.0)
            mask[np.abs(xs - (c0 + c1) / 2) > half] = 0
        return mask
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    rx, ry = max(0.5, (x1 - x0) / 2), max(0.5, (y1 - y0) / 2)
    xs = (np.arange(width, dtype=np.float32) + 0.5 - cx) / rx
    ys = (np.arange(height, dtype=np.float32) + 0.5 - cy) / ry
    radius = np.sqrt(xs[None, :] ** 2 + ys[:, None] ** 2)
    soft = max(2.0 / min(rx, ry), 0.08)  # the edge fades over ~8% of the radius (>= 2 px)
    value = np.clip((1.0 - radius) / soft + 0.5, 0.0, 1.0)
    return np.asarray(np.round(value * 255), np.uint8)


def layout_regions(doc: Document) -> list[tuple[Layer, LayoutRecord]]:
    """The document's layout-made region layers with their records, bottom to top."""
    found = []
    for layer in doc.layers:
        record = record_of(layer)
        if record is not None:
            found.append((layer, record))
    return found


def is_touched(layer: Layer, record: LayoutRecord) -> bool:
    """True when the user changed the region since a layout made it."""
    return fingerprint(layer) != record.print


@dataclass(frozen=True)
class LayoutOutcome:
    """What one Layout did, by layer name."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()  # touched by the user: left as they are
    unchanged: tuple[str, ...] = ()  # already as planned
    notes: tuple[str, ...] = ()
    # the regions were already in place but now read a new prompt: the whole picture gets
    # this remainder of it (None when no region's reading changed)
    reread: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)

    def summary(
        self, phrases: dict[str, str] | None = None, notes: tuple[str, ...] | None = None
    ) -> str:
        """One line for a status bar, from ``phrases`` (:data:`SUMMARY_PHRASES`' keys, e.g.
        translated; missing ones are the English), ending with ``notes`` (the outcome's
        notes as the line should say them; default: as they are)."""
        say = {**SUMMARY_PHRASES, **(phrases or {})}
        parts = []
        if self.added:
            parts.append(say["added_one" if len(self.added) == 1 else "added"])
        if self.removed:
            parts.append(say["removed"])
        if self.kept:
            parts.append(say["kept"])
        if self.unchanged and not self.added:
            parts.append(say["unchanged"])
        if self.reread is not None and not self.changed:
            parts.append(say["reread"] if self.reread else say["reread_empty"])
        if not (self.added or self.kept or self.unchanged):
            # also say why earlier regions went: their words are no longer in the prompt
            parts.append(say["no_places"] if self.removed else say["nothing"])
        line = say["line"].format(
            parts=say["separator"]
            .join(parts)
            .format(
                added=len(self.added),
                removed=len(self.removed),
                kept=len(self.kept),
                unchanged=len(self.unchanged),
                prompt=self.reread or "",
            )
        )
        return line + "".join(f" · {note}" for note in (self.notes if notes is None else notes))


# What :meth:`LayoutOutcome.summary` says, in English (the window passes them translated)
SUMMARY_PHRASES = {
    "line": "Layout: {parts}",
    "separator": ", ",
    "added_one": "1 region laid out",
    "added": "{added} regions laid out",
    "removed": "{removed} removed",
    "kept": "{kept} kept as you changed them",
    "unchanged": "{unchanged} already in place",
    "reread": "the whole picture now reads “{prompt}”",
    "reread_empty": "the whole picture now has no prompt of its own",
    "no_places": "no place words in the prompt",
    "nothing": "no place words in the prompt: nothing to lay out",
}


def object_keys(objects: tuple[LayoutObject, ...]) -> list[str]:
    """A key per planned object: its name, numbered when two objects share one."""
    keys: list[str] = []
    for obj in objects:
        key, n = obj.name, 2
        while key in keys:
            key, n = f"{obj.name} #{n}", n + 1
        keys.append(key)
    return keys


def apply_layout(
    doc: Document,
    layout: Layout,
    prompt: str,
    *,
    shape: str = "box",
    replace_touched: bool = False,
    label: str = UNDO_LABEL,
) -> LayoutOutcome:
    """Make ``doc``'s layout-made regions those of ``layout`` (planned from ``prompt``), as one
    undo step named ``label``. Untouched regions follow the layout; touched ones stay
    (``replace_touched``: they are replaced too). The new regions sit at the top of the stack,
    furthest back first."""
    existing = layout_regions(doc)
    touched = [
        (layer, record)
        for layer, record in existing
        if not replace_touched and is_touched(layer, record)
    ]
    touched_keys = {record.key for _layer, record in touched}
    touched_ids = {layer.id for layer, _record in touched}
    stale = [(layer, record) for layer, record in existing if layer.id not in touched_ids]
    order = sorted(range(len(layout.objects)), key=lambda i: layout.objects[i].depth)
    keys = object_keys(layout.objects)
    added: list[str] = []
    removed: list[str] = []
    unchanged: list[str] = []
    reread = False
    with doc.group(label):
        reusable = {record.key: layer for layer, record in stale}
        planned: list[tuple[str, LayoutObject, np.ndarray]] = []
        for i in order:
            if keys[i] in touched_keys:
                continue
            obj = layout.objects[i]
            mask = region_mask(obj.box, doc.width, doc.height, shape, obj.name)
            planned.append((keys[i], obj, mask))
        keep_ids = set()
        for key, obj, mask in planned:
            layer = reusable.get(key)
            if layer is not None and _same(layer, obj, mask):
                keep_ids.add(layer.id)
        for layer, _record in stale:
            if layer.id not in keep_ids:
                doc.remove_layer(layer.id)
                removed.append(layer.name)
        for key, obj, mask in planned:
            old = reusable.get(key)
            if old is not None and old.id in keep_ids:
                unchanged.append(old.name)
                continue
            layer = doc.add_layer(
                LayerKind.REGION, name=obj.name, data=mask, prompt=obj.phrase, label=label
            )
            made = LayoutRecord(key, fingerprint(layer), prompt, layout.remainder)
            doc.set_layer_property(layer.id, "layout", made.dumps())
            added.append(layer.name)
        for layer, record in layout_regions(doc):  # every region now reads the new prompt
            new = replace(record, prompt=prompt, remainder=layout.remainder)
            if new != record and not layer.locked:
                doc.set_layer_property(layer.id, "layout", new.dumps())
                reread = True
    kept = tuple(layer.name for layer, _record in touched)
    return LayoutOutcome(
        tuple(added),
        tuple(removed),
        kept,
        tuple(unchanged),
        layout.notes,
        layout.remainder.strip() if reread else None,
    )


def _same(layer: Layer, obj: LayoutObject, mask: np.ndarray) -> bool:
    return (
        layer.prompt == obj.phrase and layer.name == obj.name and np.array_equal(layer.data, mask)
    )
