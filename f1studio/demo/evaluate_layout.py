"""Text to layout on the demo model (``f1studio eval --only layout``).

Held-out captions of one to three shapes are rendered twice with the same seed: from the
prompt alone, and with the layout the window's Layout button makes of it (the default planner,
region layers made by :func:`f1studio.layout.regions.apply_layout` on a document, the request
built by :func:`f1studio.document.build.build_request`, so the eval measures exactly what a
user gets). Then the relation test: "X to the left of Y" and "Y to the right of X" must both
put X left of Y.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from f1studio.demo import analysis
from f1studio.demo.evaluate_base import (
    PROMPT_PARTS,
    EvalSettings,
    Figures,
    Renderer,
    keep_sample,
    mean_of,
    prompt_scores,
)
from f1studio.demo.model import DEMO_SIZE
from f1studio.demo.world import COLORS, HELD_OUT_SEED, SHAPES, Scene, generate

#: Shapes of at most this many per layout case (the issue's "captions with 1-3 shapes").
LAYOUT_MAX_SHAPES = 3
#: Pixels of a colour that count as "the shape is there" in the relation test.
MIN_PIXELS = 12
#: "X to the left of Y" (and "... to the right of ..."), each said in both orders of mention.
RELATIONS = ("left", "right")


def layout_cases(settings: EvalSettings) -> Iterator[tuple[int, Scene, Any, str]]:
    """``settings.cases`` held-out scenes with at most :data:`LAYOUT_MAX_SHAPES` shapes."""
    index, found = settings.first_index, 0
    while found < settings.cases:
        scene, rendered, text = generate(index, HELD_OUT_SEED)
        if len(scene.shapes) <= LAYOUT_MAX_SHAPES:
            found += 1
            yield index, scene, rendered, text
        index += 1


def laid_out(text: str, planner: Any, shape: str | None = None) -> tuple[str, tuple, float]:
    """The global prompt and regions a user gets from Layout on ``text`` (in a new document's
    region shape unless ``shape`` says otherwise), and the planner's time in ms."""
    from f1studio.document.build import build_request
    from f1studio.document.document import Document
    from f1studio.layout.regions import apply_layout

    began = time.perf_counter()
    layout = planner.plan(text)
    planned_ms = 1000 * (time.perf_counter() - began)
    doc = Document(DEMO_SIZE, DEMO_SIZE, text)
    apply_layout(doc, layout, text, shape=shape or doc.settings.layout_shape)
    request = build_request(doc)
    return request.prompt, request.regions, planned_ms


def layout_triangles_right(r: Renderer, count: int = 16) -> list[bool]:
    """The first ``count`` layout cases with a triangle (of the first 50), rendered with the
    regions Layout makes of their caption: for each triangle, whether it came out as a
    triangle in its place (Layout's region for a triangle is a triangle)."""
    from f1studio.layout import default_planner

    planner = default_planner()
    cases = EvalSettings(model=r.settings.model, cases=50)
    with_triangles = [
        c for c in layout_cases(cases) if any(s.kind == "triangle" for s in c[1].shapes)
    ]
    right: list[bool] = []
    for i, scene, _rendered, text in with_triangles[:count]:
        prompt, regions, _ms = laid_out(text, planner)
        image, _ = r(prompt, seed=i, regions=regions)
        for shape, fit in zip(scene.shapes, analysis.fit_shapes(image, scene), strict=True):
            if shape.kind == "triangle":
                right.append(fit.iou >= analysis.MIN_IOU and fit.kind == "triangle")
    return right


def eval_layout(r: Renderer, figures: Figures) -> None:
    from f1studio.layout import default_planner

    planner = default_planner()
    plain: dict[str, list[float]] = {}
    layout: dict[str, list[float]] = {}
    plan_ms: list[float] = []
    seconds: dict[str, list[float]] = {"plain": [], "layout": []}
    for i, scene, rendered, text in layout_cases(r.settings):
        began = time.perf_counter()
        image, _ = r(text, seed=i)
        seconds["plain"].append(time.perf_counter() - began)
        prompt_scores(image, scene, rendered, plain)
        prompt, regions, ms = laid_out(text, planner)
        plan_ms.append(ms)
        began = time.perf_counter()
        image, _ = r(prompt, seed=i, regions=regions)
        seconds["layout"].append(time.perf_counter() - began)
        prompt_scores(image, scene, rendered, layout)
        keep_sample(figures, i, "layout", image)
    figures.layout = {f"plain_{p}": mean_of(plain[p]) for p in PROMPT_PARTS}
    figures.layout.update({f"layout_{p}": mean_of(layout[p]) for p in PROMPT_PARTS})
    figures.layout["cases"] = len(plan_ms)
    figures.layout["plan_ms"] = mean_of(plan_ms)
    # medians: the first render also loads the model
    figures.layout["plain_seconds"] = float(np.median(seconds["plain"]))
    figures.layout["layout_seconds"] = float(np.median(seconds["layout"]))
    figures.layout.update(_relations(r, planner))


def relation_prompts(index: int) -> tuple[str, str, str, str, str]:
    """Two shapes X and Y, a background colour, and two prompts that both say where X is with
    respect to Y, mentioning X first and Y first: (x colour, y colour, relation, prompts...)."""
    rng = np.random.default_rng([HELD_OUT_SEED, 77, index])
    x_colour, y_colour, background = rng.choice(list(COLORS), size=3, replace=False)
    x_kind, y_kind = rng.choice(list(SHAPES), size=2)
    relation = RELATIONS[index % len(RELATIONS)]
    opposite = {"left": "right", "right": "left"}[relation]
    words = {"left": "to the left of", "right": "to the right of"}
    x = f"a medium {x_colour} {x_kind}"
    y = f"a medium {y_colour} {y_kind}"
    tail = f", on a {background} background"
    first = f"{x} {words[relation]} {y}{tail}"
    second = f"{y} {words[opposite]} {x}{tail}"
    return str(x_colour), str(y_colour), relation, first, second


def _relations(r: Renderer, planner: Any) -> dict[str, float]:
    """Share of renders in which X lands on the asked side of Y, with layout and without."""
    with_layout: list[float] = []
    without: list[float] = []
    pairs = max(1, r.settings.cases // 2)
    for index in range(pairs):
        x_colour, y_colour, relation, *prompts = relation_prompts(index)
        for order, text in enumerate(prompts):
            seed = 10_000 + 2 * index + order
            image, _ = r(text, seed=seed)
            without.append(float(_obeys(image, x_colour, y_colour, relation)))
            prompt, regions, _ms = laid_out(text, planner)
            image, _ = r(prompt, seed=seed, regions=regions)
            with_layout.append(float(_obeys(image, x_colour, y_colour, relation)))
    return {
        "relation_layout": mean_of(with_layout),
        "relation_plain": mean_of(without),
        "relation_renders": len(with_layout),
    }


def _obeys(image: np.ndarray, x_colour: str, y_colour: str, relation: str) -> bool:
    """X's colour lies on the asked side of Y's (centroids), both present."""
    labels = analysis.colour_labels(image)
    names = list(COLORS)
    _, x_xs = np.nonzero(labels == names.index(x_colour))
    _, y_xs = np.nonzero(labels == names.index(y_colour))
    if len(x_xs) < MIN_PIXELS or len(y_xs) < MIN_PIXELS:
        return False
    dx = float(x_xs.mean() - y_xs.mean())
    return dx < 0 if relation == "left" else dx > 0
