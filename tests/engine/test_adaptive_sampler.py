"""The error-controlled adaptive sampler ("adaptive"): the solver on an ODE with a known
solution, then on every family's tiny model through the engine (guidance, regions,
ControlNets, inpaint, img2img, cancel), and on the demo model (simple scenes take fewer model
evaluations than busy ones)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from f1studio.engine import adaptive_sampler
from f1studio.engine.adaptive_sampler import AdaptiveRun, flow_levels, sample, vp_levels
from f1studio.engine.events import Cancelled, Finished, Progress
from f1studio.engine.request import (
    ControlKind,
    ControlSpec,
    GenerationRequest,
    InpaintSpec,
    Pixels,
    RegionSpec,
)
from f1studio.engine.runner import run

# --- the solver on Gaussian data, where the exact ODE solution is known -----------------------

MEAN, SPREAD = 0.7, 0.5  # data ~ N(MEAN, SPREAD^2) per element


def _gaussian(levels, start_noise):
    """The exact denoiser of Gaussian data and the exact end point of the flow from
    ``start_noise`` (pure noise at tau = 1)."""

    def denoise(x, lam, fraction):
        alpha, sigma = levels.alpha_sigma(lam)
        gain = alpha * SPREAD**2 / (alpha**2 * SPREAD**2 + sigma**2)
        return MEAN + gain * (x - alpha * MEAN)

    lam0 = levels.lam(1.0)
    a0, s0 = levels.alpha_sigma(lam0)
    z = (start_noise - a0 * MEAN) / np.sqrt(a0**2 * SPREAD**2 + s0**2)
    return denoise, MEAN + SPREAD * z


def _vp():
    betas = np.linspace(0.00085**0.5, 0.012**0.5, 1000) ** 2
    return vp_levels(np.cumprod(1 - betas))


def _flow():
    taus = np.linspace(1.0, 1e-3, 1000)
    return flow_levels(3 * taus / (1 + 2 * taus))  # shift 3, as FLUX.1 schnell's config


@pytest.mark.parametrize("levels", [_vp(), _flow()], ids=["vp", "flow"])
def test_solver_follows_the_exact_path_and_spends_evaluations_on_accuracy(levels) -> None:
    noise = np.random.default_rng(0).standard_normal((4, 16, 16))
    denoise, exact = _gaussian(levels, noise)
    errors, nfes = [], []
    for tolerance in (0.2, 0.02, 0.002):
        record = AdaptiveRun()
        out = sample(noise, levels, 1.0, denoise, 200, tolerance, record=record)
        errors.append(float(np.abs(out - exact).mean()))
        nfes.append(record.nfe)
        assert record.accepted + 1 <= record.nfe <= record.accepted + 1 + record.rejected
    assert nfes[0] < nfes[1] < nfes[2]
    assert errors[2] < errors[0]
    assert errors[2] < 0.01


def test_the_step_cap_bounds_the_evaluations() -> None:
    levels = _vp()
    noise = np.random.default_rng(1).standard_normal((4, 8, 8))
    denoise, _ = _gaussian(levels, noise)
    for cap in (2, 5, 9):
        record = AdaptiveRun()
        out = sample(noise, levels, 1.0, denoise, cap, 1e-6, record=record)
        assert record.nfe == cap  # a tolerance it cannot meet: it uses all it may, no more
        assert np.isfinite(out).all()
        assert record.taus[0] == 1.0 and len(record.taus) == cap
        assert np.all(np.diff(record.taus) < 0) and record.taus[-1] > 0


# --- through the engine, on the tiny models ---------------------------------------------------


def _edges(size: int) -> np.ndarray:
    img = np.zeros((size, size), np.uint8)
    img[size // 4 : 3 * size // 4, size // 2] = 255
    img[size // 2, size // 4 : 3 * size // 4] = 255
    return img


def _family_request(family: str, tiny_models, tiny_sdxl, tiny_flux, **kw) -> GenerationRequest:
    models = {"sd15": tiny_models, "sdxl": tiny_sdxl, "flux": tiny_flux}[family]
    size = 128 if family == "flux" else 64
    base = dict(
        prompt="a red circle",
        width=size,
        height=size,
        model=str(models["pipeline"]),
        steps=30,
        guidance_scale=3.5 if family == "flux" else 6.0,
        seed=5,
        device="cpu",
        scheduler="adaptive",
    )
    return GenerationRequest(**{**base, **kw})


def _run(request: GenerationRequest, cache) -> tuple[np.ndarray, list[Progress]]:
    events: list = []
    result = run(request, events.append, cache=cache)
    assert result is not None, events[-1]
    assert isinstance(events[-1], Finished)
    return result.images[0], [e for e in events if isinstance(e, Progress)]


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean())


FAMILIES = ["sd15", "sdxl", "flux"]


@pytest.mark.parametrize("family", FAMILIES)
def test_adaptive_renders_with_fewer_evaluations_when_looser(
    family, tiny_models, tiny_sdxl, tiny_flux, engine_cache
) -> None:
    def make(**kw):
        return _family_request(family, tiny_models, tiny_sdxl, tiny_flux, **kw)

    loose, loose_progress = _run(make(adaptive_tolerance=0.5), engine_cache)
    tight, tight_progress = _run(make(adaptive_tolerance=0.01, steps=60), engine_cache)
    request = make()
    assert loose.shape == tight.shape == (request.height, request.width, 3)
    # one Progress event per model evaluation (at most the steps), counted on the request's
    # steps by time
    assert 2 <= len(loose_progress) < len(tight_progress) <= 60
    steps = [e.step for e in tight_progress]
    assert steps == sorted(steps) and steps[-1] < tight_progress[-1].total == 60
    assert all(e.preview is not None for e in tight_progress)


def test_cancel_stops_an_adaptive_run_at_the_next_evaluation(tiny_models, engine_cache) -> None:
    cancel = threading.Event()
    events: list = []

    def on_event(event):
        events.append(event)
        if sum(isinstance(e, Progress) for e in events) == 3:
            cancel.set()

    request = _family_request("sd15", tiny_models, None, None, adaptive_tolerance=0.01)
    assert run(request, on_event, cancel, cache=engine_cache) is None
    assert isinstance(events[-1], Cancelled)
    assert sum(isinstance(e, Progress) for e in events) == 3
    assert not any(isinstance(e, Finished) for e in events)


@pytest.mark.parametrize("family", FAMILIES)
def test_inpaint_keeps_every_outside_pixel(
    family, tiny_models, tiny_sdxl, tiny_flux, engine_cache
) -> None:
    size = 128 if family == "flux" else 64
    rng = np.random.default_rng(2)
    photo = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
    mask = np.zeros((size, size), np.uint8)
    mask[size // 4 : 3 * size // 4, size // 4 : 3 * size // 4] = 255
    request = _family_request(
        family,
        tiny_models,
        tiny_sdxl,
        tiny_flux,
        init_image=Pixels.of(photo),
        inpaint=InpaintSpec(Pixels.of(mask), strength=0.8, feather=4),
    )
    image, progress = _run(request, engine_cache)
    outside = mask == 0
    assert np.array_equal(image[outside], photo[outside])
    assert not np.array_equal(image[~outside], photo[~outside])
    assert progress[-1].total == request.steps_per_image(family == "flux")


def test_img2img_strength_starts_later_and_keeps_more_of_the_picture(
    tiny_models, engine_cache
) -> None:
    photo = np.random.default_rng(3).integers(0, 256, (64, 64, 3), dtype=np.uint8)

    def make(strength):
        return _family_request(
            "sd15", tiny_models, None, None, init_image=Pixels.of(photo), strength=strength
        )

    light, _ = _run(make(0.3), engine_cache)
    heavy, _ = _run(make(0.9), engine_cache)
    assert _distance(light, photo) < _distance(heavy, photo)


@pytest.mark.parametrize("family", FAMILIES)
def test_controlnet_step_ranges_and_regions_steer_the_adaptive_run(
    family, tiny_models, tiny_sdxl, tiny_flux, engine_cache
) -> None:
    models = {"sd15": tiny_models, "sdxl": tiny_sdxl, "flux": tiny_flux}[family]
    size = 128 if family == "flux" else 64

    def make(**kw):
        return _family_request(
            family, tiny_models, tiny_sdxl, tiny_flux, adaptive_tolerance=0.05, **kw
        )

    def guide(start: float, end: float) -> ControlSpec:
        edges = Pixels.of(_edges(size))
        return ControlSpec(
            ControlKind.EDGE, edges, str(models["controlnet-edge"]), 1.0, start=start, end=end
        )

    plain, _ = _run(make(), engine_cache)
    whole, _ = _run(make(controls=(guide(0.0, 1.0),)), engine_cache)
    late, _ = _run(make(controls=(guide(0.5, 1.0),)), engine_cache)
    assert not np.array_equal(whole, plain)
    assert not np.array_equal(late, whole) and not np.array_equal(late, plain)
    mask = np.zeros((size, size), np.uint8)
    mask[:, : size // 2] = 255
    region = RegionSpec(Pixels.of(mask), "a blue square", weight=1.0)
    regional, _ = _run(make(regions=(region,)), engine_cache)
    assert not np.array_equal(regional, plain)


def test_controlnet_range_is_read_on_the_share_of_the_run() -> None:
    spec = ControlSpec(ControlKind.EDGE, Pixels.of(_edges(8)), "cn", 0.8, start=0.25, end=0.5)
    scales = {f: spec.scale_at(*adaptive_sampler.grid_step(f)) for f in (0.1, 0.3, 0.45, 0.6)}
    assert scales == {0.1: 0.0, 0.3: 0.8, 0.45: 0.8, 0.6: 0.0}


# --- the demo model ---------------------------------------------------------------------------


def test_demo_model_spends_fewer_evaluations_on_a_simple_scene(engine_cache) -> None:
    from f1studio.demo.model import DEMO_ROOT, DEMO_SIZE
    from f1studio.demo.world import HELD_OUT_SEED, generate

    simple = busy = None
    for i in range(40):  # the first held-out scenes with one and with four shapes
        scene, _, text = generate(i, HELD_OUT_SEED)
        if len(scene.shapes) == 1 and simple is None:
            simple = (i, text)
        if len(scene.shapes) == 4 and busy is None:
            busy = (i, text)
    assert simple is not None and busy is not None

    def evaluations(case: tuple[int, str]) -> int:
        request = GenerationRequest(
            case[1],
            width=DEMO_SIZE,
            height=DEMO_SIZE,
            model=str(DEMO_ROOT / "pipeline"),
            steps=40,
            guidance_scale=5.0,
            seed=case[0],
            device="cpu",
            scheduler="adaptive",
        )
        return len(_run(request, engine_cache)[1])

    assert evaluations(simple) < evaluations(busy)


def test_demo_model_comes_closer_to_the_converged_picture_when_tighter(engine_cache) -> None:
    """On a trained model (the tiny ones are random: their path has no converged picture to
    come close to), a tighter tolerance spends more evaluations and lands nearer the
    100-step DPM-Solver++ picture."""
    from f1studio.demo.model import DEMO_ROOT, DEMO_SIZE
    from f1studio.demo.world import HELD_OUT_SEED, generate

    _, _, text = generate(3, HELD_OUT_SEED)

    def render(**kw) -> tuple[np.ndarray, int]:
        request = GenerationRequest(
            text,
            width=DEMO_SIZE,
            height=DEMO_SIZE,
            model=str(DEMO_ROOT / "pipeline"),
            guidance_scale=5.0,
            seed=3,
            device="cpu",
            **kw,
        )
        image, progress = _run(request, engine_cache)
        return image, len(progress)

    converged, _ = render(steps=100, scheduler="dpmpp-2m")
    loose, loose_events = render(steps=40, scheduler="adaptive", adaptive_tolerance=0.15)
    tight, tight_events = render(steps=40, scheduler="adaptive", adaptive_tolerance=0.03)
    assert loose_events < tight_events
    assert _distance(tight, converged) < 0.8 * _distance(loose, converged)
