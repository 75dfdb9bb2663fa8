"""The UNet stage's kind-contrast term: a caption should explain its picture better than the
same caption with the shapes' kinds changed."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")


from f1studio.demo.train_contrast import (  # noqa: E402
    contrast_loss,
    negative_captions,
    negative_scene,
)
from f1studio.demo.train_data import token_ids  # noqa: E402
from f1studio.demo.world import MAX_SHAPES, Scene, Shape, caption, generate  # noqa: E402
from tests.demo.helpers import plain_stage_runs  # noqa: E402

pytestmark = pytest.mark.slow  # the demo model's world and training


def _scene(*kinds: str) -> Scene:
    cells = ("top left", "top right", "bottom left", "bottom right")
    shapes = tuple(
        Shape(kind, colour, "small", cell)
        for kind, colour, cell in zip(
            kinds, ("red", "blue", "green", "yellow"), cells, strict=False
        )
    )
    return Scene(shapes, ("white",))


def test_kinds_pass_to_the_next_shape_when_a_scene_has_several():
    rng = np.random.default_rng(0)
    negative, changed = negative_scene(_scene("circle", "triangle", "triangle"), rng)
    assert [s.kind for s in negative.shapes] == ["triangle", "triangle", "circle"]
    assert changed == [True, False, True]
    # colours, sizes and places stay: only the kind words differ
    before = caption(_scene("circle", "triangle", "triangle")).split()
    after = caption(negative).split()
    differing = {(a, b) for a, b in zip(before, after, strict=True) if a != b}
    assert differing == {("circle", "triangle"), ("triangle", "circle")}


@pytest.mark.parametrize("kinds", [("square",), ("circle", "circle", "circle")])
def test_shapes_all_of_one_kind_get_one_shape_changed(kinds):
    seen = set()
    for seed in range(12):
        negative, changed = negative_scene(_scene(*kinds), np.random.default_rng(seed))
        assert sum(changed) == 1
        slot = changed.index(True)
        assert negative.shapes[slot].kind != kinds[slot]
        seen.add((slot, negative.shapes[slot].kind))
        for shape, was, flag in zip(negative.shapes, kinds, changed, strict=True):
            assert flag or shape.kind == was
    assert len(seen) >= 2  # the changed shape and its new kind vary


def test_the_stage_wide_negatives_are_each_scenes_own(tokenizer):
    ids, changed = negative_captions(6, 1234, tokenizer)
    again, _ = negative_captions(6, 1234, tokenizer)
    assert torch.equal(ids, again) and ids.shape == (6, tokenizer.model_max_length)
    assert changed.shape == (6, MAX_SHAPES) and changed.dtype == torch.bool
    for index in range(6):
        scene, _rendered, text = generate(index)
        assert changed[index].sum() >= 1 and not changed[index, len(scene.shapes) :].any()
        assert not torch.equal(ids[index], token_ids(tokenizer, [text])[0])


def test_the_loss_reads_only_the_changed_shapes_and_falls_as_the_true_caption_wins():
    mask = torch.zeros(2, 4, 4)
    mask[0, :2, :2] = 1  # row 1 changed nothing: left out
    ones = torch.ones(2, 4, 4, 4)
    level = contrast_loss(ones, ones, mask, 0.05)
    assert level == pytest.approx(np.log(2))
    better = ones.clone()
    better[0, :, :2, :2] = 0.8
    assert contrast_loss(better, ones, mask, 0.05) < 0.05 * level
    worse_outside = ones.clone()
    worse_outside[:, :, 2:, 2:] = 5.0  # outside the changed shape: no effect
    worse_outside[1] = 9.0  # a row without changed shapes: no effect
    assert contrast_loss(worse_outside, ones, mask, 0.05) == pytest.approx(np.log(2))
    assert contrast_loss(ones, ones, torch.zeros(2, 4, 4), 0.05) == 0
    positive = ones.clone().requires_grad_(True)
    negative = ones.clone().requires_grad_(True)
    contrast_loss(positive, negative, mask, 0.05).backward()
    assert positive.grad[0, :, :2, :2].gt(0).all() and negative.grad[0, :, :2, :2].lt(0).all()
    assert positive.grad[0, :, 2:, 2:].eq(0).all() and positive.grad[1].eq(0).all()


def test_the_unet_stage_trains_with_the_term_and_is_unchanged_without_it(tokenizer, tmp_path):
    trained = plain_stage_runs(tokenizer, tmp_path)
    plain, again = trained("a"), trained("b")
    contrasted = trained("c", kind_contrast_weight=1.0)
    assert torch.equal(plain, again)
    assert torch.isfinite(contrasted).all() and not torch.equal(plain, contrasted)
