"""LoRAs on SD1.5 and SDXL: parity with diffusers' own LoRA loading, the kohya form against its
diffusers twin, stacking, unloading, wrong families, and LoRAs limited to a region."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.engine.events import ErrorKind
from f1studio.engine.request import GenerationRequest, LoraSpec, Pixels, RegionSpec
from tests.engine.helpers import failure, max_diff, render, to_u8, unet_pipeline

pytest.importorskip("torch")
pytest.importorskip("peft")

SIZE = 64
TOLERANCE = 2


@pytest.fixture(scope="module", params=["sd15", "sdxl"])
def family(request, tmp_path_factory):
    """(family, models, LoRA files) with LoRAs written for the family's tiny pipeline."""
    from f1studio.testing.tiny_loras import write_lora

    name = request.param
    models = request.getfixturevalue("tiny_models" if name == "sd15" else "tiny_sdxl")
    out = tmp_path_factory.mktemp(f"loras-{name}")
    pipe = unet_pipeline(models["pipeline"], name)
    files = {
        "style": write_lora(pipe, out / "style.safetensors", seed=1),
        "style_kohya": write_lora(pipe, out / "style_kohya.safetensors", "kohya", seed=1),
        "half_kohya": write_lora(pipe, out / "half_kohya.safetensors", "kohya", seed=1, alpha=2),
        "half": write_lora(pipe, out / "half.safetensors", seed=1, alpha=2),
        "other": write_lora(pipe, out / "other.safetensors", seed=2),
        "unet_only": write_lora(pipe, out / "unet_only.safetensors", seed=3, text=False),
    }
    return name, models, files


def _request(models, **kw) -> GenerationRequest:
    base = dict(
        prompt="a red car", width=SIZE, height=SIZE, model=str(models["pipeline"]), steps=4,
        guidance_scale=6.0, seed=7, device="cpu", negative_prompt="blurry",
    )  # fmt: skip
    return GenerationRequest(**{**base, **kw})


def _diffusers(family_name, models, loras: dict[str, float]):
    import torch

    from f1studio.engine.schedulers import make_scheduler

    pipe = unet_pipeline(models["pipeline"], family_name)
    pipe.scheduler = make_scheduler("dpmpp-2m", pipe.scheduler.config)
    for i, path in enumerate(loras):
        pipe.load_lora_weights(str(path), adapter_name=f"a{i}")
    pipe.set_adapters([f"a{i}" for i in range(len(loras))], list(loras.values()))
    images = pipe(
        "a red car", negative_prompt="blurry", height=SIZE, width=SIZE, num_inference_steps=4,
        guidance_scale=6.0, generator=torch.Generator("cpu").manual_seed(7), output_type="np",
    ).images  # fmt: skip
    return to_u8(images)


def test_a_lora_and_two_stacked_equal_diffusers_set_adapters(family, engine_cache) -> None:
    name, models, files = family
    one = render(_request(models, loras=(LoraSpec(str(files["style"]), 0.7),)), engine_cache)[0]
    assert max_diff(one, _diffusers(name, models, {files["style"]: 0.7})) <= TOLERANCE
    two = (LoraSpec(str(files["style"]), 0.7), LoraSpec(str(files["other"]), -0.5))
    stacked = render(_request(models, loras=two), engine_cache)[0]
    reference = _diffusers(name, models, {files["style"]: 0.7, files["other"]: -0.5})
    assert max_diff(stacked, reference) <= TOLERANCE
    plain = render(_request(models), engine_cache)[0]
    assert max_diff(one, plain) > 10 and max_diff(stacked, one) > 10


def test_kohya_files_equal_their_diffusers_twins(family, engine_cache) -> None:
    _, models, files = family

    def with_lora(key: str, weight: float = 1.0) -> np.ndarray:
        return render(_request(models, loras=(LoraSpec(str(files[key]), weight),)), engine_cache)[0]

    assert max_diff(with_lora("style_kohya"), with_lora("style")) <= TOLERANCE
    # alpha = rank / 2: the file's own strength halves what a weight does
    assert max_diff(with_lora("half_kohya"), with_lora("half")) <= TOLERANCE
    assert max_diff(with_lora("half_kohya"), with_lora("style", 0.5)) <= TOLERANCE


def test_renders_without_loras_are_bit_identical_after_loras(family, engine_cache) -> None:
    from f1studio.engine.models import ModelCache

    _, models, files = family
    fresh = render(_request(models), ModelCache())[0]
    render(_request(models, loras=(LoraSpec(str(files["style"]), 1.0),)), engine_cache)
    assert np.array_equal(render(_request(models), engine_cache)[0], fresh)


def _left_half() -> Pixels:
    mask = np.zeros((SIZE, SIZE), np.uint8)
    mask[:, : SIZE // 2] = 255
    return Pixels.of(mask)


def test_a_region_lora_over_the_whole_canvas_equals_the_lora_on_the_picture(
    family, engine_cache
) -> None:
    _, models, files = family
    whole = Pixels.of(np.full((SIZE, SIZE), 255, np.uint8))
    lora = LoraSpec(str(files["style"]), 0.8)
    # no global prompt or negative: SDXL's pooled text (one vector for the whole picture)
    # would otherwise come from them, which a region LoRA's text part does not reach
    text = {"prompt": "", "negative_prompt": ""}
    scoped = _request(models, regions=(RegionSpec(whole, "a red car", loras=(lora,)),), **text)
    everywhere = _request(models, regions=(RegionSpec(whole, "a red car"),), loras=(lora,), **text)
    a, b = render(scoped, engine_cache)[0], render(everywhere, engine_cache)[0]
    assert max_diff(a, b) <= TOLERANCE
    assert max_diff(a, render(everywhere.with_changes(loras=()), engine_cache)[0]) > 10


def test_a_region_lora_changes_its_region_more_than_the_rest(family, engine_cache) -> None:
    _, models, files = family
    lora = LoraSpec(str(files["unet_only"]), 1.0)
    regions = (RegionSpec(_left_half(), "a red car"),)
    plain = render(_request(models, regions=regions), engine_cache)[0].astype(int)
    scoped = (RegionSpec(_left_half(), "a red car", loras=(lora,)),)
    changed = render(_request(models, regions=scoped), engine_cache)[0].astype(int)
    change = np.abs(changed - plain).mean(axis=2)
    inside, outside = change[:, : SIZE // 2 - 8].mean(), change[:, SIZE // 2 + 8 :].mean()
    print(f"\nregion LoRA change inside {inside:.2f} outside {outside:.2f}")
    # a random-weight model mixes the whole picture through self-attention (as with region
    # prompts, test_regions.py); what the LoRA itself adds outside is zero, tested below
    assert inside > 1.25 * outside


def test_what_a_region_lora_adds_is_zero_outside_its_region(family) -> None:
    import torch

    from f1studio.engine.lora_regions import RegionLora, RegionLoraHooks, text_chunk

    name, models, files = family
    pipe = unet_pipeline(models["pipeline"], name)
    pipe.load_lora_weights(str(files["style"]), adapter_name="r")
    pipe.disable_lora()
    regions = (RegionSpec(_left_half(), "a red car"),)
    hooks = RegionLoraHooks(pipe, regions, [RegionLora("r", 1.0, 0)], (SIZE // 8, SIZE // 8))
    layers = {
        n: m for n, m in pipe.unet.named_modules() if n.endswith(("attn1.to_q", "attn2.to_k"))
    }
    self_q = next(m for n, m in layers.items() if n.endswith("attn1.to_q"))
    cross_k = next(m for n, m in layers.items() if n.endswith("attn2.to_k"))
    pixels = torch.randn(2, (SIZE // 8) ** 2, self_q.in_features)
    text = torch.randn(2, 2 * 77, cross_k.in_features)
    with torch.no_grad():
        base_q, base_k = self_q(pixels), cross_k(text)
        with hooks.installed():
            q, k = self_q(pixels), cross_k(text)
            words = torch.randn(1, 77, pipe.text_encoder.config.hidden_size)
            te_layer = next(
                m for n, m in pipe.text_encoder.named_modules() if n.endswith("self_attn.q_proj")
            )
            outside_text = te_layer(words)
            with text_chunk(0):
                inside_text = te_layer(words)
        te_base = te_layer(words)
    grid = (q - base_q).abs().sum(-1).reshape(2, SIZE // 8, SIZE // 8)
    assert grid[..., SIZE // 16 :].max() == 0 and grid[..., : SIZE // 16].min() > 0
    by_token = (k - base_k).abs().sum(-1)
    assert by_token[:, 77:].max() == 0 and by_token[:, :77].min() > 0  # its chunk only
    assert torch.equal(outside_text, te_base) and not torch.equal(inside_text, te_base)


def test_lora_weights_are_checked() -> None:
    with pytest.raises(ValueError, match="weight must be -2..2"):
        GenerationRequest("x", 64, 64, loras=(LoraSpec("a.safetensors", 2.5),))


def test_wrong_family_missing_and_pickled_loras_are_one_line(
    tiny_models, tiny_sdxl, tmp_path
) -> None:
    import torch
    from safetensors.torch import save_file

    from f1studio.testing.tiny_loras import write_lora

    sd15_lora = write_lora(
        unet_pipeline(tiny_models["pipeline"], "sd15"), tmp_path / "sd15.safetensors"
    )
    wrong = failure(_request(tiny_sdxl, loras=(LoraSpec(str(sd15_lora)),)))
    assert wrong.kind == ErrorKind.MODEL_INVALID
    assert wrong.message == "sd15 is a LoRA for a model with 32-wide text; the model is SDXL"
    flux = tmp_path / "flux_style.safetensors"
    key = "transformer.single_transformer_blocks.0.attn.to_q.lora_A.weight"
    save_file({key: torch.zeros(4, 8)}, str(flux))
    wrong = failure(_request(tiny_models, loras=(LoraSpec(str(flux)),)))
    assert "flux_style is a FLUX.1 LoRA; the model is" in wrong.message
    missing = failure(_request(tiny_models, loras=(LoraSpec(str(tmp_path / "nope.safetensors")),)))
    assert missing.kind == ErrorKind.MODEL_NOT_FOUND and "nope.safetensors" in missing.message
    pickled = tmp_path / "old.pt"
    pickled.write_bytes(b"not really")
    unsafe = failure(_request(tiny_models, loras=(LoraSpec(str(pickled)),)))
    assert unsafe.kind == ErrorKind.UNSAFE_WEIGHTS and "\n" not in unsafe.message
    damaged = tmp_path / "damaged.safetensors"
    damaged.write_bytes(sd15_lora.read_bytes()[:300])
    broken = failure(_request(tiny_models, loras=(LoraSpec(str(damaged)),)))
    assert broken.kind == ErrorKind.MODEL_INVALID and "damaged" in broken.message


def test_switching_fused_loras_restores_the_weights_exactly(family, engine_cache) -> None:
    from f1studio.engine.loras import fused
    from f1studio.engine.models import ModelCache

    _, models, files = family
    fresh = render(_request(models), ModelCache())[0]
    cache = ModelCache()
    first = render(_request(models, loras=(LoraSpec(str(files["style"]), 0.7),)), cache)[0]
    loaded = cache.loaded
    assert loaded is not None and fused(loaded.pipe) is not None  # one LoRA: in the weights
    again = render(_request(models, loras=(LoraSpec(str(files["style"]), 0.7),)), cache)[0]
    assert np.array_equal(first, again)
    other = render(_request(models, loras=(LoraSpec(str(files["style"]), -0.7),)), cache)[0]
    assert max_diff(other, first) > 10
    region = (RegionSpec(_left_half(), "a red car", loras=(LoraSpec(str(files["other"])),)),)
    render(_request(models, regions=region), cache)
    assert np.array_equal(render(_request(models), cache)[0], fresh)
    assert fused(loaded.pipe) is None
