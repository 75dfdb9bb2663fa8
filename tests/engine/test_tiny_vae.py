"""The tiny VAE (AutoencoderTiny): step previews, the fast final decode of live renders, the
family check, and normal renders left exactly as they were."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from f1studio.engine.events import Failed, Progress, Started
from f1studio.engine.request import GenerationRequest
from f1studio.engine.runner import run
from tests.engine.helpers import max_diff, render

SIZE = 64


@pytest.fixture(scope="module")
def tiny_vaes(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    from f1studio.testing.tiny_vae import build_tiny_vae

    out = tmp_path_factory.mktemp("tiny-vae")
    return {c: build_tiny_vae(out / f"tae-{c}", latent_channels=c, seed=c) for c in (4, 16)}


def _models(family: str, request: pytest.FixtureRequest) -> tuple[str, int, dict]:
    fixture = {"sd15": "tiny_models", "sdxl": "tiny_sdxl", "flux": "tiny_flux"}[family]
    models = request.getfixturevalue(fixture)
    extra = {"scheduler": "flow-euler", "guidance_scale": 3.5} if family == "flux" else {}
    return str(models["pipeline"]), 16 if family == "flux" else 4, extra


def _request(model: str, **kw) -> GenerationRequest:
    args = dict(prompt="a red car", width=SIZE, height=SIZE, model=model, steps=3, seed=7)
    return GenerationRequest(**{**args, "device": "cpu", **kw})


def _by_hand(folder: Path, scaled_latents) -> np.ndarray:
    """diffusers' AutoencoderTiny.decode of the denoiser's latents, as its pipelines do."""
    import torch
    from diffusers import AutoencoderTiny

    tiny = AutoencoderTiny.from_pretrained(str(folder))
    z = scaled_latents / tiny.config.scaling_factor + tiny.config.shift_factor
    with torch.no_grad():
        image = tiny.decode(z, return_dict=False)[0]
    rgb = (image / 2 + 0.5).clamp(0, 1).permute(0, 2, 3, 1).numpy()[0]
    return (rgb * 255).round().astype(np.uint8)


@pytest.mark.parametrize("family", ["sd15", "sdxl", "flux"])
def test_fast_decode_is_the_tiny_vae_of_the_final_latents(
    family, request, tiny_vaes, engine_cache, monkeypatch
):
    model, channels, extra = _models(family, request)
    full = _request(model, tiny_vae=str(tiny_vaes[channels]), **extra)
    pipe = engine_cache.base(model, "cpu", False).pipe
    seen = []
    decode = pipe.vae.decode
    monkeypatch.setattr(
        pipe.vae, "decode", lambda z, **kw: seen.append(z.clone()) or decode(z, **kw)
    )
    (normal,) = render(full, engine_cache)
    (fast,) = render(full.with_changes(fast_decode=True), engine_cache)
    assert len(seen) == 1  # the fast render never ran the full VAE's decoder
    config = pipe.vae.config
    scaled = (seen[0] - (getattr(config, "shift_factor", None) or 0.0)) * config.scaling_factor
    assert fast.shape == normal.shape == (SIZE, SIZE, 3)
    assert max_diff(fast, _by_hand(tiny_vaes[channels], scaled)) <= 1
    assert max_diff(fast, normal) > 20


@pytest.mark.parametrize("family", ["sd15", "flux"])
def test_a_normal_render_is_bit_identical_with_a_tiny_vae_set(
    family, request, tiny_vaes, engine_cache
):
    model, channels, extra = _models(family, request)
    plain = _request(model, **extra)
    (without,) = render(plain, engine_cache)
    (with_tiny,) = render(plain.with_changes(tiny_vae=str(tiny_vaes[channels])), engine_cache)
    assert np.array_equal(without, with_tiny)


@pytest.mark.parametrize("family", ["sd15", "flux"])
def test_step_previews_are_decoded_by_the_tiny_vae(family, request, tiny_vaes, engine_cache):
    model, channels, extra = _models(family, request)
    plain = _request(model, **extra)
    linear, decoded = [], []
    render(plain, engine_cache, linear)
    render(plain.with_changes(tiny_vae=str(tiny_vaes[channels])), engine_cache, decoded)
    small = [e.preview for e in linear if isinstance(e, Progress)]
    full = [e.preview for e in decoded if isinstance(e, Progress)]
    assert len(full) == len(small) == 3
    assert all(p.shape == (SIZE // 8, SIZE // 8, 3) for p in small)  # latent-size projection
    assert all(p.shape == (SIZE, SIZE, 3) for p in full)  # the decoder's 8x upsampling
    assert full[-1].std() > 5  # a picture, not a flat colour


@pytest.mark.parametrize(("family", "wrong"), [("sd15", 16), ("flux", 4)])
def test_a_tiny_vae_of_another_latent_space_is_refused_in_one_line(
    family, wrong, request, tiny_vaes, engine_cache
):
    model, _channels, extra = _models(family, request)
    events: list = []
    req = _request(model, tiny_vae=str(tiny_vaes[wrong]), fast_decode=True, **extra)
    assert run(req, events.append, cache=engine_cache) is None
    assert not any(isinstance(e, (Started, Progress)) for e in events)  # before any step
    (failed,) = [e for e in events if isinstance(e, Failed)]
    assert "\n" not in failed.message
    assert f"decodes {wrong}-channel latents" in failed.message
    assert ("taef1" if family == "flux" else "taesd") in failed.message


def test_fast_decode_needs_a_tiny_vae_and_both_take_part_in_equality(tiny_vaes):
    with pytest.raises(ValueError, match="fast decode needs a tiny VAE"):
        GenerationRequest("x", fast_decode=True)
    plain = GenerationRequest("x")
    tiny = plain.with_changes(tiny_vae=str(tiny_vaes[4]))
    assert plain != tiny != tiny.with_changes(fast_decode=True)
    data, images = tiny.with_changes(fast_decode=True).to_json()
    assert GenerationRequest.from_json(data, images) == tiny.with_changes(fast_decode=True)


def test_madebyollins_single_decoder_file_decodes_like_the_folder(tiny_vaes, tmp_path):
    """``taesd_decoder.safetensors`` numbers the decoder's layers from its clamp (one more than
    diffusers' ``decoder.layers``) without a prefix; it loads as the same decoder."""
    import torch
    from safetensors.torch import load_file, save_file

    from f1studio.engine.tiny_vae import tiny_decode
    from f1studio.engine.tiny_vae_loading import load_tiny_vae

    weights = load_file(str(tiny_vaes[4] / "diffusion_pytorch_model.safetensors"))
    prefix = "decoder.layers."
    original = {}
    for key, value in weights.items():
        if key.startswith(prefix):
            index, _, rest = key[len(prefix) :].partition(".")
            original[f"{int(index) + 1}.{rest}"] = value
    save_file(original, str(tmp_path / "taesd_decoder.safetensors"))
    single = load_tiny_vae(str(tmp_path / "taesd_decoder.safetensors"), "cpu", torch.float32)
    folder = load_tiny_vae(str(tiny_vaes[4]), "cpu", torch.float32)
    latents = torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        assert np.array_equal(tiny_decode(single, latents), tiny_decode(folder, latents))


def test_pickled_tiny_vae_is_refused_unless_allowed(tmp_path):
    from f1studio.engine.events import EngineError, ErrorKind
    from f1studio.engine.tiny_vae_loading import load_tiny_vae

    (tmp_path / "taesd_decoder.pth").write_bytes(b"not opened")
    with pytest.raises(EngineError) as refused:
        load_tiny_vae(str(tmp_path / "taesd_decoder.pth"), "cpu", None)
    assert refused.value.kind is ErrorKind.UNSAFE_WEIGHTS


def test_previews_of_large_canvases_are_decoded_from_averaged_latents(tiny_vaes):
    import torch

    from f1studio.engine.tiny_vae import tiny_preview
    from f1studio.engine.tiny_vae_loading import load_tiny_vae

    tiny = load_tiny_vae(str(tiny_vaes[4]), "cpu", torch.float32)
    with torch.inference_mode():
        preview = tiny_preview(tiny, torch.randn(1, 4, 16, 12), max_side=32)
        on_cpu = tiny_preview(tiny, torch.randn(1, 4, 24, 16))  # 192 px: halved to <= 128
    assert preview.shape == (32, 24, 3) and preview.dtype == np.uint8
    assert on_cpu.shape == (96, 64, 3)
