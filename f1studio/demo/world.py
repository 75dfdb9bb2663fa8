"""A deterministic procedural "shapes world" for the offline demo model.

Each scene holds one to three flat-coloured shapes (circles, squares, triangles) at
named positions over a plain or two-tone background. :func:`render` turns a scene into
an RGB image plus the matching control signals (an edge map, a depth map and one
visible-part mask per shape) and :func:`caption` describes it in a small fixed grammar::

    a small red circle on the left and a large blue square at the top right, on a yellow background
    a large purple triangle in the centre, on a green and white background split top and bottom

Grammar: ``<shape> [", " <shape>]* " and " <shape> ", on a " <background>`` where a shape
phrase is ``"a <size> <colour> <kind> <position phrase>"`` (shapes listed back to front)
and a background is ``"<colour> background"`` or ``"<first> and <second> background split
top and bottom"`` / ``"... split left and right"`` (first colour at the top / on the left).

Everything is a pure function of ``np.random.default_rng([seed, index])``: the same
``(seed, index)`` always yields the same scene, pixels and caption. Training draws from
:data:`TRAIN_SEEDS` and evaluation from :data:`HELD_OUT_SEEDS`; the two ranges are
disjoint, so evaluation never replays a training random stream. (The vocabulary is
finite, so an identical *configuration* can still recur by chance, as in any such world.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

SHAPES: tuple[str, ...] = ("circle", "square", "triangle")

COLORS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 220),
    "yellow": (240, 220, 40),
    "orange": (245, 140, 30),
    "purple": (140, 50, 170),
    "white": (245, 245, 245),
    "black": (20, 20, 20),
}

SIZES: tuple[str, ...] = ("small", "large")
#: Half-extent of a shape (circle radius, half the square's side) as a fraction of the image.
SIZE_SCALE: dict[str, float] = {"small": 0.12, "large": 0.21}

POSITIONS: dict[str, tuple[float, float]] = {
    "left": (0.25, 0.5),
    "right": (0.75, 0.5),
    "top": (0.5, 0.25),
    "bottom": (0.5, 0.75),
    "centre": (0.5, 0.5),
    "top left": (0.25, 0.25),
    "top right": (0.75, 0.25),
    "bottom left": (0.25, 0.75),
    "bottom right": (0.75, 0.75),
}
"""Named positions with their normalised ``(x, y)`` centres (y grows downwards)."""

SPLITS: tuple[str, ...] = ("top/bottom", "left/right")

#: Seeds used for training scenes; evaluation uses :data:`HELD_OUT_SEEDS` only.
TRAIN_SEEDS = range(0, 1_000_000)
#: Seeds reserved for evaluation; disjoint from :data:`TRAIN_SEEDS`.
HELD_OUT_SEEDS = range(1_000_000, 2_000_000)
TRAIN_SEED = TRAIN_SEEDS[0]
HELD_OUT_SEED = HELD_OUT_SEEDS[0]

_MAX_SHAPES = 3
_TWO_TONE_PROBABILITY = 0.35
# Depth grey of the shape at each layer, back to front (background is 0).
_DEPTH_LEVELS = (95, 175, 255)


@dataclass(frozen=True)
class Shape:
    kind: str
    color: str
    size: str
    position: str

    def __post_init__(self) -> None:
        if self.kind not in SHAPES:
            raise ValueError(f"unknown shape kind {self.kind!r}")
        if self.color not in COLORS:
            raise ValueError(f"unknown colour {self.color!r}")
        if self.size not in SIZES:
            raise ValueError(f"unknown size {self.size!r}")
        if self.position not in POSITIONS:
            raise ValueError(f"unknown position {self.position!r}")


@dataclass(frozen=True)
class Scene:
    """One to three shapes, listed back to front, over a plain or two-tone background.

    ``background`` holds one colour, or two for a two-tone split; ``split`` is then
    ``"top/bottom"`` (first colour on top) or ``"left/right"`` (first colour on the left).
    """

    shapes: tuple[Shape, ...]
    background: tuple[str, ...]
    split: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= len(self.shapes) <= _MAX_SHAPES:
            raise ValueError("a scene holds one to three shapes")
        if len({s.position for s in self.shapes}) != len(self.shapes):
            raise ValueError("two shapes share a position")
        if any(c not in COLORS for c in self.background):
            raise ValueError(f"unknown background colour in {self.background!r}")
        if len(self.background) == 1:
            if self.split is not None:
                raise ValueError("a plain background has no split")
        elif len(self.background) == 2:
            if self.split not in SPLITS:
                raise ValueError(f"a two-tone background needs a split in {SPLITS}")
        else:
            raise ValueError("background holds one or two colours")


@dataclass
class RenderedScene:
    """The pixels of a scene and its control signals, all ``size`` x ``size``."""

    image: np.ndarray  # RGB uint8 (H, W, 3)
    edges: np.ndarray  # uint8 0/255 (H, W)
    depth: np.ndarray  # uint8 (H, W): background 0, front shapes brighter
    masks: list[np.ndarray] = field(default_factory=list)  # uint8 0/255, visible part per shape


def sample_scene(rng: np.random.Generator) -> Scene:
    """Draw a varied scene: 1-3 shapes at distinct positions, none coloured like the background.

    Positions are 1/4 of the image apart and shapes at most 0.21 of it in half-extent, so
    every shape keeps a visible part whatever lies in front of it.
    """
    names = list(COLORS)
    if rng.random() < _TWO_TONE_PROBABILITY:
        i, j = rng.choice(len(names), size=2, replace=False)
        background: tuple[str, ...] = (names[int(i)], names[int(j)])
        split: str | None = SPLITS[int(rng.integers(len(SPLITS)))]
    else:
        background = (names[int(rng.integers(len(names)))],)
        split = None
    shape_colors = [c for c in names if c not in background]
    positions = list(POSITIONS)
    count = int(rng.integers(1, _MAX_SHAPES + 1))
    chosen = rng.choice(len(positions), size=count, replace=False)
    shapes = tuple(
        Shape(
            kind=SHAPES[int(rng.integers(len(SHAPES)))],
            color=shape_colors[int(rng.integers(len(shape_colors)))],
            size=SIZES[int(rng.integers(len(SIZES)))],
            position=positions[int(p)],
        )
        for p in chosen
    )
    return Scene(shapes=shapes, background=background, split=split)


def _position_phrase(position: str) -> str:
    if position in ("left", "right"):
        return f"on the {position}"
    if position == "centre":
        return "in the centre"
    return f"at the {position}"


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def caption(scene: Scene) -> str:
    """Describe ``scene`` in the module's fixed grammar (shapes back to front)."""
    phrases = [
        f"{_article(s.size)} {s.size} {s.color} {s.kind} {_position_phrase(s.position)}"
        for s in scene.shapes
    ]
    shapes = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
    if len(scene.background) == 1:
        background = f"{_article(scene.background[0])} {scene.background[0]} background"
    else:
        first, second = scene.background
        direction = "top and bottom" if scene.split == "top/bottom" else "left and right"
        background = f"{_article(first)} {first} and {second} background split {direction}"
    return f"{shapes}, on {background}"


def shape_geometry(shape: Shape, size: int) -> tuple[int, int, int]:
    x, y = POSITIONS[shape.position]
    return round(x * size), round(y * size), max(1, round(SIZE_SCALE[shape.size] * size))


def draw_label(labels: np.ndarray, shape: Shape, value: int) -> None:
    size = labels.shape[0]
    cx, cy, r = shape_geometry(shape, size)
    if shape.kind == "circle":
        cv2.circle(labels, (cx, cy), r, value, thickness=-1, lineType=cv2.LINE_8)
    elif shape.kind == "square":
        cv2.rectangle(labels, (cx - r, cy - r), (cx + r, cy + r), value, thickness=-1)
    else:  # triangle, apex up
        pts = np.array([[cx, cy - r], [cx + r, cy + r], [cx - r, cy + r]], dtype=np.int32)
        cv2.fillPoly(labels, [pts], value, lineType=cv2.LINE_8)


def _label_map(scene: Scene, size: int) -> np.ndarray:
    """Per-pixel owner: 0/1 for the background part(s), 2 + i for shape ``i`` (front wins)."""
    labels = np.zeros((size, size), dtype=np.int32)
    if scene.split == "top/bottom":
        labels[size // 2 :, :] = 1
    elif scene.split == "left/right":
        labels[:, size // 2 :] = 1
    for i, shape in enumerate(scene.shapes):
        draw_label(labels, shape, 2 + i)
    return labels


def _boundaries(labels: np.ndarray) -> np.ndarray:
    """255 wherever a pixel's 4-neighbour belongs to a different region, else 0."""
    edge = np.zeros(labels.shape, dtype=bool)
    dy = labels[1:, :] != labels[:-1, :]
    dx = labels[:, 1:] != labels[:, :-1]
    edge[1:, :] |= dy
    edge[:-1, :] |= dy
    edge[:, 1:] |= dx
    edge[:, :-1] |= dx
    return edge.astype(np.uint8) * 255


def render(scene: Scene, size: int = 128) -> RenderedScene:
    """Rasterise ``scene`` (flat colours, no anti-aliasing) with its edges, depth and masks."""
    if size < 8:
        raise ValueError("size must be at least 8")
    labels = _label_map(scene, size)
    n = len(scene.shapes)
    bg = list(scene.background) * (2 // len(scene.background))
    palette = np.array(
        [COLORS[c] for c in bg] + [COLORS[s.color] for s in scene.shapes], dtype=np.uint8
    )
    image = palette[labels]
    depth_palette = np.array([0, 0, *_DEPTH_LEVELS[_MAX_SHAPES - n :]], dtype=np.uint8)
    depth = depth_palette[labels]
    masks = [np.where(labels == 2 + i, 255, 0).astype(np.uint8) for i in range(n)]
    return RenderedScene(image=image, edges=_boundaries(labels), depth=depth, masks=masks)


def generate(
    index: int, seed: int = TRAIN_SEED, size: int = 128
) -> tuple[Scene, RenderedScene, str]:
    """The scene number ``index`` of stream ``seed``: deterministic per ``(seed, index)``."""
    if index < 0 or seed < 0:
        raise ValueError("seed and index must be non-negative")
    scene = sample_scene(np.random.default_rng([seed, index]))
    return scene, render(scene, size), caption(scene)
