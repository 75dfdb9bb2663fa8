"""Score the planner against the hand-written cases (shared by the test and the benchmark)."""

from __future__ import annotations

from f1studio.layout import Layout, LayoutObject, Planner
from tests.layout.cases import DEMO, NO_SPATIAL, POSITIONS, Case
from tests.layout.cases_art import ARTIST
from tests.layout.cases_more import COUNTS, DEPTH, RELATIONS, SIZES

ALL_CASES: list[Case] = NO_SPATIAL + POSITIONS + DEMO + RELATIONS + COUNTS + SIZES + DEPTH + ARTIST
WIDTH_TOLERANCE = 0.03


def problems(case: Case, layout: Layout) -> list[str]:
    """Why ``layout`` is not an exact match for ``case`` (empty when it is)."""
    out: list[str] = []
    got = [o.phrase for o in layout.objects]
    want = [p for p, _ in case.objects]
    if got != want:
        out.append(f"phrases {got} != {want}")
    if layout.remainder != case.expected_remainder:
        out.append(f"remainder {layout.remainder!r} != {case.expected_remainder!r}")
    if out:
        return out
    objs = layout.objects
    for obj, (_, cell) in zip(objs, case.objects, strict=True):
        if cell is not None and obj.box.cell != cell:
            out.append(f"{obj.name}: cell {obj.box.cell!r} != {cell!r}")
    for kind, i, j in case.rels:
        if not _holds(kind, objs[i], objs[j]):
            out.append(f"{kind}({objs[i].name}, {objs[j].name}) does not hold")
    if case.width is not None and abs(objs[0].box.width - case.width) > WIDTH_TOLERANCE:
        out.append(f"width {objs[0].box.width:.3f} != {case.width}")
    return out


def _holds(kind: str, a: LayoutObject, b: LayoutObject) -> bool:
    (ax, ay), (bx, by) = a.box.centre, b.box.centre
    if kind == "left":
        return ax < bx
    if kind == "above":
        return ay < by
    if kind == "depth":
        return a.depth > b.depth
    if kind == "front":
        return a.depth > b.depth and a.box.overlaps(b.box) and ay > by
    raise ValueError(kind)


def score(planner: Planner) -> tuple[float, list[tuple[Case, Layout, list[str]]]]:
    """Exact-match accuracy over every case, and the failing ones with their problems."""
    failures = []
    for case in ALL_CASES:
        layout = planner.plan(case.prompt)
        found = problems(case, layout)
        if found:
            failures.append((case, layout, found))
    return 1 - len(failures) / len(ALL_CASES), failures
