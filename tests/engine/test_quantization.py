"""Quantised FLUX.1 transformers: the plans that use them, the $F1STUDIO_MEMORY_MODE override,
the one-line message without a library, and real int8 transformers from torchao (in the test
extra): the weights really are int8 and the picture stays close to the full-precision one."""

from __future__ import annotations

import importlib.util

import pytest

from f1studio.engine import memory
from f1studio.engine.events import EngineError, ErrorKind, Result
from f1studio.engine.families.base import ModelFamily
from f1studio.engine.memory import (
    MemoryMode,
    MemoryPlan,
    auto_quantizations,
    choose_memory_mode,
    parse_memory_mode,
    quantization_backend,
    quantized_transformer,
    requested_quantization,
    required_bytes,
    transformer_quantization_config,
)
from f1studio.engine.models import MEMORY_MODE_ENV, ModelCache, load_pipeline, memory_plan
from f1studio.engine.request import GenerationRequest

GB = 1_000_000_000
FULL, MODEL, SEQ = MemoryMode.FULL_GPU, MemoryMode.MODEL_OFFLOAD, MemoryMode.SEQUENTIAL_OFFLOAD
FLUX, SDXL = ModelFamily.FLUX, ModelFamily.SDXL
BOTH = ("int8", "nf4")


def installed(monkeypatch, *names: str) -> None:
    """Pretend exactly these quantisation libraries are installed."""
    real = importlib.util.find_spec
    monkeypatch.setattr(
        memory.importlib.util,
        "find_spec",
        lambda name, *a: (
            object()
            if name in names
            else None
            if name in ("torchao", "bitsandbytes")
            else real(name, *a)
        ),
    )


# ---- plans -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("free_gb", "quantizations", "mode", "quantize"),
    [
        (80.0, BOTH, FULL, None),  # everything fits: no quantisation
        (30.0, BOTH, MODEL, None),  # the bf16 transformer fits on its own: still none
        (23.5, BOTH, MODEL, "int8"),  # a 24 GB card
        (15.5, BOTH, MODEL, "int8"),  # a 16 GB card: FLUX.1-dev fits with int8 weights
        (15.5, ("nf4",), MODEL, "nf4"),  # only bitsandbytes installed
        (13.0, BOTH, MODEL, "nf4"),  # a 12-14 GB card: 4-bit weights, the T5 is the largest
        (11.0, BOTH, SEQ, None),  # too small for either
        (15.5, (), SEQ, None),  # no library: layer by layer as before
    ],
)
def test_quantised_plans_for_flux(free_gb, quantizations, mode, quantize):
    plan = choose_memory_mode(int(free_gb * GB), FLUX, 1024, 1024, quantizations)
    assert (plan.mode, plan.quantize) == (mode, quantize)
    if quantize is not None:
        assert plan.vae_tiling and quantize in plan.reason


def test_the_estimates_behind_the_16_gb_claim():
    need = required_bytes(FLUX, 1024, 1024, MODEL, True, "int8") / GB
    assert need == pytest.approx(12.2 + 2.0 + 0.5)  # the int8 transformer is the largest part
    assert required_bytes(FLUX, 1024, 1024, MODEL, True, "nf4") / GB == pytest.approx(9.5 + 2.5)
    full = required_bytes(FLUX, 1024, 1024, FULL, False, "int8") / GB
    assert full == pytest.approx(33.7 - 23.8 + 12.2 + 3.0 + 0.5)
    assert need < 16 * 2**30 / GB  # a 16 GiB card holds it, with room for what else is running


def test_without_a_library_the_reason_says_what_would_help():
    plan = choose_memory_mode(int(15.5 * GB), FLUX, 1024, 1024)
    assert plan.mode is SEQ and "pip install torchao" in plan.reason
    plan = choose_memory_mode(int(13 * GB), FLUX, 1024, 1024)
    assert "pip install bitsandbytes for a faster nf4 transformer" in plan.reason
    assert "pip install" not in choose_memory_mode(int(5 * GB), FLUX, 1024, 1024).reason


def test_other_families_are_never_quantised():
    plan = choose_memory_mode(int(3 * GB), SDXL, 1024, 1024, BOTH)
    assert (plan.mode, plan.quantize) == (SEQ, None)
    assert choose_memory_mode(int(80 * GB), SDXL, 1024, 1024, forced="int8").quantize is None


def test_more_memory_never_gives_a_slower_plan_with_quantisation():
    order = [SEQ, MODEL, FULL]
    plans = [choose_memory_mode(gb * GB // 4, FLUX, 1024, 1024, BOTH) for gb in range(200)]
    ranks = [order.index(p.mode) for p in plans]
    assert ranks == sorted(ranks)
    # and the weights only get more precise: nf4, then int8, then none
    precision = [{"nf4": 0, "int8": 1, None: 2}[p.quantize] for p in plans if p.mode is not SEQ]
    assert precision == sorted(precision)


@pytest.mark.parametrize(
    ("free_gb", "mode", "tiling"),
    [(None, FULL, False), (80.0, FULL, False), (24.9, FULL, True), (16.0, MODEL, True)],
)
def test_a_forced_quantisation_is_in_every_plan(free_gb, mode, tiling):
    free = None if free_gb is None else int(free_gb * GB)
    plan = choose_memory_mode(free, FLUX, 1024, 1024, forced="int8")
    assert (plan.mode, plan.vae_tiling, plan.quantize) == (mode, tiling, "int8")
    tight = choose_memory_mode(int(4 * GB), FLUX, 1024, 1024, forced="nf4")
    assert (tight.mode, tight.quantize) == (MODEL, "nf4") and "tighter" in tight.reason


def test_the_status_bar_text_names_the_quantisation():
    plan = MemoryPlan(MODEL, vae_tiling=True, vae_slicing=True, quantize="int8")
    assert plan.summary == "model-offload + int8 transformer + VAE tiling, slicing"
    assert MemoryPlan(FULL, quantize="nf4").summary == "full-gpu + nf4 transformer"


# ---- the setting -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("model-offload", (MODEL, None)),
        ("int8", (None, "int8")),
        ("model-offload+int8", (MODEL, "int8")),
        (" NF4 + Full-GPU ", (FULL, "nf4")),
    ],
)
def test_parse_memory_mode(text, expected):
    assert parse_memory_mode(text) == expected


@pytest.mark.parametrize("text", ["int4", "model-offload+full-gpu", "int8+nf4", "+"])
def test_parse_memory_mode_refuses_naming_the_choices(text):
    with pytest.raises(ValueError, match="full-gpu, model-offload, sequential-offload"):
        parse_memory_mode(text)


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ((), ()),
        (("torchao",), ("int8",)),
        (("bitsandbytes",), ("nf4",)),  # its int8 layers would not move with model offload
        (("torchao", "bitsandbytes"), ("int8", "nf4")),
    ],
)
def test_auto_quantizations_follow_the_installed_libraries(monkeypatch, names, expected):
    installed(monkeypatch, *names)
    assert auto_quantizations() == expected


def test_a_missing_library_is_one_line_saying_what_to_install(monkeypatch):
    installed(monkeypatch)
    for kind, words in (("int8", "pip install torchao"), ("nf4", "pip install bitsandbytes")):
        with pytest.raises(EngineError) as error:
            quantization_backend(kind)
        message = error.value.message
        assert error.value.kind is ErrorKind.DEVICE and words in message and "\n" not in message
    installed(monkeypatch, "bitsandbytes")
    assert quantization_backend("int8") == "bitsandbytes"
    installed(monkeypatch, "torchao", "bitsandbytes")
    assert quantization_backend("int8") == "torchao"


def test_the_setting_forces_a_quantised_transformer(monkeypatch):
    installed(monkeypatch, "torchao")
    monkeypatch.setattr(memory, "free_device_memory", lambda device: int(15.5 * GB))
    monkeypatch.setenv(MEMORY_MODE_ENV, "int8")
    plan = memory_plan("cuda", FLUX)
    assert (plan.mode, plan.quantize) == (MODEL, "int8") and MEMORY_MODE_ENV in plan.reason
    monkeypatch.setenv(MEMORY_MODE_ENV, "full-gpu+int8")
    assert memory_plan("cuda", FLUX).summary == "full-gpu + int8 transformer"
    assert memory_plan("cuda", SDXL).quantize is None  # only FLUX.1 transformers
    monkeypatch.setenv(MEMORY_MODE_ENV, "model-offload")
    plan = memory_plan("cuda", FLUX)
    assert (plan.mode, plan.quantize) == (MODEL, None)  # a mode alone: no quantisation


def test_the_setting_without_its_library_fails_before_loading(monkeypatch):
    installed(monkeypatch)
    monkeypatch.setenv(MEMORY_MODE_ENV, "model-offload+nf4")
    with pytest.raises(EngineError) as error:
        memory_plan("cuda", FLUX)
    assert (
        error.value.kind is ErrorKind.DEVICE and "pip install bitsandbytes" in error.value.message
    )
    assert memory_plan("cuda", SDXL).quantize is None  # not needed there: no error
    monkeypatch.setenv(MEMORY_MODE_ENV, "fast")
    with pytest.raises(EngineError) as error:
        memory_plan("cuda", FLUX)
    assert MEMORY_MODE_ENV in error.value.message and "int8" in error.value.message


def test_the_plan_from_free_memory_uses_what_is_installed(monkeypatch):
    monkeypatch.delenv(MEMORY_MODE_ENV, raising=False)
    monkeypatch.setattr(memory, "free_device_memory", lambda device: int(15.5 * GB))
    installed(monkeypatch, "torchao")
    assert memory_plan("cuda", FLUX).quantize == "int8"
    installed(monkeypatch)
    assert memory_plan("cuda", FLUX).mode is SEQ
    monkeypatch.setattr(memory, "free_device_memory", lambda device: None)
    installed(monkeypatch, "torchao")
    assert memory_plan("cpu", FLUX).quantize is None  # a CPU: nothing to save


# ---- diffusers configurations ----------------------------------------------------------------
def test_bitsandbytes_configurations(monkeypatch):
    """What F1 Studio asks bitsandbytes for: NF4 4-bit weights computing in the pipeline's
    dtype, or 8-bit weights. Recorded, not built: diffusers' BitsAndBytesConfig needs the
    library installed and its layers need a CUDA GPU, so CPU CI cannot load them for real
    (torchao's int8 is loaded for real below)."""
    import diffusers
    import torch

    installed(monkeypatch, "bitsandbytes")
    monkeypatch.setattr(diffusers, "BitsAndBytesConfig", lambda **kw: kw)
    assert transformer_quantization_config("nf4", torch.bfloat16) == {
        "load_in_4bit": True,
        "bnb_4bit_quant_type": "nf4",
        "bnb_4bit_compute_dtype": torch.bfloat16,
    }
    assert transformer_quantization_config("int8") == {"load_in_8bit": True}


def test_the_context_reaches_loaders_on_this_thread_only():
    import threading

    seen = []
    with quantized_transformer("int8"):
        seen.append(requested_quantization())
        other = threading.Thread(target=lambda: seen.append(requested_quantization()))
        other.start()
        other.join()
    seen.append(requested_quantization())
    assert seen == ["int8", None, None]


# ---- loading (tiny FLUX.1) -------------------------------------------------------------------
def test_a_forced_quantisation_without_its_library_is_a_failed_event(tiny_flux, monkeypatch):
    installed(monkeypatch)
    monkeypatch.setenv(MEMORY_MODE_ENV, "int8")
    from f1studio.engine.events import Failed
    from f1studio.engine.runner import run

    events = []
    request = GenerationRequest("x", 64, 64, model=str(tiny_flux["pipeline"]), steps=1)
    assert run(request, events.append, cache=ModelCache()) is None
    failed = events[-1]
    assert isinstance(failed, Failed) and failed.kind is ErrorKind.DEVICE
    assert "pip install torchao" in failed.message and "\n" not in failed.message


needs_torchao = pytest.mark.skipif(
    importlib.util.find_spec("torchao") is None, reason="torchao (in the test extra) not installed"
)


def _linear_weights(module) -> dict[str, object]:
    import torch

    return {
        f"{name}.weight": m.weight
        for name, m in module.named_modules()
        if isinstance(m, torch.nn.Linear)
    }


def _check_int8_weight_only(transformer, file) -> None:
    """Every Linear layer holds torchao int8 data (weight-only: activations stay in floating
    point) that dequantises to the file's weights within int8 rounding, not exactly."""
    import torch
    from safetensors.torch import load_file

    reference = load_file(str(file))
    weights = _linear_weights(transformer)
    assert len(weights) == 30  # the tiny transformer's Linear layers, every one quantised
    for name, weight in weights.items():
        assert "torchao" in type(weight).__module__, name
        assert weight.qdata.dtype == torch.int8 and weight.act_quant_kwargs is None, name
        ref = reference[name].float()
        error = (weight.dequantize().float() - ref).abs().max().item()
        assert 0 < error <= ref.abs().max().item() / 100, (name, error)


@needs_torchao
def test_int8_transformer_renders_close_to_full_precision(tiny_flux, monkeypatch):
    """The engine's own path: $F1STUDIO_MEMORY_MODE=int8 loads the FLUX.1 transformer with
    torchao int8 weight-only layers (and nothing else), and the picture stays close to the
    unquantised one without being the same."""
    import numpy as np

    from f1studio.engine.runner import run

    request = GenerationRequest(
        "a red car", 64, 64, model=str(tiny_flux["pipeline"]), steps=2, seed=5, device="cpu"
    )
    monkeypatch.delenv(MEMORY_MODE_ENV, raising=False)
    plain_cache = ModelCache()
    plain = run(request, lambda e: None, cache=plain_cache)
    assert "transformer" not in plain.memory
    assert not any(
        "torchao" in type(w).__module__
        for w in _linear_weights(plain_cache.loaded.pipe.transformer).values()
    )
    monkeypatch.setenv(MEMORY_MODE_ENV, "int8")
    cache = ModelCache()
    events = []
    quantized = run(request, events.append, cache=cache)
    assert isinstance(quantized, Result), events[-1]
    assert quantized.memory == "full-gpu + int8 transformer"  # what the status bar shows
    pipe = cache.loaded.pipe
    _check_int8_weight_only(
        pipe.transformer,
        tiny_flux["pipeline"] / "transformer" / "diffusion_pytorch_model.safetensors",
    )
    for part in (pipe.text_encoder, pipe.text_encoder_2, pipe.vae):  # only the transformer
        assert not any("torchao" in type(w).__module__ for w in _linear_weights(part).values())
    diff = np.abs(quantized.images[0].astype(int) - plain.images[0].astype(int))
    assert diff.max() > 0, "the int8 render equals the full-precision one: nothing quantised"
    assert diff.mean() < 1 and diff.max() < 16, (diff.mean(), diff.max())  # measured: 0.27, 4


@needs_torchao
def test_int8_single_file_transformer_is_quantised(tiny_flux, monkeypatch, tmp_path):
    import shutil

    from f1studio.engine.families.flux_loading import FLUX_CONFIG_ENV

    weights = tiny_flux["pipeline"] / "transformer" / "diffusion_pytorch_model.safetensors"
    single = tmp_path / "flux1-dev.safetensors"
    shutil.copy(weights, single)
    monkeypatch.setenv(FLUX_CONFIG_ENV, str(tiny_flux["pipeline"]))
    monkeypatch.setenv(MEMORY_MODE_ENV, "int8")
    model = load_pipeline(str(single), "cpu")
    assert model.memory == "full-gpu + int8 transformer"
    _check_int8_weight_only(model.pipe.transformer, weights)
    from f1studio.engine.runner import run

    request = GenerationRequest("a red car", 64, 64, model=str(single), steps=2, device="cpu")
    result = run(request, lambda e: None, cache=ModelCache())
    assert isinstance(result, Result) and result.images[0].std() > 0  # it renders
