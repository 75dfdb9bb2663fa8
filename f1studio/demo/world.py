"""A deterministic procedural "shapes world" for the offline demo model (version 2).

Each scene holds one to four flat-coloured shapes (circles, squares, triangles) over a plain
or two-tone background. A shape has any size from about a tenth of the canvas to nearly all
of it, any centre, and squares and triangles any rotation; shapes may overlap (each keeps a
visible part). :func:`render` turns a scene into an RGB image plus its control signals (an
edge map, a depth map and one visible-part mask per shape) and :func:`caption` describes it
in the words the prompt field shows::

    a small red circle on the left and a large blue square at the top right, on a yellow background
    a medium purple triangle in the centre, on a green and white background split top and bottom

Grammar: ``<shape> [", " <shape>]* " and " <shape> ", on a " <background>`` where a shape
phrase is ``"a <size> <colour> <kind> <position phrase>"`` (shapes listed back to front).
The words are coarse: a shape's size word names the band its half-extent lies in
(:data:`SIZE_BANDS`) and its position word the cell of a 3x3 grid its centre lies in
(:func:`position_of`); the exact values vary freely inside them.

Everything is a pure function of ``np.random.default_rng([seed, index])``. Training draws
from :data:`TRAIN_SEEDS` and evaluation from :data:`HELD_OUT_SEEDS` (disjoint ranges).
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

SIZES: tuple[str, ...] = ("small", "medium", "large")
#: Each size word's band of half-extents (circle radius, half a square's side, half a
#: triangle's base and height) as fractions of the canvas: a tenth of it to nearly all of it.
SIZE_BANDS: dict[str, tuple[float, float]] = {
    "small": (0.05, 0.11),
    "medium": (0.13, 0.22),
    "large": (0.25, 0.46),
}
#: The half-extent a size word stands for when a shape gives no exact one.
SIZE_SCALE: dict[str, float] = {"small": 0.09, "medium": 0.17, "large": 0.3}

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
"""Named positions with their typical normalised ``(x, y)`` centres (y grows downwards)."""

#: The share of squares and triangles that stand as people draw them when they give no angle
#: (a square level, a triangle apex up); the others turn to any angle. 0: every one at any
#: angle. An experiment may set it before it draws scenes (``benchmarks/demo_recipe_ablation.py
#: --world``). Drawing takes the same random numbers at any share, so most captions stay the
#: same (a shape turned otherwise can change which placements keep every shape visible).
#: Measured at 0.5 (docs/eval/demo-recipe-ablation.md): prompt-only kind fell 7-10 points.
UPRIGHT_SHARE = 0.0

#: Cell borders of the 3x3 position grid (between the typical centres).
GRID = (0.375, 0.625)
#: Sampled centres keep this far from a cell border, so every caption's position is clear.
GRID_MARGIN = 0.03

SPLITS: tuple[str, ...] = ("top/bottom", "left/right")

TRAIN_SEEDS = range(0, 1_000_000)
HELD_OUT_SEEDS = range(1_000_000, 2_000_000)
TRAIN_SEED = TRAIN_SEEDS[0]
HELD_OUT_SEED = HELD_OUT_SEEDS[0]

MAX_SHAPES = 4
_TWO_TONE_PROBABILITY = 0.35
#: How much of a shape's own area must stay visible behind the shapes in front of it.
MIN_VISIBLE = 0.5
#: How far a shape may reach over the canvas edge (fraction of its half-extent).
_OVERHANG = 0.25
# Depth grey of the shape at each layer, back to front (background is 0).
_DEPTH_LEVELS = (60, 125, 190, 255)
_SUBPIXEL = 4  # cv2 drawing shift: coordinates in 1/16 px


_GRID_WORDS = (
    ("top left", "top", "top right"),
    ("left", "centre", "right"),
    ("bottom left", "bottom", "bottom right"),
)


def position_of(x: float, y: float) -> str:
    """The position word of a normalised centre: the 3x3 grid cell it lies in."""
    col = 0 if x < GRID[0] else 2 if x > GRID[1] else 1
    row = 0 if y < GRID[0] else 2 if y > GRID[1] else 1
    return _GRID_WORDS[row][col]


def size_of(extent: float) -> str:
    """The size word of a half-extent (the nearest band)."""
    return min(SIZES, key=lambda s: max(SIZE_BANDS[s][0] - extent, extent - SIZE_BANDS[s][1]))


@dataclass(frozen=True)
class Shape:
    """A shape's kind, colour and words, with its exact geometry where it has one.

    ``x``/``y`` (normalised centre), ``extent`` (normalised half-extent) and ``angle``
    (degrees, clockwise on screen) default to the words' typical values.
    """

    kind: str
    color: str
    size: str
    position: str
    x: float | None = None
    y: float | None = None
    extent: float | None = None
    angle: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in SHAPES:
            raise ValueError(f"unknown shape kind {self.kind!r}")
        if self.color not in COLORS:
            raise ValueError(f"unknown colour {self.color!r}")
        if self.size not in SIZES:
            raise ValueError(f"unknown size {self.size!r}")
        if self.position not in POSITIONS:
            raise ValueError(f"unknown position {self.position!r}")

    @property
    def centre(self) -> tuple[float, float]:
        x, y = POSITIONS[self.position]
        return (x if self.x is None else self.x, y if self.y is None else self.y)

    @property
    def half_extent(self) -> float:
        return SIZE_SCALE[self.size] if self.extent is None else self.extent


@dataclass(frozen=True)
class Scene:
    """One to four shapes, listed back to front, over a plain or two-tone background.

    ``background`` holds one colour, or two for a two-tone split; ``split`` is then
    ``"top/bottom"`` (first colour on top) or ``"left/right"`` (first colour on the left).
    """

    shapes: tuple[Shape, ...]
    background: tuple[str, ...]
    split: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= len(self.shapes) <= MAX_SHAPES:
            raise ValueError(f"a scene holds one to {MAX_SHAPES} shapes")
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


def outline(shape: Shape, size: int, points: int = 64) -> np.ndarray:
    """float (N, 2) pixel coordinates of ``shape``'s outline on a ``size`` canvas: a polygon's
    corners, or ``points`` points around a circle."""
    cx, cy = (v * size for v in shape.centre)
    r = shape.half_extent * size
    if shape.kind == "circle":
        t = np.linspace(0, 2 * np.pi, points, endpoint=False)
        return np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], axis=1)
    if shape.kind == "square":
        corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=np.float64)
    else:  # triangle, apex up before rotation
        corners = np.array([[0, -1], [1, 1], [-1, 1]], dtype=np.float64)
    a = np.deg2rad(shape.angle)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return corners @ rot.T * r + np.array([cx, cy])


def draw_label(labels: np.ndarray, shape: Shape, value: int) -> None:
    """Fill ``shape`` into ``labels`` with ``value`` (flat, no anti-aliasing)."""
    size = labels.shape[0]
    scale = 1 << _SUBPIXEL
    if shape.kind == "circle":
        cx, cy = (v * size for v in shape.centre)
        centre = (round((cx - 0.5) * scale), round((cy - 0.5) * scale))
        radius = max(1, round(shape.half_extent * size * scale))
        cv2.circle(labels, centre, radius, value, -1, cv2.LINE_8, _SUBPIXEL)
        return
    pts = np.rint((outline(shape, size) - 0.5) * scale).astype(np.int32)
    cv2.fillPoly(labels, [pts], value, cv2.LINE_8, _SUBPIXEL)


def shape_mask(shape: Shape, size: int) -> np.ndarray:
    """bool (size, size): the whole shape, as if nothing lay in front of it."""
    canvas = np.zeros((size, size), np.int32)
    draw_label(canvas, shape, 1)
    return canvas > 0


def _sample_shape(rng: np.random.Generator, colour: str) -> Shape:
    kind = SHAPES[int(rng.integers(len(SHAPES)))]
    size = SIZES[int(rng.integers(len(SIZES)))]
    low, high = SIZE_BANDS[size]
    extent = float(rng.uniform(low, high))
    reach = extent * (1 - _OVERHANG)
    bounds = ((0.0, GRID[0]), (GRID[0], GRID[1]), (GRID[1], 1.0))
    cells = []  # (column, row) ranges of centres inside both the cell and the canvas
    for cx in bounds:
        for cy in bounds:
            xs = (max(cx[0] + GRID_MARGIN, reach), min(cx[1] - GRID_MARGIN, 1 - reach))
            ys = (max(cy[0] + GRID_MARGIN, reach), min(cy[1] - GRID_MARGIN, 1 - reach))
            if xs[0] < xs[1] and ys[0] < ys[1]:
                cells.append((xs, ys))
    xs, ys = cells[int(rng.integers(len(cells)))]
    x, y = float(rng.uniform(*xs)), float(rng.uniform(*ys))
    turn, share = {"circle": 0.0, "square": 90.0, "triangle": 360.0}[kind], UPRIGHT_SHARE
    u = float(rng.random())
    angle = 0.0 if u < share else turn * (u - share) / (1.0 - share)
    return Shape(kind, colour, size, position_of(x, y), x, y, extent, round(angle, 2))


def sample_scene(rng: np.random.Generator, size: int = 128) -> Scene:
    """Draw a varied scene: 1-4 shapes in distinct colours, none coloured like the background,
    each keeping at least :data:`MIN_VISIBLE` of its area visible."""
    names = list(COLORS)
    if rng.random() < _TWO_TONE_PROBABILITY:
        i, j = rng.choice(len(names), size=2, replace=False)
        background: tuple[str, ...] = (names[int(i)], names[int(j)])
        split: str | None = SPLITS[int(rng.integers(len(SPLITS)))]
    else:
        background = (names[int(rng.integers(len(names)))],)
        split = None
    free = [c for c in names if c not in background]
    count = int(rng.integers(1, MAX_SHAPES + 1))
    colours = [free[int(k)] for k in rng.choice(len(free), size=count, replace=False)]
    shapes: list[Shape] = []
    visible: list[np.ndarray] = []
    areas: list[int] = []
    for colour in colours:
        for _ in range(20):
            shape = _sample_shape(rng, colour)
            mask = shape_mask(shape, size)
            # the new shape lies in front: every earlier one must keep enough of itself
            if all(
                (v & ~mask).sum() >= MIN_VISIBLE * a for v, a in zip(visible, areas, strict=True)
            ):
                shapes.append(shape)
                visible = [v & ~mask for v in visible] + [mask]
                areas.append(int(mask.sum()))
                break
    return Scene(shapes=tuple(shapes), background=background, split=split)


def position_phrase(position: str) -> str:
    if position in ("left", "right"):
        return f"on the {position}"
    if position == "centre":
        return "in the centre"
    return f"at the {position}"


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def shape_phrase(shape: Shape) -> str:
    """``"a small red circle on the left"``."""
    words = f"{shape.size} {shape.color} {shape.kind} {position_phrase(shape.position)}"
    return f"{_article(shape.size)} {words}"


def caption(scene: Scene) -> str:
    """Describe ``scene`` in the module's fixed grammar (shapes back to front)."""
    phrases = [shape_phrase(s) for s in scene.shapes]
    shapes = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
    if len(scene.background) == 1:
        background = f"{_article(scene.background[0])} {scene.background[0]} background"
    else:
        first, second = scene.background
        direction = "top and bottom" if scene.split == "top/bottom" else "left and right"
        background = f"{_article(first)} {first} and {second} background split {direction}"
    return f"{shapes}, on {background}"


def label_map(scene: Scene, size: int) -> np.ndarray:
    """Per-pixel owner: 0/1 for the background part(s), 2 + i for shape ``i`` (front wins)."""
    labels = np.zeros((size, size), dtype=np.int32)
    if scene.split == "top/bottom":
        labels[size // 2 :, :] = 1
    elif scene.split == "left/right":
        labels[:, size // 2 :] = 1
    for i, shape in enumerate(scene.shapes):
        draw_label(labels, shape, 2 + i)
    return labels


def boundaries(labels: np.ndarray) -> np.ndarray:
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
    labels = label_map(scene, size)
    n = len(scene.shapes)
    bg = list(scene.background) * (2 // len(scene.background))
    palette = np.array(
        [COLORS[c] for c in bg] + [COLORS[s.color] for s in scene.shapes], dtype=np.uint8
    )
    image = palette[labels]
    depth_palette = np.array([0, 0, *_DEPTH_LEVELS[MAX_SHAPES - n :]], dtype=np.uint8)
    depth = depth_palette[labels]
    masks = [np.where(labels == 2 + i, 255, 0).astype(np.uint8) for i in range(n)]
    return RenderedScene(image=image, edges=boundaries(labels), depth=depth, masks=masks)


def generate(
    index: int, seed: int = TRAIN_SEED, size: int = 128
) -> tuple[Scene, RenderedScene, str]:
    """The scene number ``index`` of stream ``seed``: deterministic per ``(seed, index)``."""
    if index < 0 or seed < 0:
        raise ValueError("seed and index must be non-negative")
    scene = sample_scene(np.random.default_rng([seed, index]), size)
    return scene, render(scene, size), caption(scene)
