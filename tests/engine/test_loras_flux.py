"""LoRAs on FLUX.1: parity with diffusers' own LoRA loading, unloading, and LoRAs limited to a
region (per token of the joint sequence)."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.engine.request import GenerationRequest, LoraSpec, Pixels, RegionSpec
from tests.engine.helpers import max_diff, render, to_u8

pytest.importorskip("torch")
pytest.importorskip("peft")

SIZE, TEXT, TOLERANCE = 64, 64, 2


@pytest.fixture(scope="module")
def flux_lora(tiny_flux, tmp_path_factory):
    from diffusers import FluxPipeline

    from f1studio.testing.tiny_loras import write_lora

    pipe = FluxPipeline.from_pretrained(str(tiny_flux["pipeline"]))
    out = tmp_path_factory.mktemp("flux-loras")
    return write_lora(pipe, out / "flux_style.safetensors", seed=4, text=False)


def _request(tiny_flux, **kw) -> GenerationRequest:
    base = dict(
        prompt="a red car", width=SIZE, height=SIZE, model=str(tiny_flux["pipeline"]), steps=4,
        guidance_scale=3.5, seed=11, device="cpu", scheduler="flow-euler",
    )  # fmt: skip
    return GenerationRequest(**{**base, **kw})


def test_a_flux_lora_equals_diffusers_set_adapters_and_unloads(tiny_flux, flux_lora, engine_cache):
    import torch
    from diffusers import FluxPipeline

    from f1studio.engine.schedulers import make_scheduler

    plain = render(_request(tiny_flux), engine_cache)[0]
    ours = render(_request(tiny_flux, loras=(LoraSpec(str(flux_lora), 0.6),)), engine_cache)[0]
    pipe = FluxPipeline.from_pretrained(str(tiny_flux["pipeline"]))
    pipe.set_progress_bar_config(disable=True)
    pipe.scheduler = make_scheduler("flow-euler", pipe.scheduler.config)
    pipe.load_lora_weights(str(flux_lora), adapter_name="style")
    pipe.set_adapters(["style"], [0.6])
    ref = pipe(
        "a red car", height=SIZE, width=SIZE, num_inference_steps=4, guidance_scale=3.5,
        generator=torch.Generator("cpu").manual_seed(11), output_type="np",
        max_sequence_length=TEXT,
    ).images  # fmt: skip
    assert max_diff(ours, to_u8(ref)) <= TOLERANCE
    assert max_diff(ours, plain) > 10
    assert np.array_equal(render(_request(tiny_flux), engine_cache)[0], plain)


def _left_half() -> Pixels:
    mask = np.zeros((SIZE, SIZE), np.uint8)
    mask[:, : SIZE // 2] = 255
    return Pixels.of(mask)


def test_a_flux_region_lora_over_the_whole_canvas_equals_the_lora_on_the_picture(
    tiny_flux, flux_lora, engine_cache
) -> None:
    whole = Pixels.of(np.full((SIZE, SIZE), 255, np.uint8))
    lora = LoraSpec(str(flux_lora), 0.8)
    scoped = _request(tiny_flux, regions=(RegionSpec(whole, "a cat", loras=(lora,)),))
    everywhere = _request(tiny_flux, regions=(RegionSpec(whole, "a cat"),), loras=(lora,))
    a, b = render(scoped, engine_cache)[0], render(everywhere, engine_cache)[0]
    assert max_diff(a, b) <= TOLERANCE
    assert max_diff(a, render(everywhere.with_changes(loras=()), engine_cache)[0]) > 10


def test_what_a_flux_region_lora_adds_is_zero_outside_its_region(tiny_flux, flux_lora) -> None:
    import torch
    from diffusers import FluxPipeline

    from f1studio.engine.lora_regions import RegionLora, RegionLoraHooks, joint_text

    pipe = FluxPipeline.from_pretrained(str(tiny_flux["pipeline"]))
    pipe.load_lora_weights(str(flux_lora), adapter_name="r")
    pipe.disable_lora()
    right = Pixels.of(255 - _left_half().array())
    regions = (RegionSpec(_left_half(), "a cat"), RegionSpec(right, "a dog"))
    grid = (SIZE // 16, SIZE // 16)
    hooks = RegionLoraHooks(pipe, regions, [RegionLora("r", 1.0, 0)], grid, flux=True)
    named = dict(pipe.transformer.named_modules())
    image_q = named["transformer_blocks.0.attn.to_q"]
    text_k = named["transformer_blocks.0.attn.add_k_proj"]
    single_q = named["single_transformer_blocks.0.attn.to_q"]
    images = grid[0] * grid[1]
    spans = ((0, 3), (1, 2), (2, 4))  # region 0, region 1, the global prompt
    x_img = torch.randn(1, images, image_q.in_features)
    x_txt = torch.randn(1, 9, text_k.in_features)
    x_joint = torch.randn(1, 9 + images, single_q.in_features)
    with torch.no_grad():
        base = image_q(x_img), text_k(x_txt), single_q(x_joint)
        with hooks.installed(), joint_text(spans):
            hooked = image_q(x_img), text_k(x_txt), single_q(x_joint)
    img, txt, joint = ((h - b).abs().sum(-1)[0] for h, b in zip(hooked, base, strict=True))
    cols = img.reshape(grid)
    assert cols[:, grid[1] // 2 :].max() == 0 and cols[:, : grid[1] // 2].min() > 0
    assert txt[3:].max() == 0 and txt[:3].min() > 0  # region 0's own chunk only
    assert joint[3:9].max() == 0 and joint[:3].min() > 0
    assert torch.equal(joint[9:].reshape(grid) > 0, cols > 0)


def test_a_flux_region_lora_on_half_the_canvas_renders_and_acts(
    tiny_flux, flux_lora, engine_cache
) -> None:
    lora = LoraSpec(str(flux_lora), 1.0)
    plain = _request(tiny_flux, prompt="", regions=(RegionSpec(_left_half(), "a cat"),))
    scoped = plain.with_changes(regions=(RegionSpec(_left_half(), "a cat", loras=(lora,)),))
    a, b = render(plain, engine_cache)[0], render(scoped, engine_cache)[0]
    assert max_diff(a, b) > 10
