"""FLUX.1: our render equals diffusers' Flux pipelines, and every canvas feature works on it."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image

from f1studio.engine.events import Cancelled, EngineError, ErrorKind, Failed, Progress
from f1studio.engine.families.base import ModelFamily
from f1studio.engine.families.flux import FluxAdapter
from f1studio.engine.identification import detect_family
from f1studio.engine.request import (
    ControlKind,
    ControlSpec,
    GenerationRequest,
    InpaintSpec,
    Pixels,
    RegionSpec,
)
from f1studio.engine.runner import run
from tests.engine.helpers import max_diff, render, to_u8

TOLERANCE = 2  # out of 255
SIZE = 128  # 8x8 = 64 image tokens
TEXT = 64  # the tiny T5 tokenizer's length (the adapter uses min(512, model_max_length))


def _photo(size=SIZE):
    from skimage.data import astronaut

    return np.asarray(Image.fromarray(astronaut()).resize((size, size)))


def _request(models, name="pipeline", **kw):
    base = dict(
        prompt="a red car on a street",
        width=SIZE,
        height=SIZE,
        model=str(models[name]),
        steps=8,
        guidance_scale=3.5,
        seed=123,
        device="cpu",
        scheduler="flow-euler",
    )
    return GenerationRequest(**{**base, **kw})


def _reference(cls, path, scheduler="flow-euler", **components):
    import torch

    from f1studio.engine.schedulers import make_scheduler

    pipe = cls.from_pretrained(str(path), **components)
    pipe.set_progress_bar_config(disable=True)
    pipe.scheduler = make_scheduler(scheduler, pipe.scheduler.config)
    return pipe, torch.Generator("cpu").manual_seed


def _mask(y0, x0, y1, x1, size=SIZE):
    m = np.zeros((size, size), np.uint8)
    m[y0:y1, x0:x1] = 255
    return m


# --- models -------------------------------------------------------------------------------------
def test_detect_family_says_flux_and_variants(tiny_flux, engine_cache):
    from f1studio.engine.families.flux import default_steps, flux_variant

    for name in ("pipeline", "pipeline-schnell", "pipeline-fill"):
        assert detect_family(str(tiny_flux[name]))[0] is ModelFamily.FLUX
    assert ModelFamily.FLUX.is_supported
    variants = {}
    for name in ("pipeline", "pipeline-schnell", "pipeline-fill"):
        render(_request(tiny_flux, name, steps=1, width=64, height=64), engine_cache)
        variants[name] = flux_variant(engine_cache.loaded.pipe)
    assert variants == {"pipeline": "dev", "pipeline-schnell": "schnell", "pipeline-fill": "fill"}
    assert type(engine_cache.loaded.pipe).__name__ == "FluxFillPipeline"
    assert default_steps("schnell") == 4 and default_steps("dev") == 28


# --- parity with diffusers ---------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("scheduler", ["flow-euler", "dpmpp-2m"])
def test_plain_prompt_equals_flux_pipeline(tiny_flux, engine_cache, scheduler):
    from diffusers import FluxPipeline

    ours = render(_request(tiny_flux, scheduler=scheduler), engine_cache)[0]
    pipe, seed = _reference(FluxPipeline, tiny_flux["pipeline"], scheduler)
    ref = pipe(
        "a red car on a street",
        height=SIZE,
        width=SIZE,
        num_inference_steps=8,
        guidance_scale=3.5,
        generator=seed(123),
        output_type="np",
        max_sequence_length=TEXT,
    ).images
    assert ours.shape == (SIZE, SIZE, 3) and ours.dtype == np.uint8
    assert max_diff(ours, to_u8(ref)) <= TOLERANCE
    assert ours.std() > 5


@pytest.mark.slow
def test_schnell_equals_flux_pipeline_and_ignores_guidance(tiny_flux, engine_cache):
    from diffusers import FluxPipeline

    request = _request(tiny_flux, "pipeline-schnell", steps=4, guidance_scale=0.0)
    ours = render(request, engine_cache)[0]
    pipe, seed = _reference(FluxPipeline, tiny_flux["pipeline-schnell"])
    ref = pipe(
        "a red car on a street",
        height=SIZE,
        width=SIZE,
        num_inference_steps=4,
        guidance_scale=0.0,
        generator=seed(123),
        output_type="np",
        max_sequence_length=TEXT,
    ).images
    assert max_diff(ours, to_u8(ref)) <= TOLERANCE
    assert max_diff(render(request.with_changes(guidance_scale=7.0), engine_cache)[0], ours) == 0


def test_guidance_drives_the_dev_guidance_embedding(tiny_flux, engine_cache):
    low = render(_request(tiny_flux, guidance_scale=1.0), engine_cache)[0]
    high = render(_request(tiny_flux, guidance_scale=6.0), engine_cache)[0]
    assert max_diff(low, high) > 5


def test_dpmpp_2m_on_flow_sigmas_differs_from_euler(tiny_flux, engine_cache):
    euler = render(_request(tiny_flux, scheduler="euler"), engine_cache)[0]
    flow_euler = render(_request(tiny_flux, scheduler="flow-euler"), engine_cache)[0]
    dpm = render(_request(tiny_flux, scheduler="dpmpp-2m"), engine_cache)[0]
    assert max_diff(euler, flow_euler) == 0  # "euler" is the model's own FlowMatch Euler
    assert dpm.std() > 5 and max_diff(dpm, euler) > 2
    schnell = _request(tiny_flux, "pipeline-schnell", scheduler="dpmpp-2m", steps=4)
    assert render(schnell, engine_cache)[0].std() > 5  # fixed shift: no dynamic mu


def _edges():
    edges = np.zeros((SIZE, SIZE), np.uint8)
    edges[30:34, :] = 255
    edges[:, 70:73] = 255
    return edges


@pytest.mark.slow
def test_edge_guide_equals_flux_controlnet_pipeline(tiny_flux, engine_cache):
    from diffusers import FluxControlNetModel, FluxControlNetPipeline

    spec = ControlSpec(
        ControlKind.EDGE,
        Pixels.of(_edges()),
        str(tiny_flux["controlnet-edge"]),
        weight=0.8,
        start=0.1,
        end=0.7,
    )
    request = _request(tiny_flux, prompt="a house", steps=10, seed=9, controls=(spec,))
    ours = render(request, engine_cache)[0]
    cn = FluxControlNetModel.from_pretrained(str(tiny_flux["controlnet-edge"]))
    pipe, seed = _reference(FluxControlNetPipeline, tiny_flux["pipeline"], controlnet=cn)
    ref = pipe(
        "a house",
        control_image=Image.fromarray(np.repeat(_edges()[:, :, None], 3, axis=2)),
        height=SIZE,
        width=SIZE,
        num_inference_steps=10,
        guidance_scale=3.5,
        controlnet_conditioning_scale=0.8,
        control_guidance_start=0.1,
        control_guidance_end=0.7,
        generator=seed(9),
        output_type="np",
        max_sequence_length=TEXT,
    ).images
    assert max_diff(ours, to_u8(ref)) <= TOLERANCE
    plain = render(request.with_changes(controls=()), engine_cache)[0]
    assert max_diff(ours, plain) > 10  # the guide really steers


@pytest.mark.slow
def test_edge_and_depth_guides_sum_like_multi_controlnet(tiny_flux, engine_cache):
    from diffusers import FluxControlNetModel, FluxControlNetPipeline, FluxMultiControlNetModel

    depth = np.tile(np.linspace(0, 255, SIZE, dtype=np.uint8)[:, None], (1, SIZE))
    specs = (
        ControlSpec(ControlKind.EDGE, Pixels.of(_edges()), str(tiny_flux["controlnet-edge"]), 0.7),
        ControlSpec(
            ControlKind.DEPTH, Pixels.of(depth), str(tiny_flux["controlnet-depth"]), 0.5, 0.0, 0.5
        ),
    )
    ours = render(_request(tiny_flux, controls=specs), engine_cache)[0]
    nets = [
        FluxControlNetModel.from_pretrained(str(tiny_flux[n]))
        for n in ("controlnet-edge", "controlnet-depth")
    ]
    pipe, seed = _reference(
        FluxControlNetPipeline, tiny_flux["pipeline"], controlnet=FluxMultiControlNetModel(nets)
    )
    ref = pipe(
        "a red car on a street",
        control_image=[
            Image.fromarray(np.repeat(a[:, :, None], 3, axis=2)) for a in (_edges(), depth)
        ],
        height=SIZE,
        width=SIZE,
        num_inference_steps=8,
        guidance_scale=3.5,
        controlnet_conditioning_scale=[0.7, 0.5],
        control_guidance_start=[0.0, 0.0],
        control_guidance_end=[1.0, 0.5],
        generator=seed(123),
        output_type="np",
        max_sequence_length=TEXT,
    ).images
    assert max_diff(ours, to_u8(ref)) <= TOLERANCE


@pytest.mark.slow
def test_union_controlnet_takes_the_control_mode(tiny_flux, engine_cache):
    from diffusers import FluxControlNetModel, FluxControlNetPipeline

    union = str(tiny_flux["controlnet-union"])
    spec = ControlSpec(ControlKind.EDGE, Pixels.of(_edges()), union, 0.9, control_mode=3)
    ours = render(_request(tiny_flux, controls=(spec,)), engine_cache)[0]
    cn = FluxControlNetModel.from_pretrained(union)
    pipe, seed = _reference(FluxControlNetPipeline, tiny_flux["pipeline"], controlnet=cn)
    ref = pipe(
        "a red car on a street",
        control_image=Image.fromarray(np.repeat(_edges()[:, :, None], 3, axis=2)),
        control_mode=3,
        height=SIZE,
        width=SIZE,
        num_inference_steps=8,
        guidance_scale=3.5,
        controlnet_conditioning_scale=0.9,
        generator=seed(123),
        output_type="np",
        max_sequence_length=TEXT,
    ).images
    assert max_diff(ours, to_u8(ref)) <= TOLERANCE
    default_mode = ControlSpec(ControlKind.EDGE, Pixels.of(_edges()), union, 0.9)  # -> canny (0)
    assert (
        max_diff(render(_request(tiny_flux, controls=(default_mode,)), engine_cache)[0], ours) > 0
    )


@pytest.mark.slow
def test_img2img_equals_flux_img2img_pipeline(tiny_flux, engine_cache):
    from diffusers import FluxImg2ImgPipeline

    photo = _photo()
    request = _request(
        tiny_flux,
        prompt="a portrait",
        steps=12,
        seed=5,
        strength=0.55,
        init_image=Pixels.of(photo),
    )
    ours = render(request, engine_cache)[0]
    pipe, seed = _reference(FluxImg2ImgPipeline, tiny_flux["pipeline"])
    ref = pipe(
        "a portrait",
        image=Image.fromarray(photo),
        strength=0.55,
        height=SIZE,
        width=SIZE,
        num_inference_steps=12,
        guidance_scale=3.5,
        generator=seed(5),
        output_type="np",
        max_sequence_length=TEXT,
    ).images
    assert max_diff(ours, to_u8(ref)) <= TOLERANCE
    assert FluxAdapter.steps_per_image(request) == 7  # 12 - int(12 - 12 * 0.55), as diffusers
    assert FluxAdapter.steps_per_image(request.with_changes(strength=0.0)) == 0
    txt2img = render(request.with_changes(strength=1.0, init_image=None), engine_cache)[0]
    assert np.abs(ours.astype(int) - photo).mean() < np.abs(txt2img.astype(int) - photo).mean()


# --- inpaint -----------------------------------------------------------------------------------
def test_inpaint_keeps_outside_pixels_bit_identical(tiny_flux, engine_cache):
    photo = _photo()
    mask = _mask(32, 40, 96, 100)
    for strength in (1.0, 0.5):
        request = _request(
            tiny_flux,
            init_image=Pixels.of(photo),
            inpaint=InpaintSpec(Pixels.of(mask), strength, feather=6),
        )
        out = render(request, engine_cache)[0]
        assert np.array_equal(out[mask == 0], photo[mask == 0])
        inside = mask == 255
        assert np.abs(out[inside].astype(int) - photo[inside]).mean() > 5


@pytest.mark.slow
def test_fill_model_inpaint_equals_flux_fill_pipeline(tiny_flux, engine_cache):
    from diffusers import FluxFillPipeline

    photo = _photo()
    mask = _mask(32, 40, 96, 100)
    request = _request(
        tiny_flux,
        "pipeline-fill",
        init_image=Pixels.of(photo),
        inpaint=InpaintSpec(Pixels.of(mask), 1.0, feather=0),
    )
    ours = render(request, engine_cache)[0]
    pipe, seed = _reference(FluxFillPipeline, tiny_flux["pipeline-fill"])
    ref = pipe(
        "a red car on a street",
        image=Image.fromarray(photo),
        mask_image=Image.fromarray(mask),
        height=SIZE,
        width=SIZE,
        num_inference_steps=8,
        guidance_scale=3.5,
        generator=seed(123),
        output_type="np",
        max_sequence_length=TEXT,
    ).images
    inside = mask == 255
    assert max_diff(ours[inside], to_u8(ref)[inside]) <= TOLERANCE
    assert np.array_equal(ours[~inside], photo[~inside])


# --- regions ------------------------------------------------------------------------------------
def test_full_canvas_region_with_empty_global_prompt_equals_plain_prompt(tiny_flux, engine_cache):
    region = RegionSpec(Pixels.of(_mask(0, 0, SIZE, SIZE)), "a red car")
    with_region = render(_request(tiny_flux, prompt="", regions=(region,)), engine_cache)[0]
    plain = render(_request(tiny_flux, prompt="a red car"), engine_cache)[0]
    assert max_diff(with_region, plain) <= TOLERANCE


def test_region_weight_zero_is_the_global_prompt(tiny_flux, engine_cache):
    request = _request(tiny_flux, prompt="a photo of a street")
    region = RegionSpec(Pixels.of(_mask(0, 0, SIZE, SIZE // 2)), "a green forest", weight=0.0)
    plain = render(request, engine_cache)[0]
    assert (
        max_diff(render(request.with_changes(regions=(region,)), engine_cache)[0], plain)
        <= TOLERANCE
    )


def test_region_changes_pixels_inside_its_mask_more_than_outside(tiny_flux, engine_cache):
    size = 256
    request = _request(tiny_flux, prompt="a photo of a street", width=size, height=size)
    plain = render(request, engine_cache)[0].astype(np.float32)
    region = RegionSpec(
        Pixels.of(_mask(0, 0, size, size // 2, size)), "a green forest with a yellow flower"
    )
    regional = render(request.with_changes(regions=(region,)), engine_cache)[0].astype(np.float32)
    change = np.abs(regional - plain).mean(axis=2)
    inside = change[:, : size // 2 - 32].mean()  # clear of the soft boundary
    outside = change[:, size // 2 + 32 :].mean()
    assert inside > 1.25 * outside, (inside, outside)


def test_one_transformer_call_per_step_with_four_regions(tiny_flux, engine_cache):
    request = _request(tiny_flux, prompt="a photo")
    render(request, engine_cache)
    transformer = engine_cache.loaded.pipe.transformer
    calls = []
    handle = transformer.register_forward_hook(lambda *a: calls.append(1))
    try:
        regions = tuple(
            RegionSpec(Pixels.of(_mask(0, i * SIZE // 4, SIZE, (i + 1) * SIZE // 4)), f"a {c} car")
            for i, c in enumerate(["red", "blue", "green", "yellow"])
        )
        out = render(request.with_changes(regions=regions), engine_cache)[0]
    finally:
        handle.remove()
    assert len(calls) == request.steps
    assert out.std() > 5
    processors = {type(p).__name__ for p in transformer.attn_processors.values()}
    assert processors == {"FluxAttnProcessor"}  # restored after the job


def test_regions_with_a_union_controlnet_on_a_larger_canvas(tiny_flux, engine_cache):
    """Regions reach the ControlNet too (its mode token joins the mask); 24x24 image tokens take
    the per-chunk attention plan rather than one dense mask."""
    size = 384
    union = str(tiny_flux["controlnet-union"])
    edges = np.zeros((size, size), np.uint8)
    edges[100:104, :] = 255
    spec = ControlSpec(ControlKind.EDGE, Pixels.of(edges), union, 0.8)
    regions = (
        RegionSpec(Pixels.of(_mask(0, 0, size, size // 2, size)), "a red car"),
        RegionSpec(Pixels.of(_mask(0, size // 2, size, size, size)), "a blue sky", weight=0.6),
    )
    request = _request(
        tiny_flux, prompt="a photo", width=size, height=size, steps=4, controls=(spec,)
    )
    guided = render(request, engine_cache)[0]
    regional = render(request.with_changes(regions=regions), engine_cache)[0]
    assert regional.shape == (size, size, 3) and regional.std() > 5
    assert max_diff(regional, guided) > 5


def _attention_module():
    import torch
    from diffusers.models.transformers.transformer_flux import FluxAttention

    torch.manual_seed(0)
    return FluxAttention(query_dim=32, heads=2, dim_head=16, added_kv_proj_dim=32, bias=True)


def test_regional_mask_isolates_each_regions_text():
    """Image tokens of a region see only that region's text: changing another chunk's text
    leaves their attention output exactly as it was; text sees only its own chunk."""
    import torch

    from f1studio.engine.regional_flux import JointLayout, RegionalFluxAttnProcessor

    attn = _attention_module()
    image = torch.randn(1, 8, 32)
    weights = np.zeros((2, 8), np.float32)
    weights[0, :4] = 1.0  # region: image tokens 0..3
    weights[1, 4:] = 1.0  # global: image tokens 4..7
    proc = RegionalFluxAttnProcessor(JointLayout([3, 5], weights))
    text = torch.randn(1, 8, 32)
    img_a, txt_a = proc(attn, image, text)
    changed = text.clone()
    changed[:, 3:] = torch.randn(1, 5, 32)  # the global chunk's text
    img_b, txt_b = proc(attn, image, changed)
    assert torch.equal(img_a[:, :4], img_b[:, :4]) and torch.equal(txt_a[:, :3], txt_b[:, :3])
    assert not torch.allclose(img_a[:, 4:], img_b[:, 4:])


def test_regional_attention_plan_equals_the_dense_mask():
    """The fast plan (unmasked attention per chunk, one masked attention for the rest) computes
    the same attention as one dense masked attention, with soft edges, a weight above 1 and a
    union ControlNet's leading mode token."""
    import torch
    import torch.nn.functional as F

    from f1studio.engine.regional_flux import JointLayout

    weights = np.zeros((3, 12), np.float32)
    weights[0, :4] = 1.0
    weights[1, 4:8] = 1.0
    weights[1, 8], weights[2, 8] = 0.25, 0.75  # a soft edge
    weights[0, 9] = 1.5  # a region pushed above 1
    weights[2, 10:] = 1.0
    layout = JointLayout([3, 4, 5], weights, dtype=torch.float32)
    torch.manual_seed(1)
    for total in (24, 25):  # 12 text + 12 image tokens, then with a mode token in front
        q, k, v = (torch.randn(1, 2, total, 16) for _ in range(3))
        dense = F.scaled_dot_product_attention(q, k, v, attn_mask=layout.bias(total))
        assert torch.allclose(layout.attention(q, k, v), dense, atol=1e-5)
    bias = layout.bias(25)
    assert torch.all(bias[0] == 0) and torch.all(bias[:, 0] == 0)
    assert len(layout.plan(24).groups) == 3 and len(layout.plan(24).rest) == 12 + 2


def test_one_chunk_regional_attention_equals_plain_flux_attention():
    import torch
    from diffusers.models.transformers.transformer_flux import FluxAttention, FluxAttnProcessor

    from f1studio.engine.regional_flux import JointLayout, RegionalFluxAttnProcessor

    attn = _attention_module()
    image, text = torch.randn(1, 8, 32), torch.randn(1, 5, 32)
    ours = RegionalFluxAttnProcessor(JointLayout([5], np.ones((1, 8), np.float32)))
    for a, b in zip(ours(attn, image, text), FluxAttnProcessor()(attn, image, text), strict=True):
        assert torch.allclose(a, b, atol=1e-6)
    single = FluxAttention(query_dim=32, heads=2, dim_head=16, out_dim=32, bias=True, pre_only=True)
    joint = torch.cat([text, image], dim=1)  # a single-stream block
    assert torch.allclose(ours(single, joint), FluxAttnProcessor()(single, joint), atol=1e-6)


def test_text_budget_is_shared_between_chunks():
    from f1studio.engine.regional_flux import split_text_budget

    assert split_text_budget([7], 64) == [64]
    assert split_text_budget([5, 9, 3], 64) == [21, 25, 18]
    assert split_text_budget([40, 40], 64) == [40, 40]


# --- canvas, previews, cancel, errors --------------------------------------------------------
def test_any_canvas_size_and_previews(tiny_flux, engine_cache):
    events = []
    request = _request(tiny_flux, width=200, height=136, steps=3)
    out = render(request, engine_cache, events)[0]
    assert out.shape == (136, 200, 3)
    previews = [e.preview for e in events if isinstance(e, Progress)]
    assert len(previews) == 3 and all(p.shape == (18, 26, 3) for p in previews)
    assert previews[-1].std() > 0


def test_cancel_before_a_step(tiny_flux, engine_cache):
    cancel = threading.Event()
    events = []

    def on_event(event):
        events.append(event)
        if isinstance(event, Progress) and event.step == 2:
            cancel.set()

    assert run(_request(tiny_flux, steps=6), on_event, cancel, cache=engine_cache) is None
    assert isinstance(events[-1], Cancelled) and events[-1].step == 2


@pytest.mark.parametrize("scheduler", ["euler-a", "ddim", "dpmpp-2m-karras", "lcm", "tcd"])
def test_noise_prediction_samplers_fail_clearly_on_flux(tiny_flux, engine_cache, scheduler):
    events = []
    assert (
        run(_request(tiny_flux, scheduler=scheduler, steps=2), events.append, cache=engine_cache)
        is None
    )
    assert isinstance(events[-1], Failed) and events[-1].kind is ErrorKind.BAD_REQUEST
    assert "flow" in events[-1].message


def test_flow_euler_on_stable_diffusion_is_refused():
    from f1studio.engine.schedulers import make_scheduler
    from f1studio.testing.tiny_models import SD15_SCHEDULER

    with pytest.raises(ValueError, match="flow-euler works with FLUX.1 models"):
        make_scheduler("flow-euler", {"_class_name": "PNDMScheduler", **SD15_SCHEDULER})


# --- loading ------------------------------------------------------------------------------------
def test_single_file_transformer_loads_with_a_config_folder(tiny_flux, tmp_path, monkeypatch):
    import shutil

    from f1studio.engine.families.flux_loading import load_flux
    from f1studio.engine.families.single_file import FLUX_CONFIG_ENV

    single = tmp_path / "tiny-flux-transformer.safetensors"
    shutil.copy(
        tiny_flux["pipeline"] / "transformer" / "diffusion_pytorch_model.safetensors", single
    )
    monkeypatch.delenv(FLUX_CONFIG_ENV, raising=False)
    with pytest.raises(EngineError) as offline:
        load_flux(str(single), None, False, None)
    assert offline.value.kind is ErrorKind.OFFLINE and "\n" not in offline.value.message
    assert FLUX_CONFIG_ENV in offline.value.message
    monkeypatch.setenv(FLUX_CONFIG_ENV, str(tiny_flux["pipeline-schnell"]))
    pipe = load_flux(str(single), None, False, None)  # a dev file described by a schnell folder
    assert pipe.transformer.config.guidance_embeds is True


def test_single_file_controlnet_and_wrong_controlnets(tiny_flux, tmp_path):
    import shutil

    from f1studio.engine.families.flux_loading import load_flux_controlnet

    folder = tiny_flux["controlnet-union"]
    single = tmp_path / "union.safetensors"
    shutil.copy(folder / "diffusion_pytorch_model.safetensors", single)
    model = load_flux_controlnet(str(single), None, False, str(folder))
    assert model.union and model.config.num_mode == 10
    with pytest.raises(EngineError) as wrong:
        load_flux_controlnet(str(tiny_flux["pipeline"] / "vae"), None, False, None)
    assert wrong.value.kind is ErrorKind.MODEL_INVALID


def test_auto_steps(tiny_flux, engine_cache, monkeypatch):
    from tests.engine.test_adaptive import check_auto_steps

    check_auto_steps(lambda **kw: _request(tiny_flux, **kw), engine_cache, monkeypatch, planned=8)
