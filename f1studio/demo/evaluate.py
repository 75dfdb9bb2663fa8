"""How well the demo model obeys prompts, regions, guides and inpaint masks (``f1studio eval``).

Every case is a held-out scene (:data:`world.HELD_OUT_SEED`, never used in training) rendered
through the normal engine (:func:`f1studio.engine.runner.run`) and measured with plain image
analysis (:mod:`f1studio.demo.analysis`). The figures are written by :mod:`f1studio.demo.report`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from f1studio.demo import analysis
from f1studio.demo.model import DEMO_ROOT, DEMO_SIZE
from f1studio.demo.world import COLORS, HELD_OUT_SEED, Scene, Shape, caption, generate, render

SOLVERS = ("dpmpp-2m", "euler")
SOLVER_STEPS = (4, 6, 8, 10, 12, 15, 20, 25, 30, 40)
REFERENCE_STEPS = 100
#: "Close enough to the 100-step picture": mean absolute difference, fraction of full scale.
SOLVER_TARGET = 0.01


@dataclass(frozen=True)
class EvalSettings:
    model: Path = DEMO_ROOT
    cases: int = 50
    steps: int = 20
    guidance: float = 5.0
    scheduler: str = "dpmpp-2m"
    solver_cases: int = 6
    first_index: int = 0
    #: Save the solver study's step counts as the model's ``step_plan.json`` (steps: auto).
    write_step_plan: bool = False


@dataclass
class Samples:
    """A few pictures per test for the PNG grid: case index -> column -> RGB image."""

    cases: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)
    depth: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)


@dataclass
class Figures:
    settings: EvalSettings
    prompt: dict[str, float] = field(default_factory=dict)
    regions: dict[str, float] = field(default_factory=dict)
    edges: dict[str, float] = field(default_factory=dict)
    depth: dict[str, float] = field(default_factory=dict)
    inpaint: dict[str, float] = field(default_factory=dict)
    solvers: dict[str, dict[int, float]] = field(default_factory=dict)
    solver_steps_needed: dict[str, int | None] = field(default_factory=dict)
    auto: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    samples: Samples = field(default_factory=Samples)


def model_paths(model: Path) -> tuple[str, str | None, str | None]:
    """(pipeline, edge ControlNet, depth ControlNet) of a demo-layout folder or a pipeline."""
    model = Path(model)
    if (model / "pipeline" / "model_index.json").is_file():
        edge, depth = model / "controlnet-edge", model / "controlnet-depth"
        return (
            str(model / "pipeline"),
            str(edge) if edge.is_dir() else None,
            str(depth) if depth.is_dir() else None,
        )
    if (model / "model_index.json").is_file():
        return str(model), None, None
    raise ValueError(f"{model} is not a model folder (no model_index.json)")


class Renderer:
    """Renders requests through the engine, keeping the models loaded between cases."""

    def __init__(self, settings: EvalSettings) -> None:
        from f1studio.engine.models import ModelCache

        self.settings = settings
        self.pipeline, self.edge, self.depth = model_paths(settings.model)
        self.cache = ModelCache()
        self.renders = 0

    def __call__(self, prompt: str, seed: int, **kw: Any) -> tuple[np.ndarray, int]:
        """The picture and the number of denoising steps it took."""
        from f1studio.engine.events import Failed, Finished, Progress
        from f1studio.engine.request import GenerationRequest
        from f1studio.engine.runner import run

        args: dict[str, Any] = dict(
            width=DEMO_SIZE,
            height=DEMO_SIZE,
            model=self.pipeline,
            steps=self.settings.steps,
            guidance_scale=self.settings.guidance,
            scheduler=self.settings.scheduler,
            seed=seed,
            device="cpu",
        )
        args.update(kw)
        events: list[Any] = []
        run(GenerationRequest(prompt, **args), events.append, cache=self.cache)
        self.renders += 1
        for event in events:
            if isinstance(event, Failed):
                raise RuntimeError(f"render failed: {event.message}")
            if isinstance(event, Finished):
                steps = sum(isinstance(e, Progress) for e in events)
                return event.result.images[0], steps
        raise RuntimeError("the engine finished without a picture")


def _pixels(array: np.ndarray) -> Any:
    from f1studio.engine.request import Pixels

    return Pixels.of(np.ascontiguousarray(array))


def _mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if values else float("nan")


def _interior(mask: np.ndarray, pixels: int = 2) -> np.ndarray:
    kernel = np.ones((2 * pixels + 1, 2 * pixels + 1), np.uint8)
    inner = cv2.erode(mask, kernel)
    return inner if inner.any() else mask


def _cases(settings: EvalSettings) -> Iterator[tuple[int, Scene, Any, str]]:
    for i in range(settings.first_index, settings.first_index + settings.cases):
        yield (i, *generate(i, HELD_OUT_SEED))


# -- the measurements ---------------------------------------------------------------------


PROMPT_PARTS = (
    "adherence",
    "background",
    "shape_colour",
    "shape_kind",
    "shape_position",
    "shape_size",
)


def _prompt_scores(image: np.ndarray, scene: Scene, rendered: Any, into: dict) -> None:
    """Append one render's prompt scores to ``into`` (a list per :data:`PROMPT_PARTS`):
    whole-caption adherence and background per render; colour found, kind, position and size
    right per shape."""
    into.setdefault("adherence", []).append(float(analysis.prompt_adherent(image, scene)))
    into.setdefault("background", []).append(float(_background_right(image, scene, rendered)))
    for shape, fit in zip(scene.shapes, analysis.fit_shapes(image, scene), strict=True):
        found = fit.iou >= analysis.MIN_IOU
        into.setdefault("shape_colour", []).append(float(found))
        into.setdefault("shape_kind", []).append(float(found and fit.kind == shape.kind))
        into.setdefault("shape_position", []).append(
            float(found and fit.position == shape.position)
        )
        into.setdefault("shape_size", []).append(float(found and fit.size == shape.size))


def eval_prompt(r: Renderer, figures: Figures) -> None:
    """Whole-caption adherence, and per shape: colour found, kind right, position right."""
    scores: dict[str, list[float]] = {}
    for i, scene, rendered, text in _cases(r.settings):
        image, _ = r(text, seed=i)
        _prompt_scores(image, scene, rendered, scores)
        _sample(figures, i, "world", rendered.image)
        _sample(figures, i, "prompt", image)
    figures.prompt = {part: _mean(scores[part]) for part in PROMPT_PARTS}
    figures.prompt["cases"] = len(scores["adherence"])


def _background_right(image: np.ndarray, scene: Scene, rendered: Any) -> bool:
    """Most background pixels (outside every shape, 4 px in) carry the caption's colour."""
    outside = np.ones(image.shape[:2], np.uint8) * 255
    for mask in rendered.masks:
        outside[cv2.dilate(mask, np.ones((9, 9), np.uint8)) > 0] = 0
    labels = analysis.colour_labels(image)
    names = list(COLORS)
    if scene.split is None:
        return bool(np.mean(labels[outside > 0] == names.index(scene.background[0])) > 0.5)
    half = image.shape[0] // 2
    first = np.zeros_like(outside)
    if scene.split == "top/bottom":
        first[:half] = 255
    else:
        first[:, :half] = 255
    parts = ((first > 0) & (outside > 0), (first == 0) & (outside > 0))
    return all(
        np.mean(labels[part] == names.index(colour)) > 0.5
        for part, colour in zip(parts, scene.background, strict=True)
        if part.any()
    )


def eval_regions(r: Renderer, figures: Figures) -> None:
    """Each shape's mask becomes a region asking for that shape alone (a one-shape caption:
    the engine reads "global, region" inside a region, so the global prompt stays empty).
    Baseline: the same seed with no regions."""
    from f1studio.engine.request import RegionSpec

    with_regions, without = [], []
    for i, scene, rendered, _ in _cases(r.settings):
        regions = tuple(
            RegionSpec(mask=_pixels(mask), prompt=caption(replace(scene, shapes=(shape,))))
            for shape, mask in zip(scene.shapes, rendered.masks, strict=True)
        )
        image, _ = r("", seed=i, regions=regions)
        plain, _ = r("", seed=i)
        for shape, mask in zip(scene.shapes, rendered.masks, strict=True):
            inner = _interior(mask)
            with_regions.append(analysis.colour_fraction(image, inner, shape.color))
            without.append(analysis.colour_fraction(plain, inner, shape.color))
        _sample(figures, i, "regions", image)
    figures.regions = {
        "adherence": _mean(with_regions),
        "baseline": _mean(without),
        "regions": len(with_regions),
    }


def eval_edges(r: Renderer, figures: Figures) -> None:
    if r.edge is None:
        return
    from f1studio.engine.request import ControlKind, ControlSpec

    scores: dict[str, list[float]] = {k: [] for k in ("guide", "caption", "guide_only", "none")}
    for i, _scene, rendered, text in _cases(r.settings):
        guide = np.repeat(rendered.edges[:, :, None], 3, axis=2)
        control = ControlSpec(kind=ControlKind.EDGE, image=_pixels(guide), model=r.edge)
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
        _sample(figures, i, "edge guide", guide)
        _sample(figures, i, "edges", guided)
    figures.edges = {f"f1_{k}": _mean(v) for k, v in scores.items()}


def _overlapping_scenes(count: int, first: int) -> Iterator[tuple[int, Scene]]:
    """Held-out scenes with at least two shapes whose outlines overlap."""
    index = first
    found = 0
    while found < count:
        scene = generate(index, HELD_OUT_SEED)[0]
        index += 1
        if len(scene.shapes) < 2:
            continue
        alone = [render(replace(scene, shapes=(s,))).masks[0] > 0 for s in scene.shapes]
        if any((a & b).any() for j, a in enumerate(alone) for b in alone[j + 1 :]):
            found += 1
            yield index - 1, scene


def eval_depth(r: Renderer, figures: Figures) -> None:
    """The depth guide layers the shapes; the prompt lists them front to back (the reverse of
    training captions, so the text alone implies the opposite layering)."""
    if r.depth is None:
        return
    from f1studio.engine.request import ControlKind, ControlSpec

    guided_scores, plain_scores, guided_f1, plain_f1 = [], [], [], []
    for i, scene in _overlapping_scenes(r.settings.cases, r.settings.first_index):
        rendered = render(scene)
        reversed_text = caption(replace(scene, shapes=tuple(reversed(scene.shapes))))
        guide = np.repeat(rendered.depth[:, :, None], 3, axis=2)
        control = ControlSpec(kind=ControlKind.DEPTH, image=_pixels(guide), model=r.depth)
        guided, _ = r(reversed_text, seed=i, controls=(control,))
        plain, _ = r(reversed_text, seed=i)
        guided_scores.append(analysis.depth_order_correlation(guided, scene))
        plain_scores.append(analysis.depth_order_correlation(plain, scene))
        guided_f1.append(analysis.edge_f1(guided, rendered.edges))
        plain_f1.append(analysis.edge_f1(plain, rendered.edges))
        _sample(figures, i, "depth guide", guide, depth_row=True)
        _sample(figures, i, "depth", guided, depth_row=True)
    figures.depth = {
        "rank_correlation_guide": float(np.nanmean(guided_scores)),
        "rank_correlation_no_guide": float(np.nanmean(plain_scores)),
        "outline_f1_guide": _mean(guided_f1),
        "outline_f1_no_guide": _mean(plain_f1),
        "cases": len(guided_scores),
    }


def eval_inpaint(r: Renderer, figures: Figures) -> None:
    """Repaint one shape in another colour: outside must stay bit-identical."""
    from f1studio.engine.request import InpaintSpec

    identical, follows, keeps_old = [], [], []
    names = list(COLORS)
    for i, scene, rendered, _ in _cases(r.settings):
        k = len(scene.shapes) - 1  # the front shape: fully visible
        old = scene.shapes[k]
        choices = [c for c in names if c not in (*scene.background, old.color)]
        new_colour = choices[i % len(choices)]
        changed = replace(
            scene, shapes=scene.shapes[:k] + (Shape(old.kind, new_colour, old.size, old.position),)
        )
        mask = cv2.dilate(rendered.masks[k], np.ones((7, 7), np.uint8))
        init = rendered.image
        image, _ = r(
            caption(changed),
            seed=i,
            init_image=_pixels(init),
            inpaint=InpaintSpec(mask=_pixels(mask), strength=1.0, feather=0),
        )
        outside = mask == 0
        identical.append(float(np.array_equal(image[outside], init[outside])))
        inner = _interior(rendered.masks[k])
        follows.append(analysis.colour_fraction(image, inner, new_colour))
        keeps_old.append(analysis.colour_fraction(image, inner, old.color))
        _sample(figures, i, "inpaint", image)
    figures.inpaint = {
        "outside_identical": _mean(identical),
        "inside_new_colour": _mean(follows),
        "inside_old_colour": _mean(keeps_old),
    }


def eval_solvers(r: Renderer, figures: Figures) -> None:
    """Distance to each solver's own 100-step picture after n steps (mean |diff| / 255)."""
    cases = list(_cases(replace(r.settings, cases=r.settings.solver_cases)))
    for solver in SOLVERS:
        distances: dict[int, list[float]] = {n: [] for n in SOLVER_STEPS}
        for i, _, _, text in cases:
            reference, _ = r(text, seed=i, scheduler=solver, steps=REFERENCE_STEPS)
            ref = reference.astype(np.float32)
            for n in SOLVER_STEPS:
                image, _ = r(text, seed=i, scheduler=solver, steps=n)
                distances[n].append(float(np.abs(image.astype(np.float32) - ref).mean() / 255))
        figures.solvers[solver] = {n: _mean(v) for n, v in distances.items()}
        figures.solver_steps_needed[solver] = next(
            (n for n in SOLVER_STEPS if figures.solvers[solver][n] <= SOLVER_TARGET), None
        )
    if r.settings.write_step_plan:
        from f1studio.engine.adaptive import write_step_plan

        pipeline = model_paths(r.settings.model)[0]
        write_step_plan(pipeline, figures.solver_steps_needed, r.settings.guidance, SOLVER_TARGET)


def eval_auto_steps(r: Renderer, figures: Figures, planned: int = 25) -> None:
    """steps: auto (at most ``planned``) against a fixed ``planned`` steps: steps used,
    distance to the 100-step picture, and prompt adherence — on cases after the solver
    study's, so a step plan measured there is judged on scenes it was not measured on."""
    from f1studio.engine.adaptive import read_step_plan

    used, auto_dist, fixed_dist, between = [], [], [], []
    scores: dict[str, dict[str, list[float]]] = {"auto": {}, "fixed": {}}
    after_study = r.settings.first_index + r.settings.solver_cases
    cases = list(_cases(replace(r.settings, cases=12, first_index=after_study)))
    for i, scene, rendered, text in cases:
        reference, _ = r(text, seed=i, steps=REFERENCE_STEPS)
        ref = reference.astype(np.float32)
        fixed, _ = r(text, seed=i, steps=planned)
        auto, steps = r(text, seed=i, steps=planned, auto_steps=True)
        used.append(steps)
        fixed_dist.append(float(np.abs(fixed.astype(np.float32) - ref).mean() / 255))
        auto_dist.append(float(np.abs(auto.astype(np.float32) - ref).mean() / 255))
        between.append(float(np.abs(auto.astype(np.float32) - fixed).mean() / 255))
        _prompt_scores(fixed, scene, rendered, scores["fixed"])
        _prompt_scores(auto, scene, rendered, scores["auto"])
    figures.auto = {
        "planned": planned,
        "mean_steps": _mean(used),
        "distance_auto": _mean(auto_dist),
        "distance_fixed": _mean(fixed_dist),
        "distance_between": _mean(between),
        "cases": len(cases),
    }
    for mode, parts in scores.items():
        for part in PROMPT_PARTS:
            figures.auto[f"{part}_{mode}"] = _mean(parts[part])
    plan = read_step_plan(model_paths(r.settings.model)[0])
    if plan is not None and r.settings.scheduler in plan["steps"]:
        figures.auto["plan_steps"] = plan["steps"][r.settings.scheduler]


SAMPLE_ROWS = 6


def _sample(
    figures: Figures, index: int, column: str, image: np.ndarray, depth_row: bool = False
) -> None:
    """Keep the first few cases' pictures for the report's grid."""
    section = figures.samples.depth if depth_row else figures.samples.cases
    if index not in section and len(section) >= SAMPLE_ROWS:
        return
    rgb = image if image.ndim == 3 else np.repeat(image[:, :, None], 3, axis=2)
    section.setdefault(index, {}).setdefault(column, rgb)


TESTS: dict[str, Callable[[Renderer, Figures], None]] = {
    "prompt": eval_prompt,
    "regions": eval_regions,
    "edges": eval_edges,
    "depth": eval_depth,
    "inpaint": eval_inpaint,
    "solvers": eval_solvers,
    "auto": eval_auto_steps,
}


def evaluate(
    settings: EvalSettings,
    only: tuple[str, ...] = tuple(TESTS),
    progress: Callable[[str], None] = lambda _: None,
) -> Figures:
    began = time.monotonic()
    renderer = Renderer(settings)
    figures = Figures(settings)
    for name in only:
        progress(f"{name}…")
        started = time.monotonic()
        TESTS[name](renderer, figures)
        progress(f"{name}: done in {time.monotonic() - started:.0f}s")
    figures.seconds = time.monotonic() - began
    return figures
