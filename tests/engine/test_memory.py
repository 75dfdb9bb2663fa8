"""Memory modes: the documented thresholds, and applying a plan to a real (tiny) pipeline."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from f1studio.engine import memory
from f1studio.engine.families.base import ModelFamily
from f1studio.engine.memory import (
    MemoryMode,
    MemoryPlan,
    apply_memory_plan,
    choose_memory_mode,
    quantization_available,
)

GB = 1_000_000_000
FULL, MODEL, SEQ = MemoryMode.FULL_GPU, MemoryMode.MODEL_OFFLOAD, MemoryMode.SEQUENTIAL_OFFLOAD


@pytest.mark.parametrize(
    ("family", "size", "free_gb", "mode", "tiling"),
    [
        # SD1.5 at 512x512: ~4 GB for everything on the GPU
        (ModelFamily.SD15, 512, 4.0, FULL, False),
        (ModelFamily.SD15, 512, 3.5, FULL, True),
        (ModelFamily.SD15, 512, 3.1, MODEL, True),
        (ModelFamily.SD15, 512, 2.0, SEQ, True),
        # SDXL at 1024x1024: ~10.4 GB, ~8.9 GB with a tiled VAE, offload from ~7.1 GB
        (ModelFamily.SDXL, 1024, 12.0, FULL, False),
        (ModelFamily.SDXL, 1024, 9.0, FULL, True),
        (ModelFamily.SDXL, 1024, 7.5, MODEL, True),
        (ModelFamily.SDXL, 1024, 6.0, SEQ, True),
        # FLUX.1 in bf16: ~37 GB whole; the 23.8 GB transformer alone needs ~26 GB
        (ModelFamily.FLUX, 1024, 80.0, FULL, False),
        (ModelFamily.FLUX, 1024, 36.5, FULL, True),
        (ModelFamily.FLUX, 1024, 30.0, MODEL, True),
        (ModelFamily.FLUX, 1024, 24.0, SEQ, True),
    ],
)
def test_documented_thresholds(family, size, free_gb, mode, tiling):
    plan = choose_memory_mode(int(free_gb * GB), family, size, size)
    assert (plan.mode, plan.vae_tiling, plan.vae_slicing) == (mode, tiling, tiling)
    assert f"{free_gb:.1f} GB free" in plan.reason


@pytest.mark.parametrize("family", list(ModelFamily))
def test_more_memory_never_gives_a_slower_plan(family):
    order = [SEQ, MODEL, FULL]
    ranks = [
        order.index(choose_memory_mode(gb * GB // 4, family, 1024, 1024).mode) for gb in range(400)
    ]
    assert ranks == sorted(ranks) and ranks[0] == 0 and ranks[-1] == 2


def test_bigger_pictures_need_more_and_get_a_tiled_vae():
    small = choose_memory_mode(5 * GB, ModelFamily.SD15, 512, 512)
    big = choose_memory_mode(5 * GB, ModelFamily.SD15, 1536, 1536)
    assert (small.mode, small.vae_tiling) == (FULL, False)
    assert big.vae_tiling and big.mode in (FULL, MODEL, SEQ)
    huge = choose_memory_mode(200 * GB, ModelFamily.SDXL, 2048, 2048)
    assert (huge.mode, huge.vae_tiling) == (FULL, True)


def test_unknown_free_memory_keeps_the_model_where_it_is():
    plan = choose_memory_mode(None, ModelFamily.FLUX, 1024, 1024)
    assert (plan.mode, plan.vae_tiling) == (FULL, False)
    assert choose_memory_mode(None, ModelFamily.SD15, 1024, 1024).vae_tiling


def test_free_device_memory_is_unknown_off_cuda():
    assert memory.free_device_memory("cpu") is None
    assert memory.free_device_memory("mps") is None


@pytest.fixture(scope="module")
def tiny_pipe(tiny_models):
    import torch
    from diffusers import StableDiffusionPipeline

    pipe = StableDiffusionPipeline.from_pretrained(
        str(tiny_models["pipeline"]), torch_dtype=torch.float32, safety_checker=None
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


def test_vae_tiling_and_slicing_follow_the_plan(tiny_pipe):
    done = apply_memory_plan(tiny_pipe, MemoryPlan(FULL, vae_tiling=True, vae_slicing=True), "cpu")
    assert tiny_pipe.vae.use_tiling and tiny_pipe.vae.use_slicing
    assert done == ["on cpu", "vae-tiling", "vae-slicing"]
    assert apply_memory_plan(tiny_pipe, MemoryPlan(FULL), "cpu") == ["on cpu"]
    assert not tiny_pipe.vae.use_tiling and not tiny_pipe.vae.use_slicing


def test_a_tiled_vae_still_decodes(tiny_pipe):
    import torch

    vae = tiny_pipe.vae
    sizes = vae.tile_sample_min_size, vae.tile_latent_min_size
    apply_memory_plan(tiny_pipe, MemoryPlan(FULL, vae_tiling=True), "cpu")
    try:
        vae.tile_sample_min_size, vae.tile_latent_min_size = 64, 8  # tiles on a small picture
        out = vae.decode(torch.zeros(1, 4, 16, 16)).sample
    finally:
        vae.tile_sample_min_size, vae.tile_latent_min_size = sizes
        apply_memory_plan(tiny_pipe, MemoryPlan(FULL), "cpu")
    assert out.shape == (1, 3, 128, 128) and torch.isfinite(out).all()


def test_offloading_on_the_cpu_is_skipped(tiny_pipe):
    done = apply_memory_plan(tiny_pipe, MemoryPlan(MODEL, vae_tiling=True), "cpu")
    assert done[0] == "model-offload skipped: cpu is not a GPU"
    assert tiny_pipe.device.type == "cpu" and tiny_pipe.vae.use_tiling
    apply_memory_plan(tiny_pipe, MemoryPlan(FULL), "cpu")


@pytest.mark.parametrize(
    ("mode", "method"),
    [(MODEL, "enable_model_cpu_offload"), (SEQ, "enable_sequential_cpu_offload")],
)
def test_offload_calls_diffusers_on_a_gpu(tiny_pipe, monkeypatch, mode, method):
    calls = []
    monkeypatch.setattr(type(tiny_pipe), method, lambda self, **kw: calls.append(kw))
    moved = []
    monkeypatch.setattr(type(tiny_pipe), "to", lambda self, *a, **k: moved.append(a))
    done = apply_memory_plan(tiny_pipe, MemoryPlan(mode, vae_tiling=True), "cuda")
    assert calls == [{"device": "cuda"}] and moved == []
    assert done == [mode.value, "vae-tiling"]
    monkeypatch.undo()
    apply_memory_plan(tiny_pipe, MemoryPlan(FULL), "cpu")


def test_a_pipeline_without_offload_or_vae_is_guarded():
    moved = []
    pipe = SimpleNamespace(to=lambda device: moved.append(device))
    done = apply_memory_plan(pipe, MemoryPlan(SEQ, vae_tiling=True, vae_slicing=True), "cuda")
    assert moved == ["cuda"]
    assert done == [
        "sequential-offload skipped: SimpleNamespace cannot offload",
        "vae-tiling skipped: no VAE",
        "vae-slicing skipped: no VAE",
    ]
    pipe.vae = SimpleNamespace()  # a VAE without tiling
    done = apply_memory_plan(pipe, MemoryPlan(FULL, vae_tiling=True), "cuda")
    assert done == ["on cuda", "vae-tiling skipped: SimpleNamespace does not support it"]


def test_quantization_backends(monkeypatch):
    found = quantization_available()
    assert set(found) == {"bitsandbytes", "torchao"} and all(
        isinstance(v, bool) for v in found.values()
    )
    monkeypatch.setattr(
        memory.importlib.util, "find_spec", lambda name: object() if name == "torchao" else None
    )
    assert quantization_available() == {"bitsandbytes": False, "torchao": True}


def test_plan_summary():
    assert MemoryPlan(MODEL, vae_tiling=True, vae_slicing=True).summary == (
        "model-offload + VAE tiling, slicing"
    )
    assert MemoryPlan(FULL).summary == "full-gpu"
