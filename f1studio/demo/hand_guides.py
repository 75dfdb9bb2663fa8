"""Guides as a person makes them, simulated for a shapes-world scene.

* :func:`hand_edges`: outlines drawn with the mouse: wobbly strokes at the window's edge-brush
  sizes, with small gaps, overshoots at the corners and sometimes an outline left unfinished.
  Only what can be seen is drawn (a shape hidden behind another is outlined where it shows).
* :func:`painted_depth`: rough brushed blobs in grey levels, nearer shapes brighter, not exact
  silhouettes.
* :func:`painted_mask`: an inpaint mask brushed over a shape with a big brush: well past its
  outline, with a ragged rim.
* :func:`colour_sketch`: a rough colour sketch of the scene (blobby shapes, uneven fill) of the
  kind an artist starts an img2img or live render from.

Each is a pure function of the scene and a ``numpy`` generator; training and evaluation use
generators seeded from different streams.
"""

from __future__ import annotations

import cv2
import numpy as np

from f1studio.demo.world import COLORS, Scene, Shape, label_map, outline, shape_mask

#: Edge-brush diameters on the 128 px canvas: the window's default (3 px, a 128th of the
#: canvas but at least 3), its [ and ] steps, and a big canvas's thin pen scaled down.
EDGE_BRUSHES = (1, 2, 3, 3, 4, 5)


def _smooth_noise(rng: np.random.Generator, n: int, amplitude: float, wiggles: float) -> np.ndarray:
    """``n`` values of a smooth random wobble (a few sines), about ``amplitude`` in size."""
    t = np.linspace(0, 1, n)
    out = np.zeros(n)
    for k in range(3):
        freq = wiggles * (k + 1) * rng.uniform(0.6, 1.4)
        out += rng.normal(0, 1) * np.sin(2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi))
    return out * amplitude / 1.7


def _stroke_points(corners: np.ndarray, closed: bool, spacing: float = 1.0) -> np.ndarray:
    """Points every ``spacing`` px along a polyline through ``corners``."""
    pts = np.vstack([corners, corners[:1]]) if closed else corners
    out = []
    for a, b in zip(pts[:-1], pts[1:], strict=True):
        steps = max(1, int(np.ceil(np.hypot(*(b - a)) / spacing)))
        out.append(a + (b - a) * np.linspace(0, 1, steps, endpoint=False)[:, None])
    out.append(pts[-1:])
    return np.vstack(out)


def _wobble(points: np.ndarray, rng: np.random.Generator, amplitude: float) -> np.ndarray:
    """Move each point sideways by a smooth random amount."""
    if len(points) < 3:
        return points
    tangent = np.gradient(points, axis=0)
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-6)
    wiggles = max(1.0, len(points) / 60)
    return points + normal * _smooth_noise(rng, len(points), amplitude, wiggles)[:, None]


def _draw_polyline(canvas: np.ndarray, points: np.ndarray, width: int) -> None:
    pts = np.rint(points * 4).astype(np.int32).reshape(-1, 1, 2)
    cv2.polylines(canvas, [pts], False, 255, max(1, width), cv2.LINE_AA, 2)


def _shape_strokes(shape: Shape, size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """The polylines a person draws around one shape: one per side (with overshoots) for
    polygons, one or two arcs for a circle; some pieces dropped or cut short."""
    corners = outline(shape, size)
    if shape.kind == "circle":
        start = int(rng.integers(len(corners)))
        loop = np.roll(corners, -start, axis=0)
        closing = rng.uniform(-0.06, 0.08)  # a little short of closing or overlapping
        extra = int(round(closing * len(loop)))
        path = np.vstack([loop, loop[: max(0, extra)]]) if extra >= 0 else loop[:extra]
        strokes = [_stroke_points(path, closed=False)]
    else:
        strokes = []
        n = len(corners)
        for k in range(n):
            a, b = corners[k], corners[(k + 1) % n]
            direction = (b - a) / max(np.hypot(*(b - a)), 1e-6)
            over_a, over_b = rng.uniform(-1.5, 3.0, size=2)
            strokes.append(
                _stroke_points(np.stack([a - direction * over_a, b + direction * over_b]), False)
            )
    kept = []
    for points in strokes:
        if len(points) > 8 and rng.random() < 0.15:  # a gap in the line
            cut = int(rng.integers(2, len(points) - 4))
            gap = int(rng.integers(2, 6))
            kept.extend([points[:cut], points[cut + gap :]])
        else:
            kept.append(points)
    if rng.random() < 0.15 and len(kept) > 1:  # an outline left unfinished
        kept.pop(int(rng.integers(len(kept))))
    return kept


def hand_edges(scene: Scene, rng: np.random.Generator, size: int = 128) -> np.ndarray:
    """uint8 (size, size): the scene's visible outlines drawn by hand (white on black)."""
    width = EDGE_BRUSHES[int(rng.integers(len(EDGE_BRUSHES)))]
    amplitude = rng.uniform(0.3, 1.6) * size / 128
    canvas = np.zeros((size, size), np.uint8)
    shapes = scene.shapes
    for i, shape in enumerate(shapes):
        layer = np.zeros_like(canvas)
        for points in _shape_strokes(shape, size, rng):
            _draw_polyline(layer, _wobble(points, rng, amplitude), width)
        front = np.zeros((size, size), bool)
        for other in shapes[i + 1 :]:
            front |= shape_mask(other, size)
        if front.any():  # hidden parts are not drawn
            hidden = cv2.erode(front.astype(np.uint8), np.ones((3, 3), np.uint8), iterations=2)
            layer[hidden > 0] = 0
        canvas = np.maximum(canvas, layer)
    if scene.split is not None and rng.random() < 0.7:
        half = size / 2 + rng.uniform(-1.5, 1.5)
        ends = np.array([[0.0, half], [size - 1.0, half]])
        if scene.split == "left/right":
            ends = ends[:, ::-1]
        line = _wobble(_stroke_points(ends, closed=False), rng, amplitude)
        _draw_polyline(canvas, line, width)
    return canvas


def _warp(mask: np.ndarray, rng: np.random.Generator, amplitude: float) -> np.ndarray:
    """``mask`` pushed around by a smooth random displacement field (a hand's imprecision)."""
    size = mask.shape[0]
    coarse = rng.normal(0, amplitude, size=(2, 5, 5)).astype(np.float32)
    field = [cv2.resize(c, (size, size), interpolation=cv2.INTER_CUBIC) for c in coarse]
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    return cv2.remap(mask, xs + field[0], ys + field[1], cv2.INTER_LINEAR)


def painted_depth(scene: Scene, rng: np.random.Generator, size: int = 128) -> np.ndarray:
    """uint8 (size, size): a depth guide painted with a big soft brush: each shape a rough
    blob (grown or shrunk a little, warped), back to front, brighter when nearer."""
    n = len(scene.shapes)
    levels = np.linspace(255 - 65 * (n - 1), 255, n) if n > 1 else np.array([255.0])
    levels = np.clip(levels + rng.uniform(-20, 10, size=n), 30, 255)
    levels = np.maximum.accumulate(np.sort(levels))  # nearer stays brighter
    canvas = np.zeros((size, size), np.float32)
    grow = rng.uniform(-2, 5) * size / 128
    for shape, level in zip(scene.shapes, levels, strict=True):
        mask = shape_mask(shape, size).astype(np.float32)
        if grow:
            k = max(1, int(abs(grow)) * 2 + 1)
            kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
            grown = cv2.dilate(mask, kernel) if grow > 0 else cv2.erode(mask, kernel)
            mask = np.asarray(grown, np.float32)
        mask = _warp(mask, rng, rng.uniform(0.5, 2.5) * size / 128)
        soft = cv2.GaussianBlur(mask, (0, 0), rng.uniform(0.6, 2.0))
        canvas = canvas * (1 - soft) + level * soft
    canvas += rng.normal(0, 4, canvas.shape).astype(np.float32)
    return np.clip(canvas, 0, 255).astype(np.uint8)


def painted_mask(visible: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """bool: an inpaint mask painted over the shape whose visible part is ``visible`` (uint8
    0/255) with a big soft brush: 4-13 px past it all round, with a few dabs on the rim."""
    grow = int(rng.integers(4, 14))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2)
    mask = cv2.dilate(visible, kernel)
    rim = np.argwhere(cv2.Canny(mask, 100, 200) > 0)
    if len(rim):
        picks = rim[rng.integers(len(rim), size=int(rng.integers(3, 9)))]
        for y, x in picks:
            cv2.circle(mask, (int(x), int(y)), int(rng.integers(2, grow + 2)), 255, -1)
    return mask > 0


def colour_sketch(scene: Scene, rng: np.random.Generator, size: int = 128) -> np.ndarray:
    """uint8 RGB (size, size, 3): a rough colour sketch of the scene: the background's colours,
    each shape as a warped blob of its colour with uneven strokes, back to front."""
    labels = label_map(scene, size)
    bg = list(scene.background) * (2 // len(scene.background))
    canvas = np.array([COLORS[c] for c in bg], np.float32)[np.minimum(labels, 1)]
    for shape in scene.shapes:
        mask = _warp(shape_mask(shape, size).astype(np.float32), rng, 2.0 * size / 128)
        mask = cv2.GaussianBlur(mask, (0, 0), 1.0)
        shade = np.array(COLORS[shape.color], np.float32) + rng.normal(0, 12, 3)
        canvas = canvas * (1 - mask[..., None]) + shade * mask[..., None]
    canvas += rng.normal(0, 6, canvas.shape).astype(np.float32)
    return np.clip(canvas, 0, 255).astype(np.uint8)
