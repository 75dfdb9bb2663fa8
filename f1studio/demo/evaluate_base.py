"""What every evaluation test shares: the settings, the figures, the renderer (the normal
engine, models kept loaded between cases), the held-out cases and the prompt scores."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from f1studio.demo import analysis
from f1studio.demo.model import DEMO_ROOT, DEMO_SIZE
from f1studio.demo.world import COLORS, HELD_OUT_SEED, Scene, generate

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
    #: Single-shape scenes per size word in the hand-drawn edge test.
    per_size_cases: int = 12
    first_index: int = 0
    #: The world seed of the cases' scenes: the held-out scenes, or ``TRAIN_SEED`` for the
    #: scenes the model learned from (is it short of fitting them, or of generalising?).
    #: Only the tests that take their scenes from :func:`held_out_cases` alone honour it.
    scene_seed: int = HELD_OUT_SEED
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
    hand_edges: dict[str, float] = field(default_factory=dict)
    painted_depth: dict[str, float] = field(default_factory=dict)
    live: dict[str, float] = field(default_factory=dict)
    layout: dict[str, float] = field(default_factory=dict)
    control: dict[str, float] = field(default_factory=dict)
    autoencoder: dict[str, float] = field(default_factory=dict)
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


def inpaint_controlnet_path(model: Path) -> str | None:
    """The inpaint ControlNet of a demo-layout folder (``controlnet-inpaint/``), if it has one."""
    folder = Path(model) / "controlnet-inpaint"
    return str(folder) if (folder / "config.json").is_file() else None


class Renderer:
    """Renders requests through the engine, keeping the models loaded between cases."""

    def __init__(self, settings: EvalSettings) -> None:
        from f1studio.engine.models import ModelCache

        self.settings = settings
        self.pipeline, self.edge, self.depth = model_paths(settings.model)
        self.inpaint = inpaint_controlnet_path(settings.model)
        self.cache = ModelCache()
        self.renders = 0
        #: called with the number of renders so far after each one (progress for long runs)
        self.on_render: Callable[[int], None] = lambda _: None

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
        self.on_render(self.renders)
        for event in events:
            if isinstance(event, Failed):
                raise RuntimeError(f"render failed: {event.message}")
            if isinstance(event, Finished):
                steps = sum(isinstance(e, Progress) for e in events)
                return event.result.images[0], steps
        raise RuntimeError("the engine finished without a picture")


def pixels_of(array: np.ndarray) -> Any:
    from f1studio.engine.request import Pixels

    return Pixels.of(np.ascontiguousarray(array))


def mean_of(values: Sequence[float]) -> float:
    return float(np.mean(values)) if values else float("nan")


def interior(mask: np.ndarray, pixels: int = 2) -> np.ndarray:
    kernel = np.ones((2 * pixels + 1, 2 * pixels + 1), np.uint8)
    inner = cv2.erode(mask, kernel)
    return inner if inner.any() else mask


def held_out_cases(settings: EvalSettings) -> Iterator[tuple[int, Scene, Any, str]]:
    for i in range(settings.first_index, settings.first_index + settings.cases):
        yield (i, *generate(i, settings.scene_seed))


PROMPT_PARTS = (
    "adherence",
    "background",
    "shape_colour",
    "shape_kind",
    "shape_position",
    "shape_size",
)


def prompt_scores(image: np.ndarray, scene: Scene, rendered: Any, into: dict) -> None:
    """Append one render's prompt scores to ``into`` (a list per :data:`PROMPT_PARTS`):
    whole-caption adherence and background per render; colour found, kind, position and size
    right per shape; the kind again under ``shape_kind_<size word>`` (the caption's) and
    under ``kind_right_<kind>`` (the kind the caption asks for); and
    where a wrong kind came from: ``kind_swapped`` when another shape of the caption has it
    (the kinds went to the wrong shapes), ``kind_unasked`` when none has it."""
    into.setdefault("adherence", []).append(float(analysis.prompt_adherent(image, scene)))
    into.setdefault("background", []).append(float(background_right(image, scene, rendered)))
    kinds = [shape.kind for shape in scene.shapes]
    for i, (shape, fit) in enumerate(
        zip(scene.shapes, analysis.fit_shapes(image, scene), strict=True)
    ):
        found = fit.iou >= analysis.MIN_IOU
        into.setdefault("shape_colour", []).append(float(found))
        kind_right = float(found and fit.kind == shape.kind)
        into.setdefault("shape_kind", []).append(kind_right)
        into.setdefault(f"shape_kind_{shape.size}", []).append(kind_right)
        into.setdefault(f"kind_right_{shape.kind}", []).append(kind_right)
        wrong = found and fit.kind != shape.kind
        swapped = wrong and fit.kind in kinds[:i] + kinds[i + 1 :]
        into.setdefault("kind_swapped", []).append(float(swapped))
        into.setdefault("kind_unasked", []).append(float(wrong and not swapped))
        into.setdefault("shape_position", []).append(
            float(found and fit.position == shape.position)
        )
        into.setdefault("shape_size", []).append(float(found and fit.size == shape.size))


def background_right(image: np.ndarray, scene: Scene, rendered: Any) -> bool:
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


SAMPLE_ROWS = 6


def keep_sample(
    figures: Figures, index: int, column: str, image: np.ndarray, depth_row: bool = False
) -> None:
    """Keep the first few cases' pictures for the report's grid."""
    section = figures.samples.depth if depth_row else figures.samples.cases
    if index not in section and len(section) >= SAMPLE_ROWS:
        return
    rgb = image if image.ndim == 3 else np.repeat(image[:, :, None], 3, axis=2)
    section.setdefault(index, {}).setdefault(column, rgb)
