"""Speed switches (channels-last, fused QKV, torch.compile): each keeps the picture within
2/255 on every family, plain and with regions; a compiled denoiser does not recompile when
only the prompt, the seed or the weights change; LoRAs still act with fused projections."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.engine.events import EngineError
from f1studio.engine.models import ModelCache
from f1studio.engine.request import (
    ControlKind,
    ControlSpec,
    GenerationRequest,
    LoraSpec,
    Pixels,
    RegionSpec,
)
from f1studio.engine.speed import CompileMode, SpeedSettings
from tests.engine.helpers import max_diff, render

pytest.importorskip("torch")

SIZE = 64
TOLERANCE = 2  # out of 255
# a compile backend that traces with dynamo (graphs, guards, recompiles) but runs eagerly:
# inductor would compile C++ for minutes on this CPU
BACKEND = "eager"
SWITCHES = {
    "channels-last": {"F1STUDIO_CHANNELS_LAST": "on"},
    "fused-qkv": {"F1STUDIO_FUSED_QKV": "on"},
    "compile": {"F1STUDIO_COMPILE": "denoiser+vae", "F1STUDIO_COMPILE_BACKEND": BACKEND},
}


def _left_half(weight: float = 0.8, size: int = SIZE) -> RegionSpec:
    mask = np.zeros((size, size), np.uint8)
    mask[:, : size // 2] = 255
    return RegionSpec(Pixels.of(mask), "a green forest", weight=weight)


def _request(models, flux: bool, **kw) -> GenerationRequest:
    base = dict(
        prompt="a red car on a street", negative_prompt="" if flux else "blurry",
        model=str(models["pipeline"]), width=SIZE, height=SIZE, steps=2, seed=5,
        device="cpu", guidance_scale=3.5 if flux else 6.0,
    )  # fmt: skip
    return GenerationRequest(**{**base, **kw})


@pytest.fixture(params=["sd15", "sdxl", "flux"])
def family(request):
    fixture = {"sd15": "tiny_models", "sdxl": "tiny_sdxl", "flux": "tiny_flux"}[request.param]
    return request.param, request.getfixturevalue(fixture)


def _clear_switches(monkeypatch) -> None:
    for env in SWITCHES.values():
        for name in env:
            monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("switch", list(SWITCHES))
def test_each_switch_keeps_the_picture_plain_and_with_regions(family, switch, monkeypatch):
    name, models = family
    _clear_switches(monkeypatch)
    requests = [
        _request(models, name == "flux"),
        _request(models, name == "flux", regions=(_left_half(),)),
    ]
    cache = ModelCache()
    plain = [render(r, cache)[0] for r in requests]
    for variable, value in SWITCHES[switch].items():
        monkeypatch.setenv(variable, value)
    switched = [render(r, cache)[0] for r in requests]
    for without, with_switch in zip(plain, switched, strict=True):
        assert max_diff(without, with_switch) <= TOLERANCE
    # regions do change the picture, so the comparison above has teeth
    assert max_diff(plain[0], plain[1]) > TOLERANCE


def test_switches_are_applied_when_the_model_loads(tiny_models, monkeypatch):
    """A changed switch loads the model afresh with it (the cache key holds the switches)."""
    import torch
    from diffusers.models.attention_processor import FusedAttnProcessor2_0

    _clear_switches(monkeypatch)
    cache = ModelCache()
    request = _request(tiny_models, False, steps=1)
    render(request, cache)
    assert cache.loaded is not None
    assert not cache.loaded.pipe.unet.conv_in.weight.is_contiguous(
        memory_format=torch.channels_last
    )
    monkeypatch.setenv("F1STUDIO_CHANNELS_LAST", "on")
    monkeypatch.setenv("F1STUDIO_FUSED_QKV", "on")
    assert not cache.has_base(request.model, "cpu", False)
    render(request, cache)
    unet = cache.loaded.pipe.unet
    assert unet.conv_in.weight.is_contiguous(memory_format=torch.channels_last)
    assert all(isinstance(p, FusedAttnProcessor2_0) for p in unet.attn_processors.values())


def test_a_bad_switch_value_is_one_line_naming_the_variable(monkeypatch):
    monkeypatch.setenv("F1STUDIO_COMPILE", "everything")
    with pytest.raises(EngineError, match="F1STUDIO_COMPILE='everything': use off, denoiser"):
        SpeedSettings.from_environment()
    env = {"F1STUDIO_CHANNELS_LAST": "On", "F1STUDIO_COMPILE": "denoiser+vae"}
    settings = SpeedSettings.from_environment(env)
    assert settings.channels_last and settings.compile is CompileMode.DENOISER_VAE
    assert settings.summary == "channels-last, compiled denoiser and VAE decoder (inductor)"


def _graphs() -> int:
    from torch._dynamo.utils import counters

    return int(counters["stats"]["unique_graphs"])


@pytest.mark.parametrize("name", ["sd15", "flux"])
def test_compiled_denoiser_does_not_recompile_for_prompt_seed_or_weights(
    name, request, monkeypatch
):
    import torch

    models = request.getfixturevalue("tiny_models" if name == "sd15" else "tiny_flux")
    flux = name == "flux"
    _clear_switches(monkeypatch)
    monkeypatch.setenv("F1STUDIO_COMPILE", "denoiser")
    monkeypatch.setenv("F1STUDIO_COMPILE_BACKEND", BACKEND)
    torch._dynamo.reset()

    def job(
        prompt: str, seed: int, region: float, control: float, size: int = SIZE
    ) -> GenerationRequest:
        edges = np.zeros((size, size), np.uint8)
        edges[size // 4 : -size // 4, size // 3] = 255
        edge = str(models["controlnet-edge"])
        spec = ControlSpec(ControlKind.EDGE, Pixels.of(edges), edge, weight=control)
        return _request(
            models,
            flux,
            width=size,
            height=size,
            prompt=prompt,
            seed=seed,
            regions=(_left_half(region, size),),
            controls=(spec,),
        )

    cache = ModelCache()
    first = render(job("a red car on a street", 5, 0.8, 0.9), cache)[0]
    compiled = _graphs()
    assert compiled >= 1  # the denoiser was compiled
    second = render(job("a blue boat on a lake", 6, 0.6, 0.5), cache)[0]
    assert _graphs() == compiled  # no new graph: nothing recompiled
    assert max_diff(first, second) > 4 * TOLERANCE  # a different picture indeed
    render(job("a red car on a street", 5, 0.8, 0.9, size=SIZE * 2), cache)
    assert _graphs() > compiled  # while a new canvas size does recompile (shapes are static)


@pytest.fixture(scope="module")
def sd15_lora(tiny_models, tmp_path_factory):
    from f1studio.testing.tiny_loras import write_lora
    from tests.engine.helpers import unet_pipeline

    pipe = unet_pipeline(tiny_models["pipeline"], "sd15")
    return write_lora(pipe, tmp_path_factory.mktemp("speed-lora") / "style.safetensors", seed=1)


@pytest.mark.parametrize("region_lora", [False, True])
def test_loras_still_act_with_fused_projections(tiny_models, sd15_lora, region_lora, monkeypatch):
    from diffusers.models.attention_processor import FusedAttnProcessor2_0

    _clear_switches(monkeypatch)
    lora = LoraSpec(str(sd15_lora), 1.0)
    if region_lora:
        region = RegionSpec(_left_half().mask, "a green forest", loras=(lora,))
        with_lora = _request(tiny_models, False, regions=(region,))
    else:
        with_lora = _request(tiny_models, False, loras=(lora,))
    unfused = render(with_lora, ModelCache())[0]
    monkeypatch.setenv("F1STUDIO_FUSED_QKV", "on")
    cache = ModelCache()
    plain = render(with_lora.with_changes(loras=(), regions=()), cache)[0]
    fused = render(with_lora, cache)[0]
    assert max_diff(fused, unfused) <= TOLERANCE
    assert max_diff(fused, plain) > 4 * TOLERANCE  # the LoRA did act
    processors = cache.loaded.pipe.unet.attn_processors.values()  # fused again after the job
    assert all(isinstance(p, FusedAttnProcessor2_0) for p in processors)
