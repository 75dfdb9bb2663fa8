"""The region phase of the demo model's training reads scenes through the engine's own
regional attention: every shape's pixels attend to a caption of that shape alone."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

import cv2  # noqa: E402
from transformers import CLIPTokenizer  # noqa: E402

from f1studio.demo import train_data, train_stages  # noqa: E402
from f1studio.demo.train_settings import FULL  # noqa: E402
from f1studio.demo.vocab import write_tokenizer  # noqa: E402
from f1studio.demo.world import generate, shape_phrase  # noqa: E402

pytestmark = pytest.mark.slow  # the demo model's world, training and renders


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tokenizer")
    write_tokenizer(folder)
    return CLIPTokenizer.from_pretrained(str(folder))


def _text(tokenizer, ids) -> str:
    return tokenizer.decode(ids, skip_special_tokens=True)


def test_each_shape_reads_its_own_caption_where_it_is(tokenizer):
    indices = np.array([5, 17, 42])
    rng = np.random.default_rng(0)
    ids, processor = train_data.region_batch(indices, tokenizer, rng)
    chunks = train_data.REGION_CHUNKS
    assert ids.shape == (len(indices) * chunks, tokenizer.model_max_length)
    weights = processor.weights.by_tokens[16 * 16].numpy()  # (C, B, 1, tokens, 1)
    assert weights.shape == (chunks, len(indices), 1, 256, 1)
    np.testing.assert_allclose(weights.sum(axis=0), 1.0, atol=1e-6)  # every pixel fully read
    for b, index in enumerate(indices):
        scene, rendered, _ = generate(int(index))
        texts = [_text(tokenizer, ids[b * chunks + c]) for c in range(chunks)]
        for k, (shape, mask) in enumerate(zip(scene.shapes, rendered.masks, strict=True)):
            assert f"{shape.color} {shape.kind}" in texts[k]
            small = cv2.resize(
                mask.astype(np.float32) / 255, (16, 16), interpolation=cv2.INTER_AREA
            )
            inside = small.reshape(-1) == 1.0
            if inside.any():  # latent pixels wholly inside the shape read only its caption
                np.testing.assert_allclose(weights[k, b, 0, inside, 0], 1.0)
            outside = small.reshape(-1) == 0.0
            np.testing.assert_allclose(weights[k, b, 0, outside, 0], 0.0)
        for c in range(len(scene.shapes), chunks - 1):  # padding chunks are read by no pixel
            assert texts[c] == "" and not weights[c, b].any()
        # the last chunk is the global prompt: the whole caption or empty
        assert texts[-1] in ("", _text(tokenizer, tokenizer(generate(int(index))[2]).input_ids))


def test_region_steps_follow_the_main_cycle_and_alternate():
    settings = FULL
    assert not train_stages.is_region_step(settings, settings.unet_steps - 1)
    assert train_stages.is_region_step(settings, settings.unet_steps)
    assert not train_stages.is_region_step(settings, settings.unet_steps + 1)
    # the second cycle starts again from warm-up at the lower rate
    assert train_stages.unet_lr(settings, settings.unet_steps) < settings.region_lr
    peak = train_stages.unet_lr(settings, settings.unet_steps + settings.warmup)
    assert peak == pytest.approx(settings.region_lr)


def test_depth_guides_also_train_with_captions_in_a_shuffled_order(tokenizer):
    """The depth ControlNet sees some captions whose order does not tell which shape is in
    front, so the guide's layering has to win: same phrases, another order."""
    indices = np.array([i for i in range(40) if len(generate(i)[0].shapes) >= 3][:6])
    captions = [generate(int(i))[2] for i in indices]
    ids = train_data.token_ids(tokenizer, captions)
    rng = np.random.default_rng(3)
    shuffled = train_data.guide_caption_ids(ids, indices, tokenizer, rng, shuffle=1.0)
    changed = 0
    for row, index in enumerate(indices):
        scene = generate(int(index))[0]
        before, after = _text(tokenizer, ids[row]), _text(tokenizer, shuffled[row])
        phrases = [shape_phrase(s) for s in scene.shapes]
        assert all(p in after for p in phrases)
        changed += before != after
    assert changed >= len(indices) // 2  # some shuffles keep the order by chance
    kept = train_data.guide_caption_ids(ids, indices, tokenizer, rng, shuffle=0.0)
    assert (kept == ids).all()


def test_controlnet_captions_can_give_the_guides_shapes_other_size_and_place_words(tokenizer):
    """Reworded captions keep each shape's kind and colour but draw its size and position
    words at random, so the guide, not the words, has to tell where and how large it is."""
    indices = np.arange(8)
    ids = train_data.token_ids(tokenizer, [generate(int(i))[2] for i in indices])
    rng = np.random.default_rng(4)
    reworded = train_data.guide_caption_ids(ids, indices, tokenizer, rng, reword=1.0)
    changed = 0
    for row, index in enumerate(indices):
        scene = generate(int(index))[0]
        after = _text(tokenizer, reworded[row])
        for shape in scene.shapes:
            assert f"{shape.color} {shape.kind}" in after
        changed += _text(tokenizer, ids[row]) != after
    assert changed >= len(indices) - 1  # every word can come out the same only by chance
    kept = train_data.guide_caption_ids(ids, indices, tokenizer, rng, shuffle=0.0, reword=0.0)
    assert (kept == ids).all()
