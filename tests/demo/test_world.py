"""The demo shapes world: deterministic, self-consistent scenes, captions and control maps."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from f1studio.demo import world
from f1studio.demo.world import (
    COLORS,
    GRID,
    GRID_MARGIN,
    HELD_OUT_SEED,
    HELD_OUT_SEEDS,
    MIN_VISIBLE,
    POSITIONS,
    SHAPES,
    SIZE_BANDS,
    SIZES,
    TRAIN_SEED,
    TRAIN_SEEDS,
    Scene,
    Shape,
    caption,
    generate,
    position_of,
    render,
    sample_scene,
    shape_mask,
    size_of,
)

pytestmark = pytest.mark.slow  # the demo model's world, training and renders

INDICES = range(40)


@pytest.fixture(scope="module")
def samples():
    return [generate(i, seed=TRAIN_SEED) for i in INDICES]


def _region_boundary(scene: Scene, rendered) -> np.ndarray:
    """Boundaries rebuilt independently from the masks and the background split."""
    size = rendered.image.shape[0]
    kernel = np.ones((3, 3), np.uint8)
    boundary = np.zeros((size, size), np.uint8)
    regions = list(rendered.masks)
    if scene.split is not None:
        half = np.zeros((size, size), np.uint8)
        if scene.split == "top/bottom":
            half[size // 2 :, :] = 255
        else:
            half[:, size // 2 :] = 255
        regions.append(half)
    for region in regions:
        boundary |= cv2.morphologyEx(region, cv2.MORPH_GRADIENT, kernel)
    return boundary


def test_deterministic_per_seed_and_index():
    a_scene, a, a_caption = generate(7, seed=3)
    b_scene, b, b_caption = generate(7, seed=3)
    assert a_scene == b_scene and a_caption == b_caption
    for x, y in [(a.image, b.image), (a.edges, b.edges), (a.depth, b.depth)]:
        assert np.array_equal(x, y)
    assert len(a.masks) == len(b.masks)
    assert all(np.array_equal(x, y) for x, y in zip(a.masks, b.masks, strict=True))


def test_different_indices_and_seeds_differ():
    captions = {generate(i)[2] for i in range(20)}
    assert len(captions) >= 18
    assert not np.array_equal(generate(0)[1].image, generate(1)[1].image)
    assert generate(5, seed=TRAIN_SEED)[0] != generate(5, seed=HELD_OUT_SEED)[0]


def test_array_formats(samples):
    for scene, r, _ in samples:
        assert r.image.shape == (128, 128, 3) and r.image.dtype == np.uint8
        for arr in (r.edges, r.depth, *r.masks):
            assert arr.shape == (128, 128) and arr.dtype == np.uint8
        assert set(np.unique(r.edges)) <= {0, 255}
        assert len(r.masks) == len(scene.shapes)
    _, small, _ = generate(0, size=64)
    assert small.image.shape == (64, 64, 3)


def test_caption_mentions_every_shape(samples):
    for scene, _, text in samples:
        assert text == caption(scene)
        for shape in scene.shapes:
            assert f"{shape.size} {shape.color} {shape.kind}" in text
            assert shape.position in text
        for colour in scene.background:
            assert colour in text
        assert text.endswith("background") or "background split" in text


def test_caption_grammar_example():
    scene = Scene(
        shapes=(
            Shape("circle", "red", "small", "left"),
            Shape("square", "blue", "large", "top right"),
        ),
        background=("yellow",),
    )
    assert caption(scene) == (
        "a small red circle on the left and a large blue square at the top right, "
        "on a yellow background"
    )
    two_tone = Scene(
        shapes=(Shape("triangle", "purple", "large", "centre"),),
        background=("orange", "white"),
        split="left/right",
    )
    assert caption(two_tone) == (
        "a large purple triangle in the centre, on an orange and white background "
        "split left and right"
    )


def test_scene_validation():
    with pytest.raises(ValueError):
        Shape("hexagon", "red", "small", "left")
    with pytest.raises(ValueError):
        Scene(shapes=(Shape("circle", "red", "small", "left"),) * 5, background=("white",))
    with pytest.raises(ValueError):
        Shape("circle", "red", "huge", "left")
    with pytest.raises(ValueError):
        Scene(shapes=(Shape("circle", "red", "small", "left"),), background=("white", "black"))


def test_centre_pixel_has_shape_colour(samples):
    for scene, r, _ in samples:
        for shape, mask in zip(scene.shapes, r.masks, strict=True):
            x, y = shape.centre
            px, py = int(x * 128), int(y * 128)
            if mask[py, px]:
                assert tuple(r.image[py, px]) == COLORS[shape.color]
        # The front shape always owns its own centre.
        x, y = scene.shapes[-1].centre
        assert r.masks[-1][int(y * 128), int(x * 128)] == 255


def test_masks_disjoint_nonempty_front_wins(samples):
    overlaps = 0
    for scene, r, _ in samples:
        stack = np.stack(r.masks) > 0
        assert (stack.sum(axis=0) <= 1).all()
        assert all(m.any() for m in r.masks)
        # Full (unoccluded) footprints from single-shape renders: the front one wins overlaps.
        full = [
            render(Scene((s,), ("white",) if s.color != "white" else ("black",))).masks[0]
            for s in scene.shapes
        ]
        for back in range(len(full)):
            for front in range(back + 1, len(full)):
                shared = (full[back] > 0) & (full[front] > 0)
                if shared.any():
                    overlaps += 1
                    # the front shape, or one further forward still, owns the overlap
                    assert (np.stack(r.masks[front:]).max(axis=0)[shared] == 255).all()
                    assert not r.masks[back][shared].any()
    assert overlaps > 0


def test_depth_order(samples):
    for _, r, _ in samples:
        visible = np.stack(r.masks).max(axis=0) > 0
        assert (r.depth[~visible] == 0).all()
        greys = [int(np.unique(r.depth[m > 0]).item()) for m in r.masks]
        assert all(g > 0 for g in greys)
        assert greys == sorted(greys) and len(set(greys)) == len(greys)


def test_edges_lie_on_region_boundaries(samples):
    kernel = np.ones((5, 5), np.uint8)  # within 2 px
    for scene, r, _ in samples:
        near = cv2.dilate(_region_boundary(scene, r), kernel) > 0
        on_edge = r.edges > 0
        assert on_edge.any()
        assert (near[on_edge]).mean() > 0.95
        for shape, mask in zip(scene.shapes, r.masks, strict=True):
            if shape.size == "large":
                interior = cv2.erode(mask, np.ones((7, 7), np.uint8)) > 0
                assert not r.edges[interior].any()


def test_two_tone_split_has_an_edge():
    scene = Scene(
        shapes=(Shape("circle", "red", "small", "centre"),),
        background=("green", "white"),
        split="top/bottom",
    )
    r = render(scene)
    assert r.edges[64, 5] == 255 and r.edges[63, 5] == 255
    assert tuple(r.image[5, 5]) == COLORS["green"] and tuple(r.image[120, 5]) == COLORS["white"]


def test_train_and_held_out_seeds_disjoint():
    assert TRAIN_SEED in TRAIN_SEEDS and HELD_OUT_SEED in HELD_OUT_SEEDS
    assert TRAIN_SEEDS.step == 1 and HELD_OUT_SEEDS.step == 1
    assert TRAIN_SEEDS.stop <= HELD_OUT_SEEDS.start or HELD_OUT_SEEDS.stop <= TRAIN_SEEDS.start


def test_vocabulary_coverage():
    rng = np.random.default_rng(0)
    kinds, colours, sizes, positions, counts, splits = set(), set(), set(), set(), set(), set()
    for _ in range(500):
        scene = sample_scene(rng)
        counts.add(len(scene.shapes))
        splits.add(scene.split)
        colours.update(scene.background)
        assert not {s.color for s in scene.shapes} & set(scene.background)
        for s in scene.shapes:
            kinds.add(s.kind)
            colours.add(s.color)
            sizes.add(s.size)
            positions.add(s.position)
    assert kinds == set(SHAPES)
    assert colours == set(COLORS) and len(COLORS) >= 6
    assert sizes == set(SIZES)
    assert positions == set(POSITIONS)
    assert counts == {1, 2, 3, 4}
    assert splits == {None, "top/bottom", "left/right"}


def test_every_shape_keeps_half_of_itself_visible():
    for i in range(300):
        scene, r, _ = generate(i, size=64)
        for shape, mask in zip(scene.shapes, r.masks, strict=True):
            assert (mask > 0).sum() >= MIN_VISIBLE * shape_mask(shape, 64).sum()


def test_words_follow_the_geometry():
    """Sizes span a tenth of the canvas to nearly all of it, rotations vary, and every
    shape's size and position words name its exact extent and centre."""
    extents, angles = [], []
    for i in range(400):
        scene = sample_scene(np.random.default_rng([TRAIN_SEED, i]))
        for s in scene.shapes:
            assert size_of(s.half_extent) == s.size
            assert SIZE_BANDS[s.size][0] <= s.half_extent <= SIZE_BANDS[s.size][1]
            assert position_of(*s.centre) == s.position
            # clear of the grid's borders, so the word is never a coin toss
            for v in s.centre:
                assert all(abs(v - g) >= GRID_MARGIN - 1e-9 for g in GRID)
            extents.append(s.half_extent)
            if s.kind != "circle":
                angles.append(s.angle)
    assert min(extents) < 0.06 and max(extents) > 0.44
    assert np.ptp(angles) > 300 and len(set(angles)) > 100


def test_position_and_size_words():
    assert position_of(0.1, 0.1) == "top left" and position_of(0.5, 0.5) == "centre"
    assert position_of(0.9, 0.5) == "right" and position_of(0.5, 0.8) == "bottom"
    assert size_of(0.05) == "small" and size_of(0.2) == "medium" and size_of(0.45) == "large"


def test_rotated_shapes_are_drawn_rotated():
    upright = Shape("square", "red", "large", "centre", 0.5, 0.5, 0.3, 0.0)
    turned = Shape("square", "red", "large", "centre", 0.5, 0.5, 0.3, 45.0)
    a, b = shape_mask(upright, 128), shape_mask(turned, 128)
    assert abs(int(a.sum()) - int(b.sum())) < 0.02 * a.sum()  # same area
    assert a[int(0.22 * 128), int(0.22 * 128)] and not b[int(0.22 * 128), int(0.22 * 128)]
    apex_up = shape_mask(Shape("triangle", "red", "large", "centre", 0.5, 0.5, 0.3, 0.0), 128)
    apex_down = shape_mask(Shape("triangle", "red", "large", "centre", 0.5, 0.5, 0.3, 180.0), 128)
    # near the top, far from the middle: outside the upright triangle's apex, inside the
    # turned one's base
    assert not apex_up[28:33, 34:40].any() and apex_down[28:33, 34:40].all()
    assert (apex_up[::-1] != apex_down).mean() < 0.01


def test_an_upright_share_stands_that_many_polygons_up_and_keeps_the_captions(monkeypatch):
    plain = [world.generate(i) for i in range(120)]
    monkeypatch.setattr(world, "UPRIGHT_SHARE", 0.5)
    upright = [world.generate(i) for i in range(120)]
    polygons = [s for scene, _, _ in upright for s in scene.shapes if s.kind != "circle"]
    share = np.mean([s.angle == 0.0 for s in polygons])
    assert 0.4 < share < 0.6, share
    assert not any(
        s.angle == 0.0 for scene, _, _ in plain for s in scene.shapes if s.kind != "circle"
    )
    # the same random numbers are drawn: most captions, and every first shape's words, stay
    same = sum(a[2] == b[2] for a, b in zip(plain, upright, strict=True))
    assert same >= 0.8 * len(plain), same
    for (a, _, _), (b, _, _) in zip(plain, upright, strict=True):
        first, again = a.shapes[0], b.shapes[0]
        assert (first.kind, first.size, first.x, first.extent) == (
            again.kind,
            again.size,
            again.x,
            again.extent,
        )
