"""Our render equals diffusers' reference pipelines for the same model, scheduler and seed."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from f1studio.engine.request import ControlKind, ControlSpec, GenerationRequest, Pixels
from f1studio.engine.schedulers import make_scheduler
from tests.engine.helpers import max_diff, render, to_u8

TOLERANCE = 2  # out of 255
SIZE = 128


def _reference(cls, path, scheduler, **components):
    import torch

    pipe = cls.from_pretrained(
        str(path), safety_checker=None, requires_safety_checker=False, **components
    )
    pipe.set_progress_bar_config(disable=True)
    pipe.scheduler = make_scheduler(scheduler, pipe.scheduler.config)
    return pipe, torch.Generator("cpu").manual_seed


@pytest.mark.slow
@pytest.mark.parametrize(
    "scheduler",
    ["dpmpp-2m", "dpmpp-2m-karras", "euler", "euler-a", "ddim", "lcm", "tcd", "euler-trailing"],
)
def test_plain_prompt_equals_stable_diffusion_pipeline(tiny_models, engine_cache, scheduler):
    from diffusers import StableDiffusionPipeline

    request = GenerationRequest(
        "a red car on a street",
        SIZE,
        SIZE,
        negative_prompt="blurry",
        scheduler=scheduler,
        model=str(tiny_models["pipeline"]),
        steps=8,
        guidance_scale=6.5,
        seed=123,
        device="cpu",
    )
    ours = render(request, engine_cache)[0]
    pipe, seed = _reference(StableDiffusionPipeline, tiny_models["pipeline"], scheduler)
    ref = pipe(
        "a red car on a street",
        negative_prompt="blurry",
        height=SIZE,
        width=SIZE,
        num_inference_steps=8,
        guidance_scale=6.5,
        generator=seed(123),
        output_type="np",
    ).images
    assert ours.shape == (SIZE, SIZE, 3) and ours.dtype == np.uint8
    assert max_diff(ours, to_u8(ref)) <= TOLERANCE
    assert ours.std() > 5  # a real picture, not a flat fill


@pytest.mark.slow
def test_edge_guide_equals_controlnet_pipeline(tiny_models, engine_cache):
    from diffusers import ControlNetModel, StableDiffusionControlNetPipeline

    edges = np.zeros((SIZE, SIZE), np.uint8)
    edges[30:34, :] = 255
    edges[:, 70:73] = 255
    spec = ControlSpec(
        ControlKind.EDGE,
        Pixels.of(edges),
        str(tiny_models["controlnet-edge"]),
        weight=0.8,
        start=0.1,
        end=0.7,
    )
    request = GenerationRequest(
        "a house",
        SIZE,
        SIZE,
        model=str(tiny_models["pipeline"]),
        steps=10,
        guidance_scale=5.0,
        seed=9,
        device="cpu",
        controls=(spec,),
    )
    ours = render(request, engine_cache)[0]
    cn = ControlNetModel.from_pretrained(str(tiny_models["controlnet-edge"]))
    pipe, seed = _reference(
        StableDiffusionControlNetPipeline, tiny_models["pipeline"], "dpmpp-2m", controlnet=cn
    )
    guide = Image.fromarray(np.repeat(edges[:, :, None], 3, axis=2))
    ref = pipe(
        "a house",
        image=guide,
        height=SIZE,
        width=SIZE,
        num_inference_steps=10,
        guidance_scale=5.0,
        controlnet_conditioning_scale=0.8,
        control_guidance_start=0.1,
        control_guidance_end=0.7,
        generator=seed(9),
        output_type="np",
    ).images
    assert max_diff(ours, to_u8(ref)) <= TOLERANCE
    # and the guide really steers: without it the picture differs
    plain = render(request.with_changes(controls=()), engine_cache)[0]
    assert max_diff(ours, plain) > 10


@pytest.mark.slow
def test_img2img_equals_img2img_pipeline(tiny_models, engine_cache):
    from diffusers import StableDiffusionImg2ImgPipeline
    from skimage.data import astronaut

    photo = np.asarray(Image.fromarray(astronaut()).resize((SIZE, SIZE)))
    request = GenerationRequest(
        "a portrait",
        SIZE,
        SIZE,
        model=str(tiny_models["pipeline"]),
        steps=12,
        guidance_scale=7.0,
        seed=5,
        device="cpu",
        strength=0.55,
        init_image=Pixels.of(photo),
    )
    ours = render(request, engine_cache)[0]
    pipe, seed = _reference(StableDiffusionImg2ImgPipeline, tiny_models["pipeline"], "dpmpp-2m")
    ref = pipe(
        "a portrait",
        image=Image.fromarray(photo),
        strength=0.55,
        num_inference_steps=12,
        guidance_scale=7.0,
        generator=seed(5),
        output_type="np",
    ).images
    assert max_diff(ours, to_u8(ref)) <= TOLERANCE


def test_same_seed_same_picture_and_batch_uses_consecutive_seeds(tiny_models, engine_cache):
    request = GenerationRequest(
        "a cat",
        64,
        64,
        model=str(tiny_models["pipeline"]),
        steps=4,
        seed=40,
        device="cpu",
        batch_count=2,
    )
    first, second = render(request, engine_cache)
    again = render(request.with_changes(seed=41, batch_count=1), engine_cache)[0]
    assert max_diff(second, again) == 0
    assert max_diff(first, second) > 0
