"""Layered control on the demo model (``f1studio eval --only control``): a guide limited to a
region, the strength curve *Structure first* against a constant one, the control modes, and
what a region limit or a curve costs per render.

- **Region**: the exact edge guide of each held-out scene, limited to the canvas's left half.
  What the guide does is that the render follows its outline: the gain in edge F1 over the
  caption-only render (same seed), counted inside the region and outside it, for the limited
  guide and for the same guide unlimited. Also the plain change of pixels inside and outside,
  which on this small model moves the whole picture whatever steers it.
- **Curves**: the guide of one scene with a caption that asks for its shapes in other colours;
  edge F1 (the guide's outline kept) and the shapes found in the caption's colours (the prompt's
  say over texture and colour), for a constant curve and for *Structure first*.
- **Modes**: the prompt and the guide disagree: the caption asks for every shape as another
  kind (a circle where the guide outlines a square) and the guide is the scene's own; at balance
  -1, 0 and 1, the shapes drawn as the prompt asks (kind) and edge F1 against the guide.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from f1studio.demo import analysis
from f1studio.demo.evaluate_base import Figures, Renderer, held_out_cases, mean_of, pixels_of
from f1studio.demo.world import COLORS, SHAPES, caption

MODES = {"prompt": -1.0, "balanced": 0.0, "guide": 1.0}


def _guide(rendered, model: str, **kw):
    from f1studio.engine.request import ControlKind, ControlSpec

    edges = np.repeat(rendered.edges[:, :, None], 3, axis=2)
    return ControlSpec(ControlKind.EDGE, pixels_of(edges), model, **kw)


def _recoloured(scene, index: int):
    """The scene with every shape in another colour (not the background's)."""
    names = list(COLORS)
    shapes = []
    for k, shape in enumerate(scene.shapes):
        choices = [c for c in names if c not in (*scene.background, shape.color)]
        shapes.append(replace(shape, color=choices[(index + k) % len(choices)]))
    return replace(scene, shapes=tuple(shapes))


def _rekinded(scene):
    """The scene with every shape of the next kind (circle -> square -> triangle -> circle)."""
    shapes = tuple(
        replace(s, kind=SHAPES[(SHAPES.index(s.kind) + 1) % len(SHAPES)]) for s in scene.shapes
    )
    return replace(scene, shapes=shapes)


def _kinds_as_asked(image: np.ndarray, scene) -> float:
    fits = analysis.fit_shapes(image, scene)
    return mean_of([float(f.kind == s.kind) for f, s in zip(fits, scene.shapes, strict=True)])


def _colours_found(image: np.ndarray, scene) -> float:
    fits = analysis.fit_shapes(image, scene)
    return mean_of([float(f.iou >= analysis.MIN_IOU) for f in fits])


def eval_control(r: Renderer, figures: Figures) -> None:
    if r.edge is None:
        return
    from f1studio.document.curves import CURVE_PRESETS

    inside_change: list[float] = []
    outside_change: list[float] = []
    follow: dict[str, list[float]] = {
        k: [] for k in ("limited_in", "limited_out", "full_in", "full_out")
    }
    curves: dict[str, dict[str, list[float]]] = {
        name: {"f1": [], "colour": []} for name in ("constant", "structure first")
    }
    modes: dict[str, dict[str, list[float]]] = {m: {"f1": [], "kind": []} for m in MODES}
    seconds: dict[str, list[float]] = {"plain guide": [], "region + curve": []}
    for i, scene, rendered, text in held_out_cases(r.settings):
        size = rendered.image.shape[0]
        left = np.zeros((size, size), np.uint8)
        left[:, : size // 2] = 255
        plain, _ = r(text, seed=i)
        began = time.perf_counter()
        full, _ = r(text, seed=i, controls=(_guide(rendered, r.edge),))
        seconds["plain guide"].append(time.perf_counter() - began)
        began = time.perf_counter()
        limited, _ = r(
            text,
            seed=i,
            controls=(
                _guide(rendered, r.edge, mask=pixels_of(left), curve=CURVE_PRESETS["Ease in/out"]),
            ),
        )
        seconds["region + curve"].append(time.perf_counter() - began)
        limited_only, _ = r(
            text, seed=i, controls=(_guide(rendered, r.edge, mask=pixels_of(left)),)
        )
        change = np.abs(limited_only.astype(int) - plain.astype(int)).mean(axis=2)
        margin = size // 8  # the latent's 8x8 cells next to the border mix both sides
        inside_change.append(float(change[:, : size // 2 - margin].mean()))
        outside_change.append(float(change[:, size // 2 + margin :].mean()))
        inside = np.zeros((size, size), bool)
        inside[:, : size // 2 - margin] = True
        outside = np.zeros((size, size), bool)
        outside[:, size // 2 + margin :] = True
        for side, where in (("in", inside), ("out", outside)):
            base = analysis.edge_f1(plain, rendered.edges, where=where)
            for name, image in (("limited", limited_only), ("full", full)):
                gain = analysis.edge_f1(image, rendered.edges, where=where) - base
                follow[f"{name}_{side}"].append(gain)
        wanted = _recoloured(scene, i)
        asked = caption(wanted)
        for name, curve in (
            ("constant", None),
            ("structure first", CURVE_PRESETS["Structure first"]),
        ):
            image, _ = r(asked, seed=i, controls=(_guide(rendered, r.edge, curve=curve),))
            curves[name]["f1"].append(analysis.edge_f1(image, rendered.edges))
            curves[name]["colour"].append(_colours_found(image, wanted))
        other = _rekinded(scene)
        for mode, balance in MODES.items():
            guide = _guide(rendered, r.edge, balance=balance)
            image, _ = r(caption(other), seed=i, controls=(guide,))
            modes[mode]["f1"].append(analysis.edge_f1(image, rendered.edges))
            modes[mode]["kind"].append(_kinds_as_asked(image, other))
    figures.control = {
        "region_inside": mean_of(inside_change),
        "region_outside": mean_of(outside_change),
        "region_ratio": mean_of(inside_change) / max(1e-9, mean_of(outside_change)),
        **{f"follow_{k}": mean_of(v) for k, v in follow.items()},
        "seconds_plain_guide": float(np.median(seconds["plain guide"])),
        "seconds_region_curve": float(np.median(seconds["region + curve"])),
        "cases": float(len(inside_change)),
    }
    for name, values in curves.items():
        key = name.replace(" ", "_")
        figures.control[f"curve_{key}_f1"] = mean_of(values["f1"])
        figures.control[f"curve_{key}_colour"] = mean_of(values["colour"])
    for mode, values in modes.items():
        figures.control[f"mode_{mode}_f1"] = mean_of(values["f1"])
        figures.control[f"mode_{mode}_kind"] = mean_of(values["kind"])
