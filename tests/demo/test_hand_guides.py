"""Hand-made guides: close to the scene they describe, yet unlike the world's exact maps."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from f1studio.demo.analysis import colour_fraction
from f1studio.demo.hand_guides import colour_sketch, hand_edges, painted_depth
from f1studio.demo.world import HELD_OUT_SEED, Scene, Shape, generate, render

pytestmark = pytest.mark.slow  # the demo model's world, training and renders


def _within(target: np.ndarray, pixels: float) -> np.ndarray:
    dist = cv2.distanceTransform(np.where(target > 0, 0, 255).astype(np.uint8), cv2.DIST_L2, 5)
    return dist <= pixels


@pytest.fixture(scope="module")
def cases():
    return [generate(i, HELD_OUT_SEED) for i in range(40)]


def test_hand_drawn_edges_follow_the_outlines_loosely(cases):
    near, covered, exact = [], [], []
    for i, (scene, r, _) in enumerate(cases):
        drawn = hand_edges(scene, np.random.default_rng([5, i]))
        assert drawn.shape == (128, 128) and drawn.dtype == np.uint8
        ink = drawn > 127
        near.append(_within(r.edges, 4)[ink].mean())  # ink lies along a true outline
        covered.append(_within(ink, 4)[r.edges > 0].mean())  # most of the outline is drawn
        exact.append((ink == (r.edges > 0)).all())
    assert np.mean(near) > 0.95
    assert np.mean(covered) > 0.75
    assert not any(exact)  # never the world's own map


def test_hand_drawn_edges_vary_with_the_hand_and_hide_what_is_hidden():
    scene = Scene(
        shapes=(
            Shape("square", "red", "large", "centre", 0.5, 0.5, 0.25, 0.0),
            Shape("circle", "blue", "medium", "right", 0.75, 0.5, 0.15),
        ),
        background=("white",),
    )
    a = hand_edges(scene, np.random.default_rng(1))
    b = hand_edges(scene, np.random.default_rng(2))
    assert not np.array_equal(a, b)
    assert np.array_equal(a, hand_edges(scene, np.random.default_rng(1)))
    # the square's right side runs behind the circle: not drawn there
    inside_circle = cv2.erode(render(scene).masks[1], np.ones((13, 13), np.uint8)) > 0
    assert inside_circle[:, 96].any() and not (a[inside_circle] > 127).any()
    widths = set()
    for seed in range(30):
        drawn = hand_edges(scene, np.random.default_rng(seed)) > 127
        widths.add(int(drawn.sum()) // 100)
    assert len(widths) > 3  # several brush sizes


def test_painted_depth_layers_shapes_roughly(cases):
    orders, exact = [], []
    for i, (scene, r, _) in enumerate(cases):
        painted = painted_depth(scene, np.random.default_rng([6, i]))
        means = [
            painted[cv2.erode(m, np.ones((7, 7), np.uint8)) > 0].mean()
            for m in r.masks
            if cv2.erode(m, np.ones((7, 7), np.uint8)).any()
        ]
        orders.append(all(a <= b + 3 for a, b in zip(means, means[1:], strict=False)))
        exact.append(np.array_equal(painted, r.depth))
        background = np.stack(r.masks).max(axis=0) == 0
        far = cv2.erode(background.astype(np.uint8), np.ones((15, 15), np.uint8)) > 0
        if far.any():
            assert painted[far].mean() < 30
    assert np.mean(orders) > 0.9 and not any(exact)


def test_colour_sketch_keeps_the_colours(cases):
    for i, (scene, r, _) in enumerate(cases[:15]):
        sketch = colour_sketch(scene, np.random.default_rng([7, i]))
        assert sketch.shape == (128, 128, 3) and not np.array_equal(sketch, r.image)
        for shape, mask in zip(scene.shapes, r.masks, strict=True):
            inner = cv2.erode(mask, np.ones((9, 9), np.uint8))
            if inner.sum() > 255 * 20:
                assert colour_fraction(sketch, inner, shape.color) > 0.6


def test_controlnets_train_mostly_on_hand_made_guides():
    """The training guides mix hand-drawn (or painted) guides with the exact maps, in the
    shares :data:`GUIDE_SOURCES` gives."""
    from f1studio.demo.train_data import GUIDE_SOURCES, guide_image

    scene, rendered, _ = generate(3)
    rng = np.random.default_rng(0)
    for kind, exact in (("edge", rendered.edges), ("depth", rendered.depth)):
        guides = [guide_image(kind, scene, rendered, rng) for _ in range(60)]
        assert all(g.shape == (128, 128, 3) and g.dtype == np.uint8 for g in guides)
        same = np.mean([np.array_equal(g[:, :, 0], exact) for g in guides])
        hand = GUIDE_SOURCES[kind]["hand"]
        assert abs((1 - same) - (1 - GUIDE_SOURCES[kind]["exact"])) < 0.2
        assert hand >= 0.5


def test_inpaint_training_masks_are_the_kinds_a_user_paints():
    """Every source of the inpaint ControlNet's training masks appears, each mask is neither
    empty nor (except "all") the whole canvas, and a shape's mask covers that shape."""
    from f1studio.demo.train_data import INPAINT_MASK_SOURCES, inpaint_image, inpaint_mask
    from f1studio.demo.world import generate

    rng = np.random.default_rng(3)
    areas = []
    covers_a_shape = 0
    for i in range(60):
        rendered = generate(i)[1]
        mask = inpaint_mask(rendered, rng)
        assert mask.dtype == bool and mask.shape == (128, 128) and mask.any()
        areas.append(mask.mean())
        covers_a_shape += any((mask[m > 0]).all() for m in rendered.masks)
    assert sum(a == 1.0 for a in areas) < 0.2 * len(areas)  # "all" is rare
    assert covers_a_shape > 0.5 * len(areas)  # most masks take a whole shape out
    assert 0.02 < float(np.median(areas)) < 0.5
    assert set(INPAINT_MASK_SOURCES) == {"shape", "blob", "strokes", "all"}
    rendered = generate(0)[1]
    cond = inpaint_image(rendered, np.random.default_rng(1))
    hole = inpaint_mask(rendered, np.random.default_rng(1))
    assert ((cond == -1).all(axis=2) == hole).all()
