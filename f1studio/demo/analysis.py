"""Measure how well an image (usually a generated one) obeys a shapes-world scene.

numpy + OpenCV only. Shape measures work on each pixel's nearest world colour after a light
clean-up (a 3x3 opening per colour, with the dropped fringe pixels refilled), so that the
soft edges, noise and small tints of a diffusion render do not read as shapes.

* :func:`fit_shapes` fits each scene shape's colour with a circle, a square and a triangle
  at any centre, size and rotation (enclosing fits of its pixels, refined) and keeps the kind
  that explains the pixels best. Pixels of the colours of shapes listed after it (nearer,
  as captions go back to front) may hide it: they count in neither intersection nor union.
* :func:`prompt_adherent`: every shape found with its colour, kind and position word.
* :func:`edge_f1` and :func:`depth_order_correlation` score the edge and depth controls.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import cv2
import numpy as np

from f1studio.demo.world import (
    COLORS,
    GRID,
    POSITIONS,
    SHAPES,
    Scene,
    Shape,
    position_of,
    shape_mask,
    size_of,
)

COLOR_NAMES: tuple[str, ...] = tuple(COLORS)
_PALETTE = np.array([COLORS[c] for c in COLOR_NAMES], dtype=np.float32)
_3X3 = np.ones((3, 3), np.uint8)

#: A fit below this IoU is too weak to count as finding the shape.
MIN_IOU = 0.5
#: Shape overlaps smaller than this (pixels) are ignored by the depth-order measure.
MIN_OVERLAP = 8
#: Pieces of a colour smaller than this share of its largest piece are specks, not shape.
_MIN_PIECE = 0.1
#: A fit of the caption's kind in the caption's cell this close (IoU) to the best fit reads
#: the picture the caption's way (see :func:`_fit_for`).
READING_TOLERANCE = 0.03


@dataclass(frozen=True)
class ShapeFit:
    """The shape that best explains one scene shape's pixels.

    ``kind``/``size``/``position`` are None when no pixel has the shape's colour.
    ``matched``: kind and position word equal the scene shape's and ``iou >= MIN_IOU``.
    ``x``, ``y``, ``extent`` (normalised) and ``angle`` (degrees) give the fitted geometry.
    """

    kind: str | None
    size: str | None
    position: str | None
    iou: float
    matched: bool
    x: float = 0.0
    y: float = 0.0
    extent: float = 0.0
    angle: float = 0.0


_NOT_FOUND = ShapeFit(None, None, None, 0.0, False)


def _distances(image: np.ndarray) -> np.ndarray:
    """(H*W, len(COLORS)) squared RGB distance of each pixel to each world colour."""
    pixels = np.asarray(image).reshape(-1, 3).astype(np.float32)
    return ((pixels[:, None, :] - _PALETTE[None, :, :]) ** 2).sum(axis=2)


def colour_labels(image: np.ndarray) -> np.ndarray:
    """Per pixel, the index into ``list(COLORS)`` of the nearest world colour (RGB distance)."""
    return _distances(image).argmin(axis=1).reshape(np.asarray(image).shape[:2])


def _clean_colour_masks(image: np.ndarray) -> np.ndarray:
    """(len(COLORS), H, W) bool: each colour's pixels, cleaned of specks and fringes.

    A 3x3 opening per colour drops specks and thin fringes (a blurred yellow/black edge reads
    as orange or green); each dropped pixel then goes to the nearest in RGB of the surviving
    colours next to it (two rounds), which puts a blurred edge back at its midpoint.
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.shape[0] != image.shape[1]:
        raise ValueError(f"expected a square RGB image (H, W, 3), got {image.shape}")
    dist = _distances(image)
    labels = dist.argmin(axis=1).reshape(image.shape[:2])
    masks = np.stack(
        [
            cv2.morphologyEx((labels == i).astype(np.uint8), cv2.MORPH_OPEN, _3X3)
            for i in range(len(_PALETTE))
        ]
    ).astype(bool)
    for _ in range(2):
        free = ~masks.any(axis=0)
        near = np.stack([cv2.dilate(m.astype(np.uint8), _3X3) > 0 for m in masks])
        cost = np.where(near.reshape(len(COLOR_NAMES), -1).T, dist, np.inf)
        best = cost.argmin(axis=1).reshape(free.shape)
        fill = free & np.isfinite(cost.min(axis=1)).reshape(free.shape)
        for i in range(len(COLOR_NAMES)):
            masks[i] |= fill & (best == i)
    return masks


def _pieces(pixels: np.ndarray) -> list[np.ndarray]:
    """The connected pieces of ``pixels`` that are not specks, largest first."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(pixels.astype(np.uint8), connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    if not len(areas):
        return []
    order = np.argsort(-areas, kind="stable")
    return [labels == k + 1 for k in order if areas[k] >= _MIN_PIECE * areas.max()]


def _candidate(kind: str, x: float, y: float, r: float, angle: float, size: int) -> Shape:
    cx, cy, extent = x / size, y / size, max(r / size, 0.5 / size)
    return Shape(kind, "red", size_of(extent), position_of(cx, cy), cx, cy, extent, angle)


def _triangle_candidates(vertices: np.ndarray, size: int) -> list[Shape]:
    """World triangles (apex, base of twice the half-extent) through a fitted triangle: one
    per choice of apex."""
    out = []
    for k in range(3):
        apex, b, c = vertices[k], vertices[(k + 1) % 3], vertices[(k + 2) % 3]
        base_mid = (b + c) / 2
        centre = (apex + base_mid) / 2
        r = max(np.hypot(*(b - c)) / 2, np.hypot(*(apex - base_mid)) / 2)
        up = apex - centre
        angle = float(np.degrees(np.arctan2(up[0], -up[1])))
        out.append(_candidate("triangle", float(centre[0]), float(centre[1]), r, angle % 360, size))
    return out


def _candidates(pixels: np.ndarray) -> list[Shape]:
    """Circles, squares and triangles that could explain ``pixels``: enclosing fits and
    area-matched fits around the centroid."""
    size = pixels.shape[0]
    points = np.argwhere(pixels)[:, ::-1].astype(np.float32) + 0.5
    area = float(len(points))
    mx, my = points.mean(axis=0)
    (ex, ey), er = cv2.minEnclosingCircle(points)
    (rx, ry), (w, h), rect_angle = cv2.minAreaRect(points)
    out = [
        _candidate("circle", ex, ey, er, 0.0, size),
        _candidate("circle", mx, my, np.sqrt(area / np.pi), 0.0, size),
        _candidate("square", rx, ry, max(w, h) / 2, rect_angle % 90, size),
        _candidate("square", mx, my, np.sqrt(area) / 2, rect_angle % 90, size),
    ]
    if len(points) >= 3:
        _, triangle = cv2.minEnclosingTriangle(points.reshape(-1, 1, 2))
        if triangle is not None and triangle.size == 6:
            out += _triangle_candidates(triangle.reshape(3, 2).astype(np.float64), size)
    if not any(shape.kind == "triangle" for shape in out):
        # OpenCV finds no enclosing triangle for some point sets (points on one line, or
        # pieces far apart): start the triangle from the enclosing circle instead
        out.append(_candidate("triangle", ex, ey, er, 0.0, size))
    return out


def _iou(template: np.ndarray, pixels: np.ndarray, unknown: np.ndarray) -> float:
    """Intersection over union of ``template`` and ``pixels``, where the template's pixels in
    ``unknown`` (hidden by shapes in front) count for neither."""
    inter = np.count_nonzero(template & pixels)
    union = np.count_nonzero(pixels) + np.count_nonzero(template & ~(pixels | unknown))
    return inter / union if union else 0.0


def _refine(
    shape: Shape, pixels: np.ndarray, unknown: np.ndarray, cell: str | None = None
) -> tuple[float, Shape]:
    """Coordinate descent on a candidate's centre, size and rotation (steps of 4, 2 and 1 px,
    and of 8 down to 1 degrees) while its IoU improves; with ``cell``, the centre stays in
    that position word's cell."""
    size = pixels.shape[0]

    def score(s: Shape) -> float:
        if cell is not None and s.position != cell:
            return -1.0
        return _iou(shape_mask(s, size), pixels, unknown)

    best, best_iou = shape, score(shape)
    turns = shape.kind != "circle"
    for px, degrees in ((4.0, 8.0), (2.0, 4.0), (1.0, 2.0), (0.5, 1.0)):
        for _ in range(6):
            x, y = (v * size for v in best.centre)
            e, a = best.half_extent * size, best.angle
            moves: list[tuple[float, float, float, float]] = [
                (px, 0, 0, 0),
                (-px, 0, 0, 0),
                (0, px, 0, 0),
                (0, -px, 0, 0),
            ]
            moves += [(0, 0, px, 0), (0, 0, -px, 0)]
            if turns:
                moves += [(0, 0, 0, degrees), (0, 0, 0, -degrees)]
            tried = [
                _candidate(best.kind, x + dx, y + dy, e + de, (a + da) % 360, size)
                for dx, dy, de, da in moves
            ]
            top_iou, top = max(((score(s), s) for s in tried), key=lambda item: item[0])
            if top_iou <= best_iou + 1e-6:
                break
            best, best_iou = top, top_iou
    return best_iou, best


def _fit_kinds(pixels: np.ndarray, unknown: np.ndarray) -> dict[str, tuple[float, Shape]]:
    """Per kind, the refined shape that best explains ``pixels`` and its IoU."""
    pieces = _pieces(pixels)
    if not pieces:
        return {}
    kept = np.any(pieces, axis=0)
    best_per_kind: dict[str, tuple[float, Shape]] = {}
    size = pixels.shape[0]
    for shape in _candidates(kept):
        iou = _iou(shape_mask(shape, size), kept, unknown)
        if iou > best_per_kind.get(shape.kind, (-1.0, shape))[0]:
            best_per_kind[shape.kind] = (iou, shape)
    return {kind: _refine(s, kept, unknown) for kind, (_, s) in best_per_kind.items()}


def _as_fit(iou: float, shape: Shape, matched: bool = False) -> ShapeFit:
    x, y = shape.centre
    return ShapeFit(
        shape.kind, shape.size, shape.position, iou, matched, x, y, shape.half_extent, shape.angle
    )


def _best(fits: dict[str, tuple[float, Shape]]) -> tuple[float, Shape]:
    return max(fits.values(), key=lambda item: (item[0], -SHAPES.index(item[1].kind)))


def _cell_range(position: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """The (x, y) ranges of centres inside ``position``'s cell."""
    bands = ((0.0, GRID[0] - 1e-3), (GRID[0] + 1e-3, GRID[1] - 1e-3), (GRID[1] + 1e-3, 1.0))

    def band(v: float) -> tuple[float, float]:
        return bands[0] if v < GRID[0] else bands[2] if v > GRID[1] else bands[1]

    x, y = POSITIONS[position]
    return band(x), band(y)


def _fit_for(pixels: np.ndarray, unknown: np.ndarray, shape: Shape) -> ShapeFit:
    """The best fit of ``pixels``, judged against ``shape``'s words. A picture that a shape of
    the caption's kind in the caption's cell explains within :data:`READING_TOLERANCE` of the
    best fit's IoU is read the caption's way: where a shape is cut by the canvas edge or
    hidden in part, several shapes can explain what shows."""
    fits = _fit_kinds(pixels, unknown)
    if not fits:
        return _NOT_FOUND
    best_iou, best = _best(fits)
    if not (best.kind == shape.kind and best.position == shape.position):
        own_iou, own = fits[shape.kind]
        if own.position != shape.position:
            (x0, x1), (y0, y1) = _cell_range(shape.position)
            x, y = own.centre
            x, y = min(max(x, x0), x1), min(max(y, y0), y1)
            turns = {"circle": 1, "square": 3, "triangle": 12}[shape.kind]
            starts = [
                replace(own, x=x, y=y, position=position_of(x, y), angle=30.0 * k)
                for k in range(turns)
            ]
            own_iou, own = max(
                (_refine(s, pixels, unknown, cell=shape.position) for s in starts),
                key=lambda item: item[0],
            )
        if own.position == shape.position and own_iou >= best_iou - READING_TOLERANCE:
            best_iou, best = own_iou, own
    ok = best.kind == shape.kind and best.position == shape.position and best_iou >= MIN_IOU
    return _as_fit(best_iou, best, ok)


def fit_shapes(image: np.ndarray, scene: Scene) -> list[ShapeFit]:
    """One :class:`ShapeFit` per scene shape, in the scene's order (``image``: RGB uint8).

    A caption lists shapes back to front, so the pixels of the shapes listed after a shape
    (in other colours) may hide part of it: they are unknown to its fit. Shapes of one colour
    share its pixels: they take its pieces, largest first, in turn.
    """
    masks = _clean_colour_masks(image)
    shapes = scene.shapes
    result: dict[int, ShapeFit] = {}
    for colour in dict.fromkeys(s.color for s in shapes):
        idx = [i for i, s in enumerate(shapes) if s.color == colour]
        front = {s.color for s in shapes[idx[0] + 1 :]} - {colour}
        others = [COLOR_NAMES.index(c) for c in front]
        unknown = np.asarray(
            masks[others].any(axis=0) if others else np.zeros(masks.shape[1:], bool)
        )
        pixels = masks[COLOR_NAMES.index(colour)]
        if len(idx) == 1:
            result[idx[0]] = _fit_for(pixels, unknown, shapes[idx[0]])
            continue
        pieces: list[np.ndarray | None] = list(_pieces(pixels)[: len(idx)])
        pieces += [None] * (len(idx) - len(pieces))
        options = (
            [
                _fit_for(p, unknown, shapes[i]) if p is not None else _NOT_FOUND
                for i, p in zip(idx, perm, strict=True)
            ]
            for perm in itertools.permutations(pieces)
        )
        best = max(options, key=lambda fs: (sum(f.matched for f in fs), sum(f.iou for f in fs)))
        result.update(zip(idx, best, strict=True))
    return [result[i] for i in range(len(shapes))]


def prompt_adherent(image: np.ndarray, scene: Scene) -> bool:
    """True when every scene shape is found with its colour, kind and position."""
    return all(f.matched for f in fit_shapes(image, scene))


def colour_fraction(image: np.ndarray, mask: np.ndarray, colour: str) -> float:
    """Fraction of ``mask``'s pixels whose nearest world colour is ``colour`` (0 if empty)."""
    if colour not in COLORS:
        raise ValueError(f"unknown colour {colour!r}")
    inside = np.asarray(mask).astype(bool)
    if not inside.any():
        return 0.0
    return float((colour_labels(image)[inside] == COLOR_NAMES.index(colour)).mean())


def colour_outside(image: np.ndarray, mask: np.ndarray, colour: str, margin: int = 3) -> float:
    """Share of ``image``'s pixels of ``colour`` that lie more than ``margin`` pixels outside
    ``mask`` (0 if the colour is nowhere): how far a shape spilled past its outline."""
    import cv2

    found = colour_labels(image) == COLOR_NAMES.index(colour)
    if not found.any():
        return 0.0
    kernel = np.ones((2 * margin + 1, 2 * margin + 1), np.uint8)
    grown = cv2.dilate(np.asarray(mask).astype(np.uint8), kernel).astype(bool)
    return float((found & ~grown).sum() / found.sum())


def image_edges(image: np.ndarray) -> np.ndarray:
    """bool (H, W): Canny (100, 200) of each RGB channel, OR-ed.

    Per channel, as grey would lose edges between colours of nearly equal luma
    (red/blue/purple): grey Canny scores as low as 0.39 F1 on true world renders.
    """
    image = np.asarray(image, dtype=np.uint8)
    edges = np.zeros(image.shape[:2], dtype=bool)
    for c in range(image.shape[2]):
        edges |= cv2.Canny(np.ascontiguousarray(image[:, :, c]), 100, 200) > 0
    return edges


def _within(target: np.ndarray, tolerance: float) -> np.ndarray:
    """bool (H, W): pixels within ``tolerance`` px (Euclidean) of a ``target`` pixel."""
    dist = cv2.distanceTransform(np.where(target, 0, 255).astype(np.uint8), cv2.DIST_L2, 5)
    return dist <= tolerance


def edge_f1(
    image: np.ndarray,
    guide_edges: np.ndarray,
    tolerance: float = 2,
    where: np.ndarray | None = None,
) -> float:
    """F1 of the image's Canny edges against the guide's (> 127), within ``tolerance`` px;
    with ``where`` (a boolean mask), only edge pixels inside it count.

    0 when either edge set is empty. Guide edges between two touching shapes of one colour
    are invisible in any image, so such scenes cannot reach 1.
    """
    predicted = image_edges(image)
    guide = np.asarray(guide_edges) > 127
    if where is not None:
        predicted, guide = predicted & where, guide & where
    if not predicted.any() or not guide.any():
        return 0.0
    precision = float(_within(guide, tolerance)[predicted].mean())
    recall = float(_within(predicted, tolerance)[guide].mean())
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def _average_ranks(values: np.ndarray) -> np.ndarray:
    ranks = np.empty(len(values))
    ranks[np.argsort(values, kind="stable")] = np.arange(len(values))
    for v in np.unique(values):
        ranks[values == v] = ranks[values == v].mean()
    return ranks


def depth_order_correlation(image: np.ndarray, scene: Scene) -> float:
    """Spearman correlation of the render's depth order with the scene's (back to front).

    Only pairs of differently coloured shapes whose whole outlines (as the scene places them)
    overlap by >= MIN_OVERLAP px count; the colour owning more of the overlap is in
    front. Each shape scores wins minus losses over these pairs, once as rendered and once as
    the scene's order implies; the result is the Spearman correlation of the two scores over
    the shapes in such pairs: 1 = same order, -1 = reversed. NaN when no pair overlaps (or
    none is decided), so averages should skip it; 0 when all rendered scores tie (a cycle).
    """
    masks = _clean_colour_masks(image)
    size, shapes = masks.shape[1], scene.shapes
    observed, expected = np.zeros(len(shapes)), np.zeros(len(shapes))
    involved = np.zeros(len(shapes), dtype=bool)
    for i, j in itertools.combinations(range(len(shapes)), 2):  # i < j: j is the nearer
        if shapes[i].color == shapes[j].color:
            continue
        overlap = shape_mask(shapes[i], size) & shape_mask(shapes[j], size)
        if overlap.sum() < MIN_OVERLAP:
            continue
        own_i = int(masks[COLOR_NAMES.index(shapes[i].color)][overlap].sum())
        own_j = int(masks[COLOR_NAMES.index(shapes[j].color)][overlap].sum())
        if own_i == own_j:
            continue
        sign = 1.0 if own_j > own_i else -1.0
        observed[[j, i]] += (sign, -sign)
        expected[[j, i]] += (1.0, -1.0)
        involved[[i, j]] = True
    if not involved.any():
        return float("nan")
    rendered = _average_ranks(observed[involved])
    if np.ptp(rendered) == 0:
        return 0.0
    return float(np.corrcoef(_average_ranks(expected[involved]), rendered)[0, 1])
