"""Measure how well an image (usually a generated one) obeys a shapes-world scene.

numpy + OpenCV only. Shape measures work on each pixel's nearest world colour after a light
clean-up (a 3x3 opening per colour, with the dropped fringe pixels refilled), so that the
soft edges, noise and small tints of a diffusion render do not read as shapes.

* :func:`fit_shapes` fits each scene shape with the template (kind x size x position,
  drawn by :mod:`f1studio.demo.world` itself, allowed to shift up to ``MAX_OFFSET`` px) that
  best explains the pixels of its colour. Pixels of the other shapes' colours may be
  occluders: they are unknown and count in neither intersection nor union.
* :func:`prompt_adherent`: every shape found with its colour, kind and position.
* :func:`edge_f1` and :func:`depth_order_correlation` score the edge and depth controls.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from f1studio.demo.world import (
    COLORS,
    POSITIONS,
    SHAPES,
    SIZES,
    Scene,
    Shape,
    draw_label,
    shape_geometry,
)

COLOR_NAMES: tuple[str, ...] = tuple(COLORS)
_PALETTE = np.array([COLORS[c] for c in COLOR_NAMES], dtype=np.float32)
_KINDS_SIZES: tuple[tuple[str, str], ...] = tuple(itertools.product(SHAPES, SIZES))
_Key = tuple[str, str, str]  # kind, size, position
_Found = tuple[_Key, tuple[int, int], float]  # template, (dx, dy) shift, IoU
_3X3 = np.ones((3, 3), np.uint8)

#: A fit below this IoU is too weak to count as finding the shape.
MIN_IOU = 0.5
#: Template overlaps smaller than this (pixels) are ignored by the depth-order measure.
MIN_OVERLAP = 8
#: Templates may shift this many pixels (at 128 px; scaled with the image) off their position.
MAX_OFFSET = 8
#: IoU a shift must gain per pixel of distance to be preferred (exact renders fit at 0).
SHIFT_COST = 1e-3


@dataclass(frozen=True)
class ShapeFit:
    """The template that best explains one scene shape's pixels.

    ``kind``/``size``/``position`` are None when no pixel has the shape's colour.
    ``matched``: kind and position equal the scene shape's and ``iou >= MIN_IOU``.
    ``offset``: the template's (dx, dy) shift in pixels from its named position.
    """

    kind: str | None
    size: str | None
    position: str | None
    iou: float
    matched: bool
    offset: tuple[int, int] = (0, 0)


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


def _key(shape: Shape) -> _Key:
    return shape.kind, shape.size, shape.position


@lru_cache(maxsize=256)
def _full_mask(key: _Key, size: int) -> np.ndarray:
    """uint8 0/1 (size, size): the template drawn by the world's own ``draw_label``."""
    canvas = np.zeros((size, size), dtype=np.uint8)
    draw_label(canvas, Shape(key[0], "red", key[1], key[2]), 1)
    canvas.setflags(write=False)
    return canvas


@lru_cache(maxsize=8)
def _kernels(size: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per (kind, size): float32 core and band kernels centred on the shape's centre.

    Core (the template eroded by 1 px) and band (dilated minus eroded) split the template
    dilated by 1 px; band pixels are ignored, so a fit tolerates a 1-px error at its outline.
    """
    out = []
    for kind, shape_size in _KINDS_SIZES:
        full = _full_mask((kind, shape_size, "centre"), size)
        cx, cy, r = shape_geometry(Shape(kind, "red", shape_size, "centre"), size)
        inner = cv2.erode(full, _3X3, borderType=cv2.BORDER_REPLICATE)
        band = cv2.dilate(full, _3X3) - inner
        crop = np.s_[cy - r - 2 : cy + r + 3, cx - r - 2 : cx + r + 3]
        out.append((inner[crop].astype(np.float32), band[crop].astype(np.float32)))
    return out


def _correlate(values: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Sum of ``values`` under ``kernel`` centred on each pixel (zero outside the image)."""
    return np.rint(cv2.filter2D(values, -1, kernel, borderType=cv2.BORDER_CONSTANT))


def _best_template(pixels: np.ndarray, unknown: np.ndarray) -> _Found:
    """The (shifted) template that best fits ``pixels`` (disjoint from ``unknown``) by IoU.

    ``unknown`` pixels and the template's band count in neither intersection nor union.
    Shifts cost SHIFT_COST per pixel; ties go to the smaller template.
    """
    size = pixels.shape[0]
    p = pixels.astype(np.float32)
    hidden = unknown.astype(np.float32) if unknown.any() else None
    radius = max(1, round(MAX_OFFSET * size / 128))
    dy, dx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    best: tuple[float, _Found] = (-np.inf, (("", "", ""), (0, 0), 0.0))
    for (kind, shape_size), (core, band) in zip(_KINDS_SIZES, _kernels(size), strict=True):
        inter = _correlate(p, core)
        known = core.sum() - (0.0 if hidden is None else _correlate(hidden, core))
        union = known + p.sum() - _correlate(p, band) - inter
        iou = np.where(union > 0, inter / np.maximum(union, 1.0), 0.0)
        for position in POSITIONS:
            cx, cy, _ = shape_geometry(Shape(kind, "red", shape_size, position), size)
            window = iou[cy - radius : cy + radius + 1, cx - radius : cx + radius + 1]
            score = window - SHIFT_COST * np.hypot(dx, dy) - 1e-9 * float(core.sum())
            k = np.unravel_index(int(score.argmax()), score.shape)
            if score[k] > best[0]:
                offset = (int(dx[k]), int(dy[k]))
                best = (float(score[k]), ((kind, shape_size, position), offset, float(window[k])))
    return best[1]


def _placed(found: _Found, size: int) -> np.ndarray:
    """bool (size, size): the found template at its shift."""
    (dx, dy), full = found[1], _full_mask(found[0], size)
    move = np.array([[1, 0, dx], [0, 1, dy]], dtype=np.float32)
    return cv2.warpAffine(full, move, (size, size), flags=cv2.INTER_NEAREST) > 0


def _fit_colour(pixels: np.ndarray, unknown: np.ndarray, count: int) -> list[_Found]:
    """Up to ``count`` templates for one colour's pixels: greedy, then each refitted twice."""
    found: list[_Found] = []
    rest, hidden = pixels.copy(), unknown.copy()
    for _ in range(count):
        if not rest.any():
            break
        found.append(_best_template(rest, hidden))
        covered = _placed(found[-1], pixels.shape[0])
        hidden |= covered  # the next same-colour shape may lie behind this one
        rest &= ~covered
    for _ in range(2 if len(found) > 1 else 0):  # refit each with the others' pixels unknown
        for k in range(len(found)):
            others = np.zeros_like(pixels)
            for item in found[:k] + found[k + 1 :]:
                others |= _placed(item, pixels.shape[0])
            found[k] = _best_template(pixels & ~others, unknown | others)
    return found


def _assign(shapes: list[Shape], found: list[_Found]) -> list[ShapeFit]:
    """Give same-colour fits to their shapes: most matches, then the highest total IoU."""

    def fit(shape: Shape, item: _Found | None) -> ShapeFit:
        if item is None:
            return ShapeFit(None, None, None, 0.0, False)
        (kind, size, position), offset, iou = item
        ok = kind == shape.kind and position == shape.position and iou >= MIN_IOU
        return ShapeFit(kind, size, position, iou, ok, offset)

    padded: list[_Found | None] = [*found, *([None] * (len(shapes) - len(found)))]
    options = (
        [fit(s, item) for s, item in zip(shapes, perm, strict=True)]
        for perm in itertools.permutations(padded)
    )
    return max(options, key=lambda fits: (sum(f.matched for f in fits), sum(f.iou for f in fits)))


def fit_shapes(image: np.ndarray, scene: Scene) -> list[ShapeFit]:
    """One :class:`ShapeFit` per scene shape, in the scene's order (``image``: RGB uint8)."""
    masks = _clean_colour_masks(image)
    colours = {s.color for s in scene.shapes}
    result: dict[int, ShapeFit] = {}
    for colour in colours:
        idx = [i for i, s in enumerate(scene.shapes) if s.color == colour]
        unknown = np.asarray(masks[[COLOR_NAMES.index(c) for c in colours - {colour}]].any(axis=0))
        found = _fit_colour(masks[COLOR_NAMES.index(colour)], unknown, len(idx))
        fits = _assign([scene.shapes[i] for i in idx], found)
        result.update(zip(idx, fits, strict=True))
    return [result[i] for i in range(len(scene.shapes))]


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


def edge_f1(image: np.ndarray, guide_edges: np.ndarray, tolerance: float = 2) -> float:
    """F1 of the image's Canny edges against the guide's (> 127), within ``tolerance`` px.

    0 when either edge set is empty. Guide edges between two touching shapes of one colour
    are invisible in any image, so such scenes cannot reach 1.
    """
    predicted = image_edges(image)
    guide = np.asarray(guide_edges) > 127
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

    Only pairs of differently coloured shapes whose templates (at the scene's kind, size and
    position) overlap by >= MIN_OVERLAP px count; the colour owning more of the overlap is in
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
        overlap = (_full_mask(_key(shapes[i]), size) & _full_mask(_key(shapes[j]), size)) > 0
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
