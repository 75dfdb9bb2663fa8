"""The SDXL family: our loop equals diffusers' SDXL pipelines for the same model, scheduler and
seed, and regions, inpaint, guides, previews and cancel work as they do for SD1.5."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from PIL import Image

from f1studio.engine.events import Cancelled, ErrorKind, Failed, Progress
from f1studio.engine.families.base import LoadedModel, ModelFamily
from f1studio.engine.families.single_file import SDXL_CONFIG_ENV
from f1studio.engine.identification import detect_family
from f1studio.engine.models import ModelCache
from f1studio.engine.request import (
    ControlKind,
    ControlSpec,
    GenerationRequest,
    InpaintSpec,
    Pixels,
    RegionSpec,
)
from f1studio.engine.runner import run
from f1studio.engine.schedulers import make_scheduler
from tests.engine.helpers import max_diff, render, to_u8

TOLERANCE = 2  # out of 255; measured: 0 for every case below
SIZE = 128
PROMPT, NEGATIVE = "a red car on a street", "blurry"


def _request(models, prompt: str = PROMPT, **kw) -> GenerationRequest:
    args = dict(
        negative_prompt=NEGATIVE,
        model=str(models["pipeline"]),
        steps=8,
        guidance_scale=6.5,
        seed=123,
        device="cpu",
    )
    args.update(kw)
    return GenerationRequest(prompt, SIZE, SIZE, **args)


def _reference(cls, path, scheduler="dpmpp-2m", dtype=None, **components):
    import torch

    extra = {"dtype": dtype} if dtype is not None else {}
    pipe = cls.from_pretrained(str(path), add_watermarker=False, **extra, **components)
    pipe.set_progress_bar_config(disable=True)
    pipe.scheduler = make_scheduler(scheduler, pipe.scheduler.config)
    return pipe, torch.Generator("cpu").manual_seed


def _photo(size=SIZE):
    from skimage.data import astronaut

    return np.asarray(Image.fromarray(astronaut()).resize((size, size)))


def _mask(y0, x0, y1, x1):
    m = np.zeros((SIZE, SIZE), np.uint8)
    m[y0:y1, x0:x1] = 255
    return m


# --- the tiny model and its family ----------------------------------------------------------


def test_detect_family_says_sdxl(tiny_sdxl):
    assert detect_family(str(tiny_sdxl["pipeline"])) == (ModelFamily.SDXL, False)
    assert detect_family(str(tiny_sdxl["pipeline-inpaint"])) == (ModelFamily.SDXL, True)
    assert ModelFamily.SDXL.is_supported


# --- parity with diffusers -------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "scheduler, negative",
    [
        ("dpmpp-2m", NEGATIVE),
        ("dpmpp-2m-karras", NEGATIVE),
        ("euler", NEGATIVE),
        ("euler-a", NEGATIVE),
        ("ddim", NEGATIVE),
        ("dpmpp-2m", ""),  # no negative prompt: SDXL's all-zero negative conditioning
    ],
)
def test_plain_prompt_equals_stable_diffusion_xl_pipeline(
    tiny_sdxl, engine_cache, scheduler, negative
):
    from diffusers import StableDiffusionXLPipeline

    ours = render(_request(tiny_sdxl, scheduler=scheduler, negative_prompt=negative), engine_cache)[
        0
    ]
    pipe, seed = _reference(StableDiffusionXLPipeline, tiny_sdxl["pipeline"], scheduler)
    ref = pipe(
        PROMPT,
        negative_prompt=negative or None,
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


def test_prompt_steers_the_picture(tiny_sdxl, engine_cache):
    a = render(_request(tiny_sdxl), engine_cache)[0]
    b = render(_request(tiny_sdxl, prompt="a green tree in a forest"), engine_cache)[0]
    assert max_diff(a, b) > 10


def _edges():
    edges = np.zeros((SIZE, SIZE), np.uint8)
    edges[30:34, :] = 255
    edges[:, 70:73] = 255
    return edges


@pytest.mark.slow
def test_edge_guide_equals_controlnet_pipeline(tiny_sdxl, engine_cache):
    from diffusers import ControlNetModel, StableDiffusionXLControlNetPipeline

    spec = ControlSpec(
        ControlKind.EDGE,
        Pixels.of(_edges()),
        str(tiny_sdxl["controlnet-edge"]),
        weight=0.8,
        start=0.1,
        end=0.7,
    )
    request = _request(tiny_sdxl, prompt="a house", steps=10, guidance_scale=5.0, seed=9)
    ours = render(request.with_changes(controls=(spec,)), engine_cache)[0]
    cn = ControlNetModel.from_pretrained(str(tiny_sdxl["controlnet-edge"]))
    pipe, seed = _reference(
        StableDiffusionXLControlNetPipeline, tiny_sdxl["pipeline"], controlnet=cn
    )
    ref = pipe(
        "a house",
        negative_prompt=NEGATIVE,
        image=Image.fromarray(np.repeat(_edges()[:, :, None], 3, axis=2)),
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
    plain = render(request, engine_cache)[0]  # and the guide really steers
    assert max_diff(ours, plain) > 10


@pytest.mark.slow
def test_two_guides_equal_multi_controlnet_pipeline(tiny_sdxl, engine_cache):
    from diffusers import ControlNetModel, StableDiffusionXLControlNetPipeline

    depth = np.tile(np.linspace(0, 255, SIZE, dtype=np.uint8)[:, None], (1, SIZE))
    specs = (
        ControlSpec(ControlKind.EDGE, Pixels.of(_edges()), str(tiny_sdxl["controlnet-edge"]), 0.7),
        ControlSpec(
            ControlKind.DEPTH, Pixels.of(depth), str(tiny_sdxl["controlnet-depth"]), 1.2, 0.25, 0.9
        ),
    )
    ours = render(_request(tiny_sdxl, controls=specs), engine_cache)[0]
    nets = [
        ControlNetModel.from_pretrained(str(tiny_sdxl[f"controlnet-{k}"]))
        for k in ("edge", "depth")
    ]
    pipe, seed = _reference(
        StableDiffusionXLControlNetPipeline, tiny_sdxl["pipeline"], controlnet=nets
    )
    ref = pipe(
        PROMPT,
        negative_prompt=NEGATIVE,
        image=[Image.fromarray(np.repeat(a[:, :, None], 3, axis=2)) for a in (_edges(), depth)],
        height=SIZE,
        width=SIZE,
        num_inference_steps=8,
        guidance_scale=6.5,
        controlnet_conditioning_scale=[0.7, 1.2],
        control_guidance_start=[0.0, 0.25],
        control_guidance_end=[1.0, 0.9],
        generator=seed(123),
        output_type="np",
    ).images
    assert max_diff(ours, to_u8(ref)) <= TOLERANCE


@pytest.mark.slow
def test_img2img_equals_img2img_pipeline(tiny_sdxl, engine_cache):
    from diffusers import StableDiffusionXLImg2ImgPipeline

    request = _request(
        tiny_sdxl,
        prompt="a portrait",
        steps=12,
        guidance_scale=7.0,
        seed=5,
        strength=0.55,
        init_image=Pixels.of(_photo()),
    )
    ours = render(request, engine_cache)[0]
    pipe, seed = _reference(StableDiffusionXLImg2ImgPipeline, tiny_sdxl["pipeline"])
    ref = pipe(
        "a portrait",
        negative_prompt=NEGATIVE,
        image=Image.fromarray(_photo()),
        strength=0.55,
        num_inference_steps=12,
        guidance_scale=7.0,
        generator=seed(5),
        output_type="np",
    ).images
    assert max_diff(ours, to_u8(ref)) <= TOLERANCE


@pytest.mark.slow
def test_half_precision_decodes_in_fp32_like_the_pipeline(tiny_sdxl):
    """On fp16 the SDXL VAE (force_upcast) decodes in fp32, as diffusers does; the UNet stays
    fp16. Runs on the CPU, which computes fp16 too."""
    import torch
    from diffusers import StableDiffusionXLPipeline

    from f1studio.engine.families.sdxl import SDXLAdapter

    pipe, seed = _reference(StableDiffusionXLPipeline, tiny_sdxl["pipeline"], dtype=torch.float16)
    ref = pipe(
        PROMPT,
        negative_prompt=NEGATIVE,
        height=SIZE,
        width=SIZE,
        num_inference_steps=6,
        guidance_scale=6.5,
        generator=seed(3),
        output_type="np",
    ).images
    ours_pipe, _ = _reference(StableDiffusionXLPipeline, tiny_sdxl["pipeline"], dtype=torch.float16)
    model = LoadedModel(ModelFamily.SDXL, "tiny", ours_pipe, "cpu", "float16")
    request = _request(tiny_sdxl, steps=6, seed=3)
    ours = SDXLAdapter().render(request, model, {}, 3, lambda *a: None, lambda: False)
    assert ours_pipe.vae.dtype == torch.float32 and ours_pipe.unet.dtype == torch.float16
    assert max_diff(ours, to_u8(ref)) <= TOLERANCE


# --- regions ---------------------------------------------------------------------------------


def test_full_canvas_region_with_empty_global_prompt_equals_plain_prompt(tiny_sdxl, engine_cache):
    region = RegionSpec(Pixels.of(_mask(0, 0, SIZE, SIZE)), "a red car", NEGATIVE)
    with_region = render(
        _request(tiny_sdxl, prompt="", negative_prompt="", regions=(region,)), engine_cache
    )
    plain = render(_request(tiny_sdxl, prompt="a red car"), engine_cache)
    assert max_diff(with_region[0], plain[0]) <= TOLERANCE


def test_region_weight_zero_is_the_global_prompt(tiny_sdxl, engine_cache):
    request = _request(tiny_sdxl, prompt="a photo of a street")
    region = RegionSpec(Pixels.of(_mask(0, 0, SIZE, SIZE // 2)), "a green forest", weight=0.0)
    regional = render(request.with_changes(regions=(region,)), engine_cache)[0]
    assert max_diff(regional, render(request, engine_cache)[0]) <= TOLERANCE


def test_region_changes_its_own_half_most(tiny_sdxl, engine_cache):
    request = _request(tiny_sdxl, prompt="a photo of a street")
    plain = render(request, engine_cache)[0].astype(np.float32)
    region = RegionSpec(Pixels.of(_mask(0, 0, SIZE, SIZE // 2)), "a green forest with a flower")
    regional = render(request.with_changes(regions=(region,)), engine_cache)[0].astype(np.float32)
    change = np.abs(regional - plain).mean(axis=2)
    inside, outside = change[:, : SIZE // 2 - 16].mean(), change[:, SIZE // 2 + 16 :].mean()
    assert inside > 1.25 * outside, (inside, outside)


def _four_regions():
    quarter = SIZE // 4
    return tuple(
        RegionSpec(Pixels.of(_mask(0, i * quarter, SIZE, (i + 1) * quarter)), f"a {c} car")
        for i, c in enumerate(["red", "blue", "green", "yellow"])
    )


def test_one_unet_pass_per_step_whatever_the_number_of_regions(tiny_sdxl, engine_cache):
    request = _request(tiny_sdxl, prompt="a photo")
    render(request, engine_cache)  # loads the model
    unet = engine_cache.loaded.pipe.unet
    calls = []
    handle = unet.register_forward_hook(lambda *a: calls.append(1))
    try:
        render(request, engine_cache)
        plain_calls = len(calls)
        calls.clear()
        render(request.with_changes(regions=_four_regions()), engine_cache)
    finally:
        handle.remove()
    assert plain_calls == request.steps
    assert len(calls) == plain_calls


def test_regions_with_guides_sharing_a_controlnet_restore_every_processor(tiny_sdxl, engine_cache):
    from f1studio.engine.regional import RegionalAttnProcessor

    spec = ControlSpec(ControlKind.EDGE, Pixels.of(_edges()), str(tiny_sdxl["controlnet-edge"]))
    twice = (spec, ControlSpec(ControlKind.DEPTH, spec.image, spec.model, 0.5))
    request = _request(tiny_sdxl, prompt="a photo", controls=twice, regions=_four_regions())
    out = render(request, engine_cache)[0]
    assert out.shape == (SIZE, SIZE, 3) and out.std() > 5
    models = [engine_cache.loaded.pipe.unet, *engine_cache._controlnets.values()]
    processors = [p for m in models for p in m.attn_processors.values()]
    assert not any(isinstance(p, RegionalAttnProcessor) for p in processors)


# --- inpaint ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model, strength", [("pipeline", 1.0), ("pipeline", 0.4), ("pipeline-inpaint", 1.0)]
)
def test_inpaint_keeps_every_outside_pixel(tiny_sdxl, engine_cache, model, strength):
    mask = _mask(32, 40, 96, 100)
    photo = _photo()
    request = _request(
        tiny_sdxl,
        model=str(tiny_sdxl[model]),
        prompt="a red flower",
        init_image=Pixels.of(photo),
        inpaint=InpaintSpec(Pixels.of(mask), strength, 6),
    )
    out = render(request, engine_cache)[0]
    assert np.array_equal(out[mask == 0], photo[mask == 0])
    inside = mask == 255
    assert np.abs(out[inside].astype(int) - photo[inside]).mean() > 5


def test_nine_channel_model_loads_as_inpaint_pipeline_and_paints_whole_canvases(
    tiny_sdxl, engine_cache
):
    photo = _photo()
    request = _request(
        tiny_sdxl,
        model=str(tiny_sdxl["pipeline-inpaint"]),
        steps=2,
        init_image=Pixels.of(photo),
        inpaint=InpaintSpec(Pixels.of(_mask(0, 0, 64, 64)), 1.0, 0),
    )
    render(request, engine_cache)
    assert type(engine_cache.loaded.pipe).__name__ == "StableDiffusionXLInpaintPipeline"
    assert (
        engine_cache.loaded.is_inpainting and engine_cache.loaded.pipe.unet.config.in_channels == 9
    )
    # without an inpaint mask it regenerates the whole canvas: text to image and img2img work
    txt2img = render(request.with_changes(inpaint=None, init_image=None), engine_cache)[0]
    img2img = render(request.with_changes(inpaint=None, strength=0.5), engine_cache)[0]
    assert txt2img.std() > 5 and img2img.shape == photo.shape


# --- events: previews, cancel, errors ----------------------------------------------------------


def test_progress_carries_previews_at_latent_size(tiny_sdxl, engine_cache):
    events: list = []
    render(_request(tiny_sdxl, steps=4), engine_cache, events)
    progress = [e for e in events if isinstance(e, Progress)]
    assert [p.step for p in progress] == [1, 2, 3, 4]
    assert all(p.preview.shape == (SIZE // 8, SIZE // 8, 3) for p in progress)
    assert progress[-1].preview.dtype == np.uint8 and progress[-1].preview.std() > 0


def test_cancel_stops_before_the_next_step(tiny_sdxl, engine_cache):
    cancel = threading.Event()
    events: list = []

    def on_event(event):
        events.append(event)
        if isinstance(event, Progress) and event.step == 2:
            cancel.set()

    assert run(_request(tiny_sdxl, steps=8), on_event, cancel, cache=engine_cache) is None
    assert isinstance(events[-1], Cancelled) and events[-1].step == 2
    assert max(e.step for e in events if isinstance(e, Progress)) == 2
    assert render(_request(tiny_sdxl, steps=2), engine_cache)  # and the engine stays usable


def test_sd15_controlnet_on_sdxl_is_reported(tiny_sdxl, tiny_models, engine_cache):
    spec = ControlSpec(ControlKind.EDGE, Pixels.of(_edges()), str(tiny_models["controlnet-edge"]))
    events: list = []
    assert (
        run(_request(tiny_sdxl, steps=2, controls=(spec,)), events.append, cache=engine_cache)
        is None
    )
    assert isinstance(events[-1], Failed) and events[-1].kind == ErrorKind.MODEL_INVALID
    assert "SDXL ControlNet" in events[-1].message


def test_sdxl_controlnet_on_sd15_is_reported_before_anything_runs(
    tiny_sdxl, tiny_models, engine_cache
):
    cache = engine_cache
    spec = ControlSpec(ControlKind.EDGE, Pixels.of(_edges()), str(tiny_sdxl["controlnet-edge"]))
    request = GenerationRequest(
        "a red car", 128, 128, model=str(tiny_models["pipeline"]), steps=2, device="cpu"
    )
    events: list = []
    assert run(request.with_changes(controls=(spec,)), events.append, cache=cache) is None
    failed = events[-1]
    assert isinstance(failed, Failed) and failed.kind == ErrorKind.MODEL_INVALID
    assert "Stable Diffusion 1.5 ControlNet" in failed.message and "\n" not in failed.message
    assert not any(isinstance(e, Progress) for e in events)  # refused before the first step
    assert render(request, cache)  # and the engine stays usable


@pytest.fixture
def offline_empty_hub_cache(monkeypatch, tmp_path):
    """Offline, with no F1STUDIO_SDXL_CONFIG and an empty Hugging Face cache (so a developer's
    real cache cannot make the tests pass or fail)."""
    import huggingface_hub.constants

    hub = tmp_path / "hf-cache"
    hub.mkdir()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv(SDXL_CONFIG_ENV, raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(hub))
    return hub


def _failure(request: GenerationRequest) -> Failed:
    events: list = []
    assert run(request, events.append, cache=ModelCache()) is None
    assert isinstance(events[-1], Failed), events[-1]
    return events[-1]


def test_single_file_checkpoint_configuration_errors_are_one_clear_line(
    tiny_models, offline_empty_hub_cache, monkeypatch, tmp_path
):
    from tests.engine.test_catalog import SDXL, write_header_only

    file = write_header_only(tmp_path / "my-sdxl.safetensors", SDXL)  # an SDXL header only
    request = GenerationRequest("x", 64, 64, model=str(file), steps=1, device="cpu")
    failed = _failure(request)
    assert failed.kind == ErrorKind.OFFLINE and "\n" not in failed.message
    assert file.name in failed.message and SDXL_CONFIG_ENV in failed.message
    monkeypatch.setenv(SDXL_CONFIG_ENV, str(tmp_path / "nowhere"))
    failed = _failure(request)
    assert failed.kind == ErrorKind.MODEL_NOT_FOUND and SDXL_CONFIG_ENV in failed.message
    monkeypatch.setenv(SDXL_CONFIG_ENV, str(tiny_models["pipeline"]))  # an SD1.5 folder
    failed = _failure(request)
    assert failed.kind == ErrorKind.MODEL_INVALID and "not SDXL" in failed.message


def test_single_file_controlnet_loads_with_an_sdxl_configuration(
    tiny_sdxl, offline_empty_hub_cache, monkeypatch, tmp_path
):
    """SDXL ControlNets are often shared as one file with diffusers' names; its configuration
    comes from a ControlNet folder or is derived from an SDXL pipeline folder's UNet."""
    import torch
    from diffusers import ControlNetModel
    from safetensors.torch import save_file

    from f1studio.engine.events import EngineError
    from f1studio.engine.models import load_controlnet

    ref = ControlNetModel.from_pretrained(str(tiny_sdxl["controlnet-edge"])).state_dict()
    file = tmp_path / "edge-xl.safetensors"
    save_file({k: v.contiguous() for k, v in ref.items()}, str(file))
    for config in (tiny_sdxl["controlnet-edge"], tiny_sdxl["pipeline"]):
        monkeypatch.setenv(SDXL_CONFIG_ENV, str(config))
        cn = load_controlnet(str(file), "cpu", torch.float32, family=ModelFamily.SDXL)
        state = cn.state_dict()
        assert set(state) == set(ref) and all(torch.equal(state[k], ref[k]) for k in ref)
    monkeypatch.delenv(SDXL_CONFIG_ENV)
    with pytest.raises(EngineError) as error:
        load_controlnet(str(file), "cpu", torch.float32, family=ModelFamily.SDXL)
    assert error.value.kind == ErrorKind.OFFLINE and SDXL_CONFIG_ENV in error.value.message


# --- cost of regions ---------------------------------------------------------------------------


def _seconds_per_step(request, cache) -> float:
    stamps: list[float] = []

    def on_event(event):
        if isinstance(event, Progress):
            stamps.append(time.perf_counter())

    run(request, on_event, cache=cache)
    gaps = np.diff(stamps)[1:]  # the first step warms up
    return float(np.median(gaps))


@pytest.mark.slow
def test_region_cost_per_step_is_reported(tiny_sdxl, engine_cache):
    """Not a timing assertion: prints the per-step time with 0 and 4 regions (pytest -s)."""
    size = 256
    quarter = size // 4
    regions = []
    for i, c in enumerate(["red", "blue", "green", "yellow"]):
        m = np.zeros((size, size), np.uint8)
        m[:, i * quarter : (i + 1) * quarter] = 255
        regions.append(RegionSpec(Pixels.of(m), f"a {c} car"))
    request = GenerationRequest(
        "a photo", size, size, model=str(tiny_sdxl["pipeline"]), steps=20, seed=1, device="cpu"
    )
    render(request, engine_cache)
    plain = _seconds_per_step(request, engine_cache)
    regional = _seconds_per_step(request.with_changes(regions=tuple(regions)), engine_cache)
    print(
        f"\nSDXL tiny 256px per step: 0 regions {plain * 1000:.1f} ms, 4 regions "
        f"{regional * 1000:.1f} ms"
    )
    assert plain > 0 and regional > 0


def test_auto_steps(tiny_sdxl, engine_cache, monkeypatch):
    from tests.engine.test_adaptive import check_auto_steps

    check_auto_steps(lambda **kw: _request(tiny_sdxl, **kw), engine_cache, monkeypatch, planned=8)
