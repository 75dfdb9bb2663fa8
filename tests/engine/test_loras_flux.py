"""LoRAs on FLUX.1: parity with diffusers' own LoRA loading, unloading, and a LoRA limited to a
region refused in one line (not supported on FLUX.1 yet)."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.engine.events import ErrorKind, Failed
from f1studio.engine.request import GenerationRequest, LoraSpec, Pixels, RegionSpec
from f1studio.engine.runner import run
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


def test_a_region_lora_on_flux_is_refused_in_one_line(tiny_flux, flux_lora) -> None:
    mask = np.zeros((SIZE, SIZE), np.uint8)
    mask[:, :32] = 255
    region = RegionSpec(Pixels.of(mask), "a cat", loras=(LoraSpec(str(flux_lora)),))
    events: list = []
    assert run(_request(tiny_flux, regions=(region,)), events.append) is None
    failed = events[-1]
    assert isinstance(failed, Failed) and failed.kind == ErrorKind.BAD_REQUEST
    assert "not supported on FLUX.1" in failed.message
