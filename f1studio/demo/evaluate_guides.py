"""Guide measures: exact edge and depth guides, and guides as a person makes them (outlines
drawn with the mouse, depth painted with a soft brush), simulated by
:mod:`f1studio.demo.hand_guides` with the evaluation's own seeds (training draws its own)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np

from f1studio.demo import analysis
from f1studio.demo.evaluate_base import (
    Figures,
    Renderer,
    held_out_cases,
    interior,
    keep_sample,
    mean_of,
    pixels_of,
)
from f1studio.demo.hand_guides import hand_edges, painted_depth
from f1studio.demo.model import guide_defaults
from f1studio.demo.world import (
    HELD_OUT_SEED,
    SIZES,
    Scene,
    Shape,
    caption,
    generate,
    render,
    shape_mask,
)

#: The evaluation's hand-guide streams: ``default_rng([HELD_OUT_SEED, stream, case])``.
HAND_EDGE_STREAM = 41
PAINTED_DEPTH_STREAM = 42
LARGE_OUTLINE_STREAM = 44
#: Large outlines drawn by hand in the middle of the canvas: their half-extents (64, 80 and
#: 96 px across on the 128 px canvas), kinds, colours (cycled) and render seeds per size.
LARGE_OUTLINE_EXTENTS = (0.25, 0.3125, 0.375)
LARGE_OUTLINE_KINDS = ("square", "triangle")
LARGE_OUTLINE_COLOURS = ("blue", "red", "green", "purple")
LARGE_OUTLINE_SEEDS = 4
#: The share of a shape's inside in its colour above which it counts as filled, not hollow.
FILLED = 0.9
#: The size word a caption that disagrees with a single shape's outline gives it.
WRONG_SIZE = {"small": "large", "medium": "large", "large": "small"}


def _rgb(grey: np.ndarray) -> np.ndarray:
    return np.repeat(grey[:, :, None], 3, axis=2)


def guide_settings(r: Renderer, kind: str) -> dict[str, float]:
    """The Weight and Mode (``weight``, ``balance``) a new ``kind`` guide layer takes with
    the evaluated model in the window (its ``guide_defaults.json``); the guide rows render at
    them."""
    return guide_defaults(r.settings.model).get(kind, {})


def guide_control(r: Renderer, kind: str, guide: np.ndarray, suggested: bool = True) -> Any:
    """A ``kind`` guide for the evaluated model's ControlNet: at :func:`guide_settings`, or
    with ``suggested`` False at weight 1 and balanced (a layer's usual defaults)."""
    from f1studio.engine.request import ControlKind, ControlSpec

    values = guide_settings(r, kind) if suggested else {}
    return ControlSpec(
        ControlKind[kind.upper()],
        pixels_of(guide),
        r.edge if kind == "edge" else r.depth,
        weight=values.get("weight", 1.0),
        balance=values.get("balance", 0.0),
    )


#: The window's core gesture as the shipped-model tests check it: an outline drawn by hand and
#: a prompt asking for that shape; name -> corners, prompt, the colour its inside should take,
#: the stroke's seed (:func:`hand_outline_inside`).
HAND_OUTLINES: dict[str, tuple[list[tuple[int, int]], str, str, int]] = {
    "hand_triangle_green": (
        [(64, 17), (113, 111), (15, 112)],
        "a large green triangle in the middle on a white background",
        "green",
        3,
    ),
    "half_canvas_square_blue": (
        [(32, 32), (96, 32), (96, 96), (32, 96)],
        "a large blue square in the middle on a white background",
        "blue",
        5,
    ),
}


def hand_outline_inside(
    r: Renderer,
    corners: list[tuple[int, int]],
    prompt: str,
    colour: str,
    seed: int,
    suggested: bool = True,
    render_seeds: tuple[int, ...] = (42, 43, 44, 45),
) -> list[float]:
    """An outline through ``corners`` drawn as by hand (wobbly, 2 px; jitter from ``seed``)
    on an edge guide, at the Weight and Mode a new guide takes in the window (``suggested``)
    or at weight 1, balanced, rendered with ``prompt`` at each of ``render_seeds``: the share
    of each render's inside (3 px in) in ``colour``."""
    import cv2

    rng = np.random.default_rng(seed)
    closed = np.array([*corners, corners[0]], np.float64)
    along = np.linspace(0, 1, 40)[:, None]
    stroke = np.concatenate(
        [a + (b - a) * along for a, b in zip(closed[:-1], closed[1:], strict=True)]
    )
    stroke = (stroke + rng.uniform(-0.7, 0.7, stroke.shape)).round().astype(np.int32)
    guide = np.zeros((128, 128, 3), np.uint8)
    cv2.polylines(guide, [stroke], False, (255, 255, 255), 2)
    filled = np.zeros((128, 128), np.uint8)
    cv2.fillPoly(filled, [closed[:-1].astype(np.int32)], 1)
    inside = cv2.erode(filled, np.ones((7, 7), np.uint8)) > 0
    control = guide_control(r, "edge", guide, suggested)
    shares = []
    for render_seed in render_seeds:
        image, _ = r(prompt, seed=render_seed, controls=(control,))
        shares.append(analysis.colour_fraction(image, inside, colour))
    return shares


def eval_edges(r: Renderer, figures: Figures) -> None:
    if r.edge is None:
        return
    scores: dict[str, list[float]] = {k: [] for k in ("guide", "caption", "guide_only", "none")}
    for i, _scene, rendered, text in held_out_cases(r.settings):
        guide = _rgb(rendered.edges)
        control = guide_control(r, "edge", guide)
        guided, _ = r(text, seed=i, controls=(control,))
        plain, _ = r(text, seed=i)
        guide_only, _ = r("", seed=i, controls=(control,))
        empty, _ = r("", seed=i)
        for key, image in (
            ("guide", guided),
            ("caption", plain),
            ("guide_only", guide_only),
            ("none", empty),
        ):
            scores[key].append(analysis.edge_f1(image, rendered.edges))
        keep_sample(figures, i, "edge guide", guide)
        keep_sample(figures, i, "edges", guided)
    figures.edges = {f"f1_{k}": mean_of(v) for k, v in scores.items()}


def _hand_edge_scores(
    r: Renderer, i: int, scene: Scene, rendered: Any, text: str, suggested: bool = True
) -> tuple:
    """(edge F1, kinds right, guide, picture) of caption + a hand-drawn guide for one case
    (``suggested``: see :func:`guide_control`)."""
    assert r.edge is not None
    guide = _rgb(hand_edges(scene, np.random.default_rng([HELD_OUT_SEED, HAND_EDGE_STREAM, i])))
    image, _ = r(text, seed=i, controls=(guide_control(r, "edge", guide, suggested),))
    fits = analysis.fit_shapes(image, scene)
    kinds = [float(f.kind == s.kind) for f, s in zip(fits, scene.shapes, strict=True)]
    return analysis.edge_f1(image, rendered.edges), kinds, guide, image


def large_outline_cases(per_size: int = LARGE_OUTLINE_SEEDS) -> Iterator[tuple[int, Scene]]:
    """One large upright shape in the middle on white, at each of
    :data:`LARGE_OUTLINE_EXTENTS`, ``per_size`` cases per kind and extent."""
    index = 0
    for kind in LARGE_OUTLINE_KINDS:
        for extent in LARGE_OUTLINE_EXTENTS:
            for _ in range(per_size):
                colour = LARGE_OUTLINE_COLOURS[index % len(LARGE_OUTLINE_COLOURS)]
                shape = Shape(kind, colour, "large", "centre", x=0.5, y=0.5, extent=extent)
                yield index, Scene((shape,), ("white",))
                index += 1


def eval_large_outlines(r: Renderer, weight: float | None = None) -> dict[str, float]:
    """Large squares and triangles drawn by hand with "a large <colour> <kind> in the middle":
    the share whose inside (2 px in) is at least :data:`FILLED` in the caption's colour, per
    kind, and the mean share. An edge ControlNet that overpowers the UNet draws the outline
    alone: a hollow shape scores well on edge F1 and kind, and fails here. ``weight``
    replaces the guide's suggested weight."""
    assert r.edge is not None
    filled: dict[str, list[float]] = {kind: [] for kind in LARGE_OUTLINE_KINDS}
    shares: list[float] = []
    per_size = min(LARGE_OUTLINE_SEEDS, r.settings.per_size_cases)
    for i, scene in large_outline_cases(per_size):
        rendered = render(scene)
        rng = np.random.default_rng([HELD_OUT_SEED, LARGE_OUTLINE_STREAM, i])
        guide = _rgb(hand_edges(scene, rng))
        control = guide_control(r, "edge", guide)
        if weight is not None:
            control = replace(control, weight=weight)
        image, _ = r(caption(scene), seed=i, controls=(control,))
        shape = scene.shapes[0]
        share = analysis.colour_fraction(image, interior(rendered.masks[0]), shape.color)
        shares.append(share)
        filled[shape.kind].append(float(share >= FILLED))
    found = {f"large_filled_{kind}": mean_of(v) for kind, v in filled.items()}
    found["large_fill"] = mean_of(shares)
    return found


def _single_shape_cases(size_word: str, count: int) -> Iterator[tuple[int, Scene, Any, str]]:
    """Held-out scenes of one shape of the given size word (scanning after the main cases)."""
    index, found = 10_000, 0
    while found < count:
        scene, rendered, text = generate(index, HELD_OUT_SEED)
        index += 1
        if len(scene.shapes) == 1 and scene.shapes[0].size == size_word:
            found += 1
            yield index - 1, scene, rendered, text


def eval_hand_edges(r: Renderer, figures: Figures) -> None:
    """Outlines drawn by hand (wobbly, gapped, at the window's brush sizes) against the true
    outlines: caption + guide on the held-out scenes, and one shape at each size word."""
    if r.edge is None:
        return
    f1s: list[float] = []
    kinds: list[float] = []
    for i, scene, rendered, text in held_out_cases(r.settings):
        f1, right, guide, image = _hand_edge_scores(r, i, scene, rendered, text)
        f1s.append(f1)
        kinds.extend(right)
        keep_sample(figures, i, "hand-drawn edges", guide)
        keep_sample(figures, i, "hand edges", image)
    figures.hand_edges = {"f1": mean_of(f1s), "kind": mean_of(kinds), "cases": len(f1s)}
    if guide_settings(r, "edge"):  # the same guides at weight 1, balanced, beside them
        plain = [
            _hand_edge_scores(r, i, scene, rendered, text, suggested=False)
            for i, scene, rendered, text in held_out_cases(r.settings)
        ]
        figures.hand_edges["f1_balanced"] = mean_of([f1 for f1, *_ in plain])
        figures.hand_edges["kind_balanced"] = mean_of([k for _, right, *_ in plain for k in right])
    spill: dict[str, list[float]] = {"right": [], "wrong": []}
    wrong_f1: list[float] = []
    for word in SIZES:
        per_size = []
        fill = []
        for i, scene, rendered, text in _single_shape_cases(word, r.settings.per_size_cases):
            scores = _hand_edge_scores(r, i, scene, rendered, text)
            per_size.append(scores)
            shape = scene.shapes[0]
            # a shape drawn along the outline but filled with another colour scores well on
            # edges and kind; its inside tells
            fill.append(
                analysis.colour_fraction(scores[3], interior(rendered.masks[0]), shape.color)
            )
            spill["right"].append(
                analysis.colour_outside(scores[3], rendered.masks[0], shape.color)
            )
            # the same outline, but the caption's size word disagrees with it
            wrong = caption(replace(scene, shapes=(replace(shape, size=WRONG_SIZE[word]),)))
            f1, _, _, image = _hand_edge_scores(r, i, scene, rendered, wrong)
            wrong_f1.append(f1)
            spill["wrong"].append(analysis.colour_outside(image, rendered.masks[0], shape.color))
        figures.hand_edges[f"f1_{word}"] = mean_of([f1 for f1, *_ in per_size])
        figures.hand_edges[f"fill_{word}"] = mean_of(fill)
        figures.hand_edges[f"kind_{word}"] = mean_of(
            [k for _, right, *_ in per_size for k in right]
        )
    figures.hand_edges["spill"] = mean_of(spill["right"])
    figures.hand_edges["f1_wrong_size"] = mean_of(wrong_f1)
    figures.hand_edges["spill_wrong_size"] = mean_of(spill["wrong"])
    figures.hand_edges.update(eval_large_outlines(r))


def overlapping_scenes(count: int, first: int) -> Iterator[tuple[int, Scene]]:
    """Held-out scenes with at least two shapes whose outlines overlap."""
    index = first
    found = 0
    while found < count:
        scene = generate(index, HELD_OUT_SEED)[0]
        index += 1
        if len(scene.shapes) < 2:
            continue
        alone = [shape_mask(s, 128) for s in scene.shapes]
        if any((a & b).any() for j, a in enumerate(alone) for b in alone[j + 1 :]):
            found += 1
            yield index - 1, scene


def _depth_figures(
    r: Renderer,
    figures: Figures,
    guide_of: Callable[[int, Scene, Any], np.ndarray],
    columns: tuple[str, str],
    balanced: bool = False,
) -> dict[str, float]:
    """The depth guide layers the shapes; the prompt lists them front to back (the reverse of
    training captions, so the text alone implies the opposite layering). With ``balanced``
    (and suggested settings that differ from it), the same guides at weight 1, balanced, too."""
    assert r.depth is not None
    balanced = balanced and bool(guide_settings(r, "depth"))
    guided_scores, plain_scores, guided_f1, plain_f1 = [], [], [], []
    balanced_scores, balanced_f1 = [], []
    for i, scene in overlapping_scenes(r.settings.cases, r.settings.first_index):
        rendered = render(scene)
        reversed_text = caption(replace(scene, shapes=tuple(reversed(scene.shapes))))
        guide = _rgb(guide_of(i, scene, rendered))
        guided, _ = r(reversed_text, seed=i, controls=(guide_control(r, "depth", guide),))
        plain, _ = r(reversed_text, seed=i)
        if balanced:
            control = guide_control(r, "depth", guide, suggested=False)
            even, _ = r(reversed_text, seed=i, controls=(control,))
            balanced_scores.append(analysis.depth_order_correlation(even, scene))
            balanced_f1.append(analysis.edge_f1(even, rendered.edges))
        guided_scores.append(analysis.depth_order_correlation(guided, scene))
        plain_scores.append(analysis.depth_order_correlation(plain, scene))
        guided_f1.append(analysis.edge_f1(guided, rendered.edges))
        plain_f1.append(analysis.edge_f1(plain, rendered.edges))
        keep_sample(figures, i, columns[0], guide, depth_row=True)
        keep_sample(figures, i, columns[1], guided, depth_row=True)
    found = {
        "rank_correlation_guide": float(np.nanmean(guided_scores)),
        "rank_correlation_no_guide": float(np.nanmean(plain_scores)),
        "outline_f1_guide": mean_of(guided_f1),
        "outline_f1_no_guide": mean_of(plain_f1),
        "cases": len(guided_scores),
    }
    if balanced_scores:
        found["rank_correlation_balanced"] = float(np.nanmean(balanced_scores))
        found["outline_f1_balanced"] = mean_of(balanced_f1)
    return found


def eval_depth(r: Renderer, figures: Figures) -> None:
    """The world's exact depth map as the guide."""
    if r.depth is not None:
        figures.depth = _depth_figures(
            r, figures, lambda i, scene, rendered: rendered.depth, ("depth guide", "depth")
        )


def eval_painted_depth(r: Renderer, figures: Figures) -> None:
    """A depth guide painted by hand: rough blobs in grey levels, nearer brighter."""

    def painted(i: int, scene: Scene, rendered: Any) -> np.ndarray:
        return painted_depth(scene, np.random.default_rng([HELD_OUT_SEED, PAINTED_DEPTH_STREAM, i]))

    if r.depth is not None:
        figures.painted_depth = _depth_figures(
            r, figures, painted, ("painted depth", "painted"), balanced=True
        )
