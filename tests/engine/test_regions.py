"""Regional prompts: one pass, masks that decide where a prompt lands, upper regions win."""

from __future__ import annotations

import numpy as np

from f1studio.engine.regional import chunk_weights, region_texts
from f1studio.engine.request import GenerationRequest, Pixels, RegionSpec
from tests.engine.helpers import max_diff, render

SIZE = 128


def _mask(y0, x0, y1, x1, size=SIZE):
    m = np.zeros((size, size), np.uint8)
    m[y0:y1, x0:x1] = 255
    return Pixels.of(m)


def _request(models, **kw):
    base = dict(model=str(models["pipeline"]), steps=8, seed=11, device="cpu", guidance_scale=7.0)
    return GenerationRequest(width=SIZE, height=SIZE, **{**base, **kw})


def test_full_canvas_region_with_empty_global_prompt_equals_plain_prompt(tiny_models, engine_cache):
    region = RegionSpec(_mask(0, 0, SIZE, SIZE), "a red car", "blurry")
    with_region = render(_request(tiny_models, prompt="", regions=(region,)), engine_cache)[0]
    plain = render(
        _request(tiny_models, prompt="a red car", negative_prompt="blurry"), engine_cache
    )[0]
    assert max_diff(with_region, plain) <= 2


def test_region_changes_pixels_inside_its_mask_more_than_outside(tiny_models, engine_cache):
    request = _request(tiny_models, prompt="a photo of a street")
    plain = render(request, engine_cache)[0].astype(np.float32)
    region = RegionSpec(_mask(0, 0, SIZE, SIZE // 2), "a green forest with a yellow flower")
    regional = render(request.with_changes(regions=(region,)), engine_cache)[0].astype(np.float32)
    change = np.abs(regional - plain).mean(axis=2)
    inside = change[:, : SIZE // 2 - 16].mean()  # keep clear of the soft boundary
    outside = change[:, SIZE // 2 + 16 :].mean()
    # a random-weight model mixes the whole picture through self-attention, so the outside
    # changes too; the region's own half must still change clearly more (measured ~1.5x)
    assert inside > 1.25 * outside, (inside, outside)


def test_cross_attention_gives_each_pixel_its_own_prompt(tiny_models, engine_cache):
    """Inside the region the cross-attention output is exactly the region prompt's, outside
    exactly the global prompt's."""
    import torch
    from diffusers.models.attention_processor import AttnProcessor2_0

    from f1studio.engine.regional import RegionalAttnProcessor, RegionWeights

    render(_request(tiny_models, prompt="x", steps=1), engine_cache)
    unet = engine_cache.loaded.pipe.unet
    attn = unet.down_blocks[0].attentions[0].transformer_blocks[0].attn2
    h = w = 16
    torch.manual_seed(0)
    hidden = torch.randn(2, h * w, attn.to_q.in_features)
    region_text = torch.randn(2, 77, attn.to_k.in_features)
    global_text = torch.randn(2, 77, attn.to_k.in_features)
    region = RegionSpec(_mask(0, 0, h, w // 2, size=h), "left half")
    weights = RegionWeights.build((region,), h, w, "cpu", torch.float32)
    ours = RegionalAttnProcessor(weights, chunks=2)(
        attn, hidden, torch.cat([region_text, global_text], dim=1)
    )
    plain = AttnProcessor2_0()
    as_region = plain(attn, hidden, region_text).view(2, h, w, -1)
    as_global = plain(attn, hidden, global_text).view(2, h, w, -1)
    ours = ours.view(2, h, w, -1)
    assert torch.allclose(ours[:, :, : w // 2], as_region[:, :, : w // 2], atol=1e-5)
    assert torch.allclose(ours[:, :, w // 2 :], as_global[:, :, w // 2 :], atol=1e-5)


def test_region_weight_zero_is_the_global_prompt(tiny_models, engine_cache):
    request = _request(tiny_models, prompt="a photo of a street")
    plain = render(request, engine_cache)[0]
    region = RegionSpec(_mask(0, 0, SIZE, SIZE // 2), "a green forest", weight=0.0)
    assert max_diff(render(request.with_changes(regions=(region,)), engine_cache)[0], plain) <= 2


def test_one_unet_pass_per_step_whatever_the_number_of_regions(tiny_models, engine_cache):
    """4 regions cost one UNet call per step, not one per region (figures: benchmarks/)."""
    request = _request(tiny_models, prompt="a photo")
    render(request, engine_cache)  # loads the model
    unet = engine_cache.loaded.pipe.unet
    calls = []
    handle = unet.register_forward_hook(lambda *a: calls.append(1))
    try:
        render(request, engine_cache)
        plain_calls = len(calls)
        regions = tuple(
            RegionSpec(_mask(0, i * SIZE // 4, SIZE, (i + 1) * SIZE // 4), f"a {c} car")
            for i, c in enumerate(["red", "blue", "green", "yellow"])
        )
        calls.clear()
        render(request.with_changes(regions=regions), engine_cache)
    finally:
        handle.remove()
    assert plain_calls == request.steps
    assert len(calls) == plain_calls


def test_upper_region_wins_where_regions_overlap():
    lower = RegionSpec(_mask(0, 0, 8, 8, size=8), "lower")
    upper = RegionSpec(_mask(0, 4, 8, 8, size=8), "upper")
    w = chunk_weights((lower, upper), 8, 8)  # chunks: lower, upper, global
    assert np.allclose(w[1][:, 4:], 1.0) and np.allclose(w[0][:, 4:], 0.0)
    assert np.allclose(w[0][:, :4], 1.0) and np.allclose(w[2], 0.0)
    assert np.allclose(w.sum(axis=0), 1.0)


def test_pixels_outside_every_region_follow_the_global_prompt():
    region = RegionSpec(_mask(0, 0, 4, 8, size=8), "top", weight=0.75)
    w = chunk_weights((region,), 8, 8)
    assert np.allclose(w[1][4:], 1.0)  # bottom half: global only
    assert np.allclose(w[0][:4], 0.75) and np.allclose(w[1][:4], 0.25)


def test_region_text_joins_global_prompt():
    pos, neg = region_texts("a city", "blurry", [RegionSpec(_mask(0, 0, 8, 8), "a red car")])
    assert pos == ["a city, a red car", "a city"]
    assert neg == ["blurry", "blurry"]
