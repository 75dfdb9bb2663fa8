"""AUTOMATIC1111-style parameters read back: our own PNGs and ones other tools write."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.engine.request import GenerationRequest, LoraSpec, Pixels
from f1studio.project.export import format_parameters
from f1studio.project.parameters import parse_parameters


def test_our_own_parameters_round_trip() -> None:
    request = GenerationRequest(
        "a fox in snow", width=512, height=768, negative_prompt="blurry, text", steps=30,
        scheduler="dpmpp-2m-karras", guidance_scale=6.5, seed=1234, strength=0.6,
        init_image=Pixels.of(np.zeros((768, 512, 3), np.uint8)),
        loras=(LoraSpec("/l/ink.safetensors", 0.8), LoraSpec("/l/Ghibli Style.safetensors", -1.0)),
    )  # fmt: skip
    p = parse_parameters(format_parameters(request, "sd15"))
    assert (p.prompt, p.negative_prompt) == ("a fox in snow", "blurry, text")
    assert (p.steps, p.scheduler, p.guidance_scale, p.seed) == (30, "dpmpp-2m-karras", 6.5, 1234)
    assert (p.size, p.strength) == ((512, 768), 0.6)
    assert p.loras == [("ink", 0.8), ("Ghibli Style", -1.0)]
    assert p.unknown == {"Model": "sd15"}


def test_automatic1111_parameters_with_a_multiline_prompt() -> None:
    text = (
        "masterpiece, <lora:detail:0.6> a castle,\non a hill\n"
        "Negative prompt: lowres, easynegative\n"
        "Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 99, "
        'Size: 832x1216, Model hash: abc, Model: sdxl_base, Lora hashes: "detail: 1234", '
        "Version: v1.10.1"
    )
    p = parse_parameters(text)
    assert p.prompt == "masterpiece, a castle,\non a hill"
    assert p.negative_prompt == "lowres, easynegative"
    assert (p.scheduler, p.size, p.loras) == ("dpmpp-2m-karras", (832, 1216), [("detail", 0.6)])
    assert p.unknown["Lora hashes"] == "detail: 1234" and "Version" in p.unknown


def test_a_sampler_we_do_not_have_is_named_not_replaced() -> None:
    p = parse_parameters("a cat\nSteps: 10, Sampler: UniPC, CFG scale: 5, Seed: 1, Size: 64x64")
    assert p.scheduler is None and p.unknown["Sampler"] == "UniPC"


def test_text_without_settings_is_refused() -> None:
    with pytest.raises(ValueError, match="not generation parameters"):
        parse_parameters("just a caption")
