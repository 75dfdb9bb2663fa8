"""The region phase of the demo model's training reads scenes through the engine's own
regional attention: every shape's pixels attend to a caption of that shape alone."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("torch")

import cv2  # noqa: E402

from f1studio.demo import train_data, train_stages  # noqa: E402
from f1studio.demo.train_settings import FULL  # noqa: E402
from f1studio.demo.world import generate, position_phrase, shape_mask, shape_phrase  # noqa: E402

pytestmark = pytest.mark.slow  # the demo model's world, training and renders


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


def test_the_grounding_phase_is_a_third_cycle_with_the_term_on_its_plain_batches():
    settings = FULL
    start = settings.unet_steps + settings.region_steps
    assert settings.grounding_steps > 0 and settings.grounding_weight > 0
    after = start + settings.grounding_steps
    low_noise = settings.low_noise_steps * settings.low_noise_cycles
    assert train_stages.unet_stage_steps(settings) == after + low_noise
    # the region phase ends low; the grounding phase warms up again to the region rate
    assert train_stages.unet_lr(settings, start - 1) < 0.2 * settings.region_lr
    assert train_stages.unet_lr(settings, start) < settings.region_lr
    peak = train_stages.unet_lr(settings, start + settings.warmup)
    assert peak == pytest.approx(settings.region_lr)
    # the term only in that phase; region batches go on alternating through it
    assert not any(train_stages.is_grounding_step(settings, s) for s in (0, start - 1))
    assert train_stages.is_grounding_step(settings, start)
    assert train_stages.is_grounding_step(settings, start + settings.grounding_steps - 1)
    assert train_stages.is_region_step(settings, start)
    assert not train_stages.is_region_step(settings, start + 1)
    # without a grounding phase the term (at a weight) counts all along, as in the ablation
    along = replace(settings, grounding_steps=0, low_noise_steps=0)
    assert train_stages.is_grounding_step(along, 0)
    assert train_stages.unet_stage_steps(along) == start
    assert not train_stages.is_grounding_step(replace(settings, grounding_weight=0.0), start)


def test_the_low_noise_phase_is_a_last_cycle_below_its_timestep_ceiling():
    settings = FULL
    start = settings.unet_steps + settings.region_steps + settings.grounding_steps
    cycle = settings.low_noise_steps
    end = start + cycle * settings.low_noise_cycles
    assert cycle > 0 and settings.low_noise_ceiling < settings.high_noise_from
    assert train_stages.unet_stage_steps(settings) == end
    # the grounding phase ends low; this one warms up again to the region rate
    assert train_stages.unet_lr(settings, start - 1) < 0.2 * settings.region_lr
    assert train_stages.unet_lr(settings, start) < settings.region_lr
    peak = train_stages.unet_lr(settings, start + settings.warmup)
    assert peak == pytest.approx(settings.region_lr)
    assert train_stages.unet_lr(settings, end - 1) < 0.2 * settings.region_lr
    # each cycle warms up again and falls along its own cosine
    for first in range(start, end, cycle):
        assert train_stages.unet_lr(settings, first + settings.warmup) == pytest.approx(
            settings.region_lr
        )
        assert train_stages.unet_lr(settings, first + cycle - 1) < 0.2 * settings.region_lr
    # the full range of timesteps until then, the ceiling within it
    assert not any(train_stages.is_low_noise_step(settings, s) for s in (0, start - 1))
    assert train_stages.timestep_ceiling(settings, start - 1) == settings.max_timestep
    assert train_stages.timestep_ceiling(settings, start) == settings.low_noise_ceiling
    assert train_stages.timestep_ceiling(settings, end - 1) == settings.low_noise_ceiling
    # with the grounding phase's mix: the term on plain batches, every other batch regional
    assert train_stages.is_grounding_step(settings, start)
    assert train_stages.is_region_step(settings, start) != train_stages.is_region_step(
        settings, start + 1
    )
    # without it, the stage ends after the grounding phase as before
    without = replace(settings, low_noise_steps=0)
    assert train_stages.unet_stage_steps(without) == start
    assert train_stages.timestep_ceiling(without, start - 1) == settings.max_timestep


def test_more_low_noise_cycles_repeat_the_cycle_below_the_ceiling():
    start = FULL.unet_steps + FULL.region_steps + FULL.grounding_steps
    cycle = FULL.low_noise_steps
    three = replace(FULL, low_noise_cycles=3)
    assert train_stages.unet_stage_steps(three) == start + 3 * cycle
    assert train_stages.low_noise_phase_steps(three) == 3 * cycle
    for first in (start, start + cycle, start + 2 * cycle):
        # the cycle before ends low; this one warms up again to the region rate
        assert train_stages.unet_lr(three, first - 1) < 0.2 * FULL.region_lr
        assert train_stages.unet_lr(three, first + FULL.warmup) == pytest.approx(FULL.region_lr)
        assert train_stages.timestep_ceiling(three, first) == FULL.low_noise_ceiling
        assert train_stages.is_grounding_step(three, first)
    assert train_stages.timestep_ceiling(three, start - 1) == FULL.max_timestep
    assert train_stages.timestep_ceiling(three, start + 3 * cycle - 1) == FULL.low_noise_ceiling


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


def _blocks(mask: np.ndarray) -> np.ndarray:
    """Each 16x16 latent pixel's share of ``mask`` (flattened)."""
    small = cv2.resize(mask.astype(np.float32), (16, 16), interpolation=cv2.INTER_AREA)
    return small.reshape(-1)


def test_layout_batches_read_the_scene_as_the_windows_layout_writes_it(tokenizer):
    from f1studio.demo.evaluate_layout import laid_out
    from f1studio.layout import default_planner

    planner = default_planner()
    indices = np.array([3, 4, 5, 6, 7, 8])
    ids, processor = train_data.region_batch(
        indices, tokenizer, np.random.default_rng(1), layout=1.0
    )
    chunks = train_data.REGION_CHUNKS
    weights = processor.weights.by_tokens[16 * 16].numpy()
    np.testing.assert_allclose(weights.sum(axis=0), 1.0, atol=1e-6)
    without_place = 0
    for b, index in enumerate(indices):
        scene, _, text = generate(int(index))
        global_prompt, regions, _ = laid_out(text, planner)
        texts = [_text(tokenizer, ids[b * chunks + c]) for c in range(chunks)]
        assert texts[-1] == _norm(tokenizer, global_prompt)  # the background clause
        anywhere = np.zeros((128, 128), bool)
        for k, shape in enumerate(scene.shapes):
            # the chunk is Layout's: its global prompt, then the shape's phrase, whose place
            # words are left out half the time ("X to the left of Y" gives shapes none)
            phrase = shape_phrase(shape)
            assert regions[k].prompt == phrase
            short = phrase.removesuffix(" " + position_phrase(shape.position))
            full_chunk, short_chunk = (
                _norm(tokenizer, f"{global_prompt}, {p}") for p in (phrase, short)
            )
            assert texts[k] in (full_chunk, short_chunk)
            without_place += texts[k] == short_chunk
            whole = shape_mask(shape, 128)
            ys, xs = np.nonzero(whole)  # its box: the shape's extent and a small margin
            anywhere[max(0, ys.min() - 3) : ys.max() + 4, max(0, xs.min() - 3) : xs.max() + 4] = (
                True
            )
            if k == len(scene.shapes) - 1:  # the front shape's box holds all of it
                inside = _blocks(whole) == 1.0
                np.testing.assert_allclose(weights[k, b, 0, inside, 0], 1.0)
        # away from every shape's box only the global prompt is read
        away = _blocks(anywhere) == 0.0
        np.testing.assert_allclose(weights[-1, b, 0, away, 0], 1.0)
    assert 0 < without_place < sum(len(generate(int(i))[0].shapes) for i in indices)


def _norm(tokenizer, text: str) -> str:
    return _text(tokenizer, tokenizer(text).input_ids)
