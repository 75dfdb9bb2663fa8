"""Reference pictures on FLUX.1 through the XLabs FLUX.1 IP-Adapter: a render with one
reference equals diffusers' FluxPipeline given ``ip_adapter_image`` and the same scale; weight
0 is the plain render bit for bit; the step range and a region limit are honoured; region
prompts and a reference render in one pass; a wrong adapter or a missing encoder is one line."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from f1studio.engine.events import ErrorKind
from f1studio.engine.models import ModelCache
from f1studio.engine.request import GenerationRequest, Pixels, ReferenceSpec, RegionSpec
from tests.engine.flux_references import (
    PROMPT,
    SIZE,
    TEXT,
    coffee_photo,
    flux_request,
    left_half,
    range_changes,
    region_limit_changes,
    whole_canvas_and_unlimited,
)
from tests.engine.helpers import failure, max_diff, render, to_u8

pytest.importorskip("torch")


@pytest.fixture(scope="module")
def xlabs(tiny_flux, tmp_path_factory):
    from diffusers import FluxTransformer2DModel

    from f1studio.testing.tiny_flux_ip_adapter import build_flux_ip_adapter

    transformer = FluxTransformer2DModel.from_pretrained(str(tiny_flux["pipeline"] / "transformer"))
    return build_flux_ip_adapter(transformer, tmp_path_factory.mktemp("xlabs"))


@pytest.mark.parametrize("weight", [1.0, 0.6])
def test_an_ip_adapter_reference_equals_diffusers_flux_pipeline(
    tiny_flux, xlabs, engine_cache, weight
):
    import torch
    from diffusers import FluxPipeline
    from PIL import Image

    from f1studio.engine.schedulers import make_scheduler
    from f1studio.testing.tiny_flux_ip_adapter import ENCODER, WEIGHTS

    photo = coffee_photo()
    ref = ReferenceSpec(Pixels.of(photo), weight=weight)
    ours = render(flux_request(tiny_flux, xlabs, ref), engine_cache)[0]
    pipe = FluxPipeline.from_pretrained(str(tiny_flux["pipeline"]))
    pipe.set_progress_bar_config(disable=True)
    pipe.scheduler = make_scheduler("flow-euler", pipe.scheduler.config)
    pipe.load_ip_adapter(
        str(xlabs), weight_name=WEIGHTS,
        image_encoder_pretrained_model_name_or_path=str(xlabs / ENCODER),
        image_encoder_dtype=torch.float32,
    )  # fmt: skip
    pipe.set_ip_adapter_scale(weight)
    reference = pipe(
        PROMPT, ip_adapter_image=Image.fromarray(photo), height=SIZE, width=SIZE,
        num_inference_steps=6, guidance_scale=3.5, max_sequence_length=TEXT,
        generator=torch.Generator("cpu").manual_seed(7), output_type="np",
    ).images  # fmt: skip
    assert max_diff(ours, to_u8(reference)) <= 2
    plain = render(flux_request(tiny_flux, xlabs), engine_cache)[0]
    assert max_diff(ours, plain) > 10  # the picture steers


def test_weight_zero_is_the_plain_render_and_the_range_is_honoured(tiny_flux, xlabs, engine_cache):
    photo = Pixels.of(coffee_photo())
    fresh = render(flux_request(tiny_flux, xlabs), ModelCache())[0]
    render(flux_request(tiny_flux, xlabs, ReferenceSpec(photo)), engine_cache)  # adapter loaded
    zero = render(flux_request(tiny_flux, xlabs, ReferenceSpec(photo, weight=0.0)), engine_cache)[0]
    assert np.array_equal(zero, fresh)  # and taken off again: the transformer is as it was
    throughout, late, light = range_changes(tiny_flux, xlabs, engine_cache, fresh)
    assert 0 < late < throughout  # active on the last steps only: a smaller change
    assert 0 < light < throughout


def test_a_reference_limited_to_a_region_changes_it_more_than_the_rest(
    tiny_flux, xlabs, engine_cache
):
    inside, outside = region_limit_changes(tiny_flux, xlabs, engine_cache)
    assert inside > 3 * outside, (inside, outside)
    everywhere, unlimited = whole_canvas_and_unlimited(tiny_flux, xlabs, engine_cache)
    assert np.array_equal(everywhere, unlimited)


def test_an_ip_adapter_reference_beside_region_prompts(tiny_flux, xlabs, engine_cache):
    """A region prompt on the right and a reference limited to the left render in one pass:
    the reference changes the left far more than the right."""
    right = Pixels.of(np.ascontiguousarray(left_half().array()[:, ::-1]))
    regions = (RegionSpec(right, "a blue sky"),)
    photo = Pixels.of(coffee_photo())
    without = render(flux_request(tiny_flux, xlabs, regions=regions), engine_cache)[0].astype(int)
    both = render(
        flux_request(tiny_flux, xlabs, ReferenceSpec(photo, mask=left_half()), regions=regions),
        engine_cache,
    )[0].astype(int)
    change = np.abs(both - without).mean(axis=2)
    assert change[:, : SIZE // 2 - 16].mean() > 3 * change[:, SIZE // 2 + 16 :].mean()


def test_a_wrong_adapter_or_a_missing_encoder_is_one_line(tiny_flux, tiny_models, xlabs, tmp_path):
    from diffusers import UNet2DConditionModel

    from f1studio.testing.tiny_flux_ip_adapter import WEIGHTS
    from f1studio.testing.tiny_ip_adapter import build_ip_adapter

    unet = UNet2DConditionModel.from_pretrained(str(tiny_models["pipeline"] / "unet"))
    photo = ReferenceSpec(Pixels.of(coffee_photo()))
    sd15 = failure(flux_request(tiny_flux, build_ip_adapter(unet, tmp_path / "sd15"), photo))
    assert sd15.kind == ErrorKind.MODEL_INVALID
    assert "SD1.5/SDXL IP-Adapter, not a FLUX.1 IP-Adapter" in sd15.message
    assert "\n" not in sd15.message
    on_sd15 = failure(
        GenerationRequest(
            "a cat",
            64,
            64,
            model=str(tiny_models["pipeline"]),
            steps=2,
            device="cpu",
            references=(photo,),
            ip_adapter=str(xlabs),
        )  # fmt: skip
    )
    assert on_sd15.kind == ErrorKind.MODEL_INVALID and "is for FLUX.1" in on_sd15.message
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(xlabs / WEIGHTS, alone / WEIGHTS)
    missing = failure(flux_request(tiny_flux, alone, photo))
    assert (
        missing.kind == ErrorKind.MODEL_INVALID
        and "needs its CLIP vision image encoder" in missing.message
    )
