"""Per-pixel strength (a request's strength map, differential diffusion): each pixel is re-made
as much as its own strength says, on every family and with the adaptive sampler too."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from f1studio.engine.differential import start_steps
from f1studio.engine.request import GenerationRequest, InpaintSpec, Pixels
from tests.engine.helpers import render, spy_controlnet_images

SIZE = 128
LEFT = (slice(None), slice(0, 40))  # well inside the left half, away from the map's edge
RIGHT = (slice(None), slice(88, SIZE))
#: every loop that reads a strength map: the UNet one (SD1.5, SDXL), FLUX.1's, the adaptive
LOOPS = [
    ("sd15", "fixed"),
    ("sd15", "adaptive"),
    ("flux", "fixed"),
    ("flux", "adaptive"),
    ("sdxl", "fixed"),
]


def _photo():
    from skimage.data import astronaut

    return np.asarray(Image.fromarray(astronaut()).resize((SIZE, SIZE)))


def _split_map(left: int, right: int) -> np.ndarray:
    out = np.full((SIZE, SIZE), right, np.uint8)
    out[:, : SIZE // 2] = left
    return out


def _request(models, family: str, scheduler: str, **kw):
    base = dict(
        prompt="a red car on a street",
        width=SIZE,
        height=SIZE,
        model=str(models[family]["pipeline"]),
        steps=8,
        seed=7,
        device="cpu",
        scheduler=("flow-euler" if family == "flux" else "dpmpp-2m")
        if scheduler == "fixed"
        else scheduler,
        guidance_scale=3.5,
    )
    return GenerationRequest(**{**base, **kw})


@pytest.fixture(scope="module")
def models(tiny_models, tiny_flux, tiny_sdxl):
    return {"sd15": tiny_models, "flux": tiny_flux, "sdxl": tiny_sdxl}


def test_each_pixels_start_step_is_img2img_s_at_its_strength():
    for steps in (1, 4, 8, 20, 25):
        strengths = np.arange(256) / 255.0  # what a map can say
        for flow in (False, True):
            starts = start_steps(strengths, steps, flow)
            for s, start in zip(strengths, starts, strict=True):
                req = GenerationRequest(
                    "x",
                    64,
                    64,
                    steps=steps,
                    strength=float(s),
                    init_image=Pixels.of(np.zeros((64, 64, 3), np.uint8)),
                )
                assert start == req.skipped_steps(flow), (steps, s, flow)


def test_a_strength_map_needs_an_init_image_and_no_other_strength():
    grey = Pixels.of(np.full((64, 64), 128, np.uint8))
    photo = Pixels.of(np.zeros((64, 64, 3), np.uint8))
    with pytest.raises(ValueError, match="needs an init image"):
        GenerationRequest("x", 64, 64, strength_map=grey)
    with pytest.raises(ValueError, match="strength 1"):
        GenerationRequest("x", 64, 64, strength_map=grey, strength=0.5, init_image=photo)
    with pytest.raises(ValueError, match="strength 1"):
        GenerationRequest(
            "x", 64, 64, strength_map=grey, init_image=photo, inpaint=InpaintSpec(grey)
        )
    with pytest.raises(ValueError, match="strength map is 32x32"):
        small = Pixels.of(np.zeros((32, 32), np.uint8))
        GenerationRequest("x", 64, 64, strength_map=small, init_image=photo)
    # it travels with the request's JSON like every other picture
    request = GenerationRequest("x", 64, 64, strength_map=grey, init_image=photo)
    data, images = request.to_json()
    assert GenerationRequest.from_json(data, images) == request


@pytest.mark.parametrize(("family", "scheduler"), LOOPS)
def test_full_strength_everywhere_is_the_plain_render(models, engine_cache, family, scheduler):
    plain = render(_request(models, family, scheduler), engine_cache)[0]
    mapped = _request(
        models,
        family,
        scheduler,
        init_image=Pixels.of(_photo()),
        strength_map=Pixels.of(np.full((SIZE, SIZE), 255, np.uint8)),
    )
    assert np.array_equal(render(mapped, engine_cache)[0], plain)


@pytest.mark.parametrize(("family", "scheduler"), LOOPS)
def test_a_pixel_at_no_strength_keeps_the_picture_whatever_the_prompt(
    models, engine_cache, family, scheduler
):
    """Left half at strength 0, right half at 1: the left half does not follow the prompt or
    the seed (it is the init picture's), the right half does."""
    photo = _photo()
    base = dict(init_image=Pixels.of(photo), strength_map=Pixels.of(_split_map(0, 255)))
    a = render(_request(models, family, scheduler, **base), engine_cache)[0].astype(int)
    b = render(
        _request(models, family, scheduler, prompt="a blue boat on the sea", seed=99, **base),
        engine_cache,
    )[0].astype(int)
    assert np.abs(a[LEFT] - b[LEFT]).mean() < 0.25 * np.abs(a[RIGHT] - b[RIGHT]).mean()
    # and the left half is the picture (as near as the autoencoder brings it back), far nearer
    # than the same request re-making it fully
    full = render(_request(models, family, scheduler, seed=99), engine_cache)[0].astype(int)
    assert np.abs(a[LEFT] - photo[LEFT]).mean() < np.abs(full[LEFT] - photo[LEFT]).mean()


@pytest.mark.parametrize("family", ["sd15", "flux"])
def test_a_higher_strength_changes_the_picture_more(models, engine_cache, family):
    """Measured from the strength-0 picture (the init image as the autoencoder brings it
    back: the tiny random autoencoder is far from exact)."""
    pictures = []
    for value in (0, 90, 180, 255):
        request = _request(
            models,
            family,
            "fixed",
            init_image=Pixels.of(_photo()),
            strength_map=Pixels.of(np.full((SIZE, SIZE), value, np.uint8)),
        )
        pictures.append(render(request, engine_cache)[0].astype(int))
    changes = [np.abs(p - pictures[0]).mean() for p in pictures[1:]]
    assert changes == sorted(changes) and changes[0] > 0.5, changes


def test_an_inpaint_controlnet_sees_the_canvas_with_the_fully_remade_pixels_blanked(
    tiny_models, engine_cache, monkeypatch
):
    """The strength map's ControlNet reads the canvas with the pixels at strength 1 (the bare
    canvas in live mode) at -1 and the rest (the paint) as it is, at every step."""
    from f1studio.engine.inpaint import inpaint_condition

    photo = _photo()
    strengths = _split_map(166, 255)
    strengths[:, 60:68] = 200  # a soft edge: not fully re-made, so shown
    base = _request(
        {"sd15": tiny_models},
        "sd15",
        "fixed",
        init_image=Pixels.of(photo),
        strength_map=Pixels.of(strengths),
    )
    net = str(tiny_models["controlnet-edge"])  # any SD1.5 ControlNet reads the same input
    seen = spy_controlnet_images(monkeypatch)
    plain = render(base, engine_cache)[0]
    assert not seen
    out = render(base.with_changes(strength_map_controlnet=net), engine_cache)[0]
    assert len(seen) == base.steps
    wanted = inpaint_condition(photo, strengths == 255).transpose(2, 0, 1)
    for cond in seen[0]:
        assert np.allclose(cond.numpy(), wanted, atol=1e-6)
    assert np.abs(out.astype(int) - plain).mean() > 1


def test_a_strength_maps_controlnet_needs_a_map_and_flux_refuses_it(
    tiny_models, tiny_flux, engine_cache
):
    from f1studio.engine.events import Failed
    from f1studio.engine.runner import run

    net = str(tiny_models["controlnet-edge"])
    with pytest.raises(ValueError, match="needs a strength map"):
        GenerationRequest("x", 64, 64, strength_map_controlnet=net)
    request = _request(
        {"flux": tiny_flux},
        "flux",
        "fixed",
        steps=2,
        init_image=Pixels.of(_photo()),
        strength_map=Pixels.of(_split_map(166, 255)),
        strength_map_controlnet=net,
    )
    events = []
    assert run(request, events.append, cache=engine_cache) is None
    failed = [e for e in events if isinstance(e, Failed)]
    assert failed and "FLUX.1" in failed[0].message
