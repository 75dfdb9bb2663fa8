"""Place boxes for parsed objects: grid cells, relations, free cells, rows for counts, depth.

Positions name the centre of a cell of a 3x3 grid (borders at 0.375 and 0.625). Relations
without positions spread their objects over the grid's columns (left of) or rows (above);
"in front of" overlaps the two, the front one lower and larger. Objects with no position at
all take free cells (centre first), or share one row when nothing has a position.
"""

from __future__ import annotations

from dataclasses import dataclass

from f1studio.layout import words as W
from f1studio.layout.plan import GRID, Box, cell_of

CENTRES = (0.1875, 0.5, 0.8125)
_ROW = {"top": 0, "bottom": 2}
_COL = {"left": 0, "right": 2}
FREE_ORDER = (
    "centre",
    "left",
    "right",
    "top",
    "bottom",
    "top left",
    "top right",
    "bottom left",
    "bottom right",
)
_FRONT_DROP = 0.1  # how much lower the front object of "in front of" sits
_FRONT_SCALE = 1.15
_DEPTH_SHIFT = {"front": 0.08, "back": -0.06}
_DEPTH_SCALE = {"front": 1.2, "back": 1.0}
_GAP = 0.01


@dataclass
class Item:
    """What placement needs to know of one parsed object."""

    count: int = 1
    size: str | None = None
    cell: str | None = None
    depth: str | None = None  # "front", "back" or None


def cell_centre(cell: str) -> tuple[float, float]:
    words = cell.split()
    row = next((_ROW[w] for w in words if w in _ROW), 1)
    col = next((_COL[w] for w in words if w in _COL), 1)
    return CENTRES[col], CENTRES[row]


def place(items: list[Item], relations: list[tuple[int, str, int]]) -> list[list[tuple[Box, int]]]:
    """Each item's boxes (one per counted instance) with their depths."""
    n = len(items)
    xs: list[float | None] = [None] * n
    ys: list[float | None] = [None] * n
    for i, item in enumerate(items):
        if item.cell:
            xs[i], ys[i] = cell_centre(item.cell)
    _relate(xs, ys, relations)
    spread_x = [False] * n  # counted rows may use the whole width
    sizes = [W.SIZES.get(item.size or "", W.DEFAULT_SIZE) for item in items]
    fronts = {a for a, kind, _ in relations if kind == "front"}
    for i, item in enumerate(items):
        if item.depth and xs[i] is None and ys[i] is None:
            xs[i], ys[i] = 0.5, (0.7 if item.depth == "front" else 0.3)
            spread_x[i] = True
        elif item.depth and item.cell:
            y = ys[i]
            ys[i] = None if y is None else y + _DEPTH_SHIFT[item.depth]
        if item.depth:
            sizes[i] *= _DEPTH_SCALE[item.depth]
        if i in fronts:
            sizes[i] *= _FRONT_SCALE
    for i in range(n):
        if xs[i] is None and ys[i] is not None:
            xs[i], spread_x[i] = 0.5, True
        elif ys[i] is None and xs[i] is not None:
            ys[i] = 0.5
    boxes = _place_free(items, xs, ys, sizes)
    for i, item in enumerate(items):
        x, y = xs[i], ys[i]
        if boxes[i] or x is None or y is None:
            continue
        boxes[i] = _row(x, y, item.count, sizes[i], spread_x[i] and not item.cell)
    _group_shared_cells(items, xs, ys, sizes, boxes, relations)
    _separate(items, boxes, relations)
    boxes = [[_clamp(b) for b in row] for row in boxes]
    return _with_depths(items, boxes, relations)


Coords = list[float | None]
Relations = list[tuple[int, str, int]]


def _relate(xs: Coords, ys: Coords, rels: Relations) -> None:
    for axis, kind in ((xs, "left"), (ys, "above")):
        edges = [(a, b) for a, k, b in rels if k == kind]
        for _ in range(len(xs) + 1):  # propagate from placed objects, a column/row a step
            for a, b in edges:
                va, vb = axis[a], axis[b]
                if va is not None and vb is None:
                    axis[b] = min(va + 0.3125, CENTRES[2])
                elif vb is not None and va is None:
                    axis[a] = max(vb - 0.3125, CENTRES[0])
        free = {i for e in edges for i in e if axis[i] is None}
        layer = dict.fromkeys(free, 0)
        for _ in range(len(xs) + 1):
            for a, b in edges:
                if a in free and b in free:
                    layer[b] = max(layer[b], layer[a] + 1)
        top = max(layer.values(), default=0)
        for i in free:
            axis[i] = CENTRES[0] + (CENTRES[2] - CENTRES[0]) * layer[i] / top if top else 0.5
    for a, kind, b in rels:
        if kind != "front":
            continue
        if xs[a] is None and xs[b] is None:
            xs[b], ys[b] = 0.5, 0.45
        xa, xb = xs[a], xs[b]
        ya, yb = ys[a], ys[b]
        if xa is None and xb is not None:
            xs[a], ys[a] = xb, (0.5 if yb is None else yb) + _FRONT_DROP
        elif xb is None and xa is not None:
            xs[b], ys[b] = xa, (0.5 if ya is None else ya) - _FRONT_DROP


def _place_free(items: list[Item], xs: Coords, ys: Coords, sizes: list[float]) -> list[list[Box]]:
    boxes: list[list[Box]] = [[] for _ in items]
    free = [i for i in range(len(items)) if xs[i] is None]
    if not free:
        return boxes
    if len(free) == len(items):  # nothing has a place: one row across the canvas
        slots = [(i, k) for i in free for k in range(items[i].count)]
        step = 1.0 / len(slots)
        for j, (i, _) in enumerate(slots):
            side = min(sizes[i], step * 0.9)
            boxes[i].append(Box.around(step * (j + 0.5), 0.5, side, side))
        return boxes
    used = {cell_of(x, y) for x, y in zip(xs, ys, strict=True) if x is not None and y is not None}
    for i in free:
        cell = next((c for c in FREE_ORDER if c not in used), "centre")
        used.add(cell)
        xs[i], ys[i] = cell_centre(cell)
    return boxes


def _band(x: float, spread: bool) -> tuple[float, float]:
    if spread:
        return 0.02, 0.98
    if x < GRID[0]:
        return 0.0, GRID[0]
    if x > GRID[1]:
        return GRID[1], 1.0
    return 0.3125, 0.6875


def _row(x: float, y: float, count: int, size: float, spread: bool) -> list[Box]:
    if count == 1:
        return [Box.around(x, y, size, size)]
    a, b = _band(x, spread)
    step = (b - a) / count
    side = min(size, step * 0.9)
    return [Box.around(a + step * (k + 0.5), y, side, side) for k in range(count)]


def _group_shared_cells(
    items: list[Item],
    xs: Coords,
    ys: Coords,
    sizes: list[float],
    boxes: list[list[Box]],
    rels: Relations,
) -> None:
    """Objects given the same place (not by "in front of") share it as a row."""
    related = {i for a, k, b in rels if k == "front" for i in (a, b)}
    groups: dict[tuple[float, float], list[int]] = {}
    for i in range(len(items)):
        x, y = xs[i], ys[i]
        if i not in related and x is not None and y is not None:
            groups.setdefault((round(x, 4), round(y, 4)), []).append(i)
    for (x, y), members in groups.items():
        if len(members) < 2:
            continue
        total = sum(items[i].count for i in members)
        row = _row(x, y, total, min(sizes[i] for i in members), False)
        for i in members:
            boxes[i] = [row.pop(0) for _ in range(items[i].count)]


def _separate(items: list[Item], boxes: list[list[Box]], rels: Relations) -> None:
    """Shrink boxes of different objects until they no longer overlap (where they may not)."""
    allowed = {frozenset((a, b)) for a, k, b in rels if k == "front"}
    for _ in range(4):
        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                if frozenset((i, j)) in allowed or {items[i].depth, items[j].depth} == {
                    "front",
                    "back",
                }:
                    continue
                for p, a in enumerate(boxes[i]):
                    for q, b in enumerate(boxes[j]):
                        if a.overlaps(b):
                            boxes[i][p], boxes[j][q] = _shrink_pair(a, b)


def _shrink_pair(a: Box, b: Box) -> tuple[Box, Box]:
    (ax, ay), (bx, by) = a.centre, b.centre
    dx, dy = abs(ax - bx), abs(ay - by)
    if dx < 1e-6 and dy < 1e-6:
        return a, b  # the same place: no room to separate them
    if dx >= dy:
        factor = max(dx - _GAP, 0.01) / ((a.width + b.width) / 2)
    else:
        factor = max(dy - _GAP, 0.01) / ((a.height + b.height) / 2)
    factor = min(factor, 1.0)
    return (
        Box.around(ax, ay, a.width * factor, a.height * factor),
        Box.around(bx, by, b.width * factor, b.height * factor),
    )


def _clamp(box: Box) -> Box:
    """Shift a box inside the canvas, keeping its centre in its grid cell; then shrink it."""
    x, y = box.centre
    lo = {0: 0.0, 1: GRID[0], 2: GRID[1]}
    hi = {0: GRID[0], 1: GRID[1], 2: 1.0}

    def fit(c: float, half: float) -> tuple[float, float]:
        k = 0 if c < GRID[0] else 2 if c > GRID[1] else 1
        c2 = min(max(c, half), 1.0 - half)
        c2 = min(max(c2, lo[k] + 0.005), hi[k] - 0.005) if lo[k] < c < hi[k] else c
        half = min(half, c2, 1.0 - c2)
        return c2, half

    cx, hx = fit(x, box.width / 2)
    cy, hy = fit(y, box.height / 2)
    return Box(cx - hx, cy - hy, cx + hx, cy + hy)


def _with_depths(
    items: list[Item], boxes: list[list[Box]], rels: Relations
) -> list[list[tuple[Box, int]]]:
    bias = {"front": 1000.0, "back": -1000.0}
    keys = [bias.get(item.depth or "", 0.0) + i for i, item in enumerate(items)]
    fronts = [(a, b) for a, k, b in rels if k == "front"]
    for _ in range(len(items) + 1):
        for a, b in fronts:
            if keys[a] <= keys[b]:
                keys[a] = keys[b] + 0.5
    order = sorted(range(len(items)), key=lambda i: keys[i])
    depth_of: dict[tuple[int, int], int] = {}
    for i in order:
        for k in range(len(boxes[i])):
            depth_of[(i, k)] = len(depth_of)
    return [[(b, depth_of[(i, k)]) for k, b in enumerate(row)] for i, row in enumerate(boxes)]
