"""The GPU suite's measurements: each a small function of a :class:`Bench` returning its rows.

``MEASURES`` lists them with the rows they produce (so a skipped or failed measurement still
has its rows in the table) and what they cost, in renders of the set's steps plus fixed seconds
on a GPU, for the suite's time budget.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from benchmarks.gpu_models import quantise_transformer
from benchmarks.gpu_timing import (
    PROMPT,
    Bench,
    Row,
    diffusers_step_ms,
    engine_step_ms,
    peak_gb,
    ratio_row,
    render,
    request,
    sync,
    timed_ms,
)

# Goals on an H100-class GPU (issue 20): per-step milliseconds of the engine at the set's size
# (FLUX.1-dev: within 1.3x of its 94 ms/step physical limit), regions and previews per step.
STEP_GOALS_MS = {"sdxl": 30.0, "flux-dev": 1.3 * 94.0}
FOUR_REGIONS_GOAL = 1.15
PREVIEW_GOAL = 0.05
LIVE_STEPS, LIVE_SAMPLER, LIVE_STROKES = 4, "lcm", 5


@dataclass(frozen=True)
class Measure:
    name: str
    metrics: tuple[str, ...]
    run: Callable[[Bench], list[Row]]
    renders: float  # full renders of the set's steps it takes (budget estimate)
    # seconds on top per set on a GPU (moving or quantising weights)
    fixed_s: dict[str, float] = field(default_factory=dict)
    sets: tuple[str, ...] = ("sd15", "sdxl", "flux-dev")
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)  # more rows on some sets

    def metrics_for(self, name: str) -> tuple[str, ...]:
        """The rows this measurement gives for the set ``name``."""
        return self.metrics + self.extra.get(name, ())


def _goal_row(bench: Bench, row: Row, goal: float, text: str, value: float | None) -> Row:
    row.goal = text
    if bench.full and value is not None:
        row.met = value <= goal
    return row


# ---- per-step time: engine against diffusers --------------------------------------------------
def steps(bench: Bench) -> list[Row]:
    name = bench.models.name
    render(bench, request(bench, steps=3))  # warm-up: kernels, allocator, schedulers
    engine = engine_step_ms(bench, request(bench))
    bench.step_ms = engine
    diffusers_step_ms(bench, steps=3)
    reference = diffusers_step_ms(bench)
    row = ratio_row(bench, "engine step", engine, reference)
    row.note = "ratio: engine / diffusers"
    if name in STEP_GOALS_MS:
        goal = STEP_GOALS_MS[name]
        _goal_row(bench, row, goal, f"<= {goal:.0f} ms", engine)
    return [Row(name, "diffusers step", reference, "ms"), row]


def _plain_ms(bench: Bench) -> float:
    if bench.step_ms is None:
        bench.step_ms = engine_step_ms(bench, request(bench))
    return bench.step_ms


# ---- regions and ControlNets -----------------------------------------------------------------
def _regions(bench: Bench, count: int) -> tuple[Any, ...]:
    from f1studio.engine.request import Pixels, RegionSpec

    s = bench.models.settings
    words = ["a red car", "a blue sky", "a green tree", "a black cat"]
    out = []
    for i in range(count):  # vertical strips; one region: the left half
        mask = np.zeros((s.height, s.width), np.uint8)
        share = max(count, 2)
        mask[:, i * s.width // share : (i + 1) * s.width // share] = 255
        out.append(RegionSpec(Pixels.of(mask), words[i]))
    return tuple(out)


def regions(bench: Bench) -> list[Row]:
    plain = _plain_ms(bench)
    rows = []
    for count in (1, 4):
        spec = _regions(bench, count)
        # warm-up per layout, as for ControlNets: the 2026-12-04 H200 run had none and timed
        # SDXL's 1 region (measured first) slower than its 4, likely a first-use cost
        render(bench, request(bench, steps=2, regions=spec))
        ms = engine_step_ms(bench, request(bench, regions=spec))
        label = "1 region step" if count == 1 else "4 regions step"
        row = ratio_row(bench, label, ms, plain)
        row.note = "ratio: to a step without regions"
        if count == 4:
            _goal_row(bench, row, FOUR_REGIONS_GOAL, f"<= {FOUR_REGIONS_GOAL}x", row.ratio)
        rows.append(row)
    return rows


def _guides(bench: Bench) -> list[Any]:
    from f1studio.engine.request import ControlKind, ControlSpec, Pixels

    s = bench.models.settings
    rng = np.random.default_rng(3)
    edges = (rng.random((s.height, s.width)) > 0.93).astype(np.uint8) * 255
    depth = np.tile(np.linspace(0, 255, s.width, dtype=np.uint8), (s.height, 1))
    models = bench.models
    return [
        ControlSpec(ControlKind.EDGE, Pixels.of(edges), models.controlnet_ref("edge")),
        ControlSpec(ControlKind.DEPTH, Pixels.of(depth), models.controlnet_ref("depth")),
    ]


def controlnets(bench: Bench) -> list[Row]:
    plain = _plain_ms(bench)
    guides = _guides(bench)
    render(bench, request(bench, steps=2, controls=tuple(guides)))  # warm-up
    rows = []
    for count in (1, 2):
        ms = engine_step_ms(bench, request(bench, controls=tuple(guides[:count])))
        label = "1 ControlNet step" if count == 1 else "2 ControlNets step"
        row = ratio_row(bench, label, ms, plain)
        row.note = "ratio: to a step without ControlNets"
        rows.append(row)
    return rows


# ---- previews and decoding -------------------------------------------------------------------
def _latents(bench: Bench) -> Any:
    import torch

    pipe, s = bench.models.model.pipe, bench.models.settings
    scale = int(pipe.vae_scale_factor)
    channels = int(pipe.vae.config.latent_channels)
    shape = (1, channels, s.height // scale, s.width // scale)
    generator = torch.Generator("cpu").manual_seed(0)
    return torch.randn(shape, generator=generator).to(bench.device, pipe.vae.dtype)


def previews(bench: Bench) -> list[Row]:
    """The engine's two step previews at the set's size: the linear latent -> RGB projection
    and the tiny VAE's (both run once per step, on the predicted clean latent)."""
    from f1studio.engine.tiny_vae import tiny_preview

    plain = _plain_ms(bench)
    lat = _latents(bench)
    pipe = bench.models.model.pipe
    if bench.models.name.startswith("flux"):
        from f1studio.engine.families.flux_parts import latent_preview, preview_factors

        factors = preview_factors(pipe.vae)
        linear: Callable[[], Any] = lambda: latent_preview(lat, factors)  # noqa: E731
    else:
        from f1studio.engine.previews import latent_preview as unet_preview

        linear = lambda: unet_preview(lat)  # noqa: E731
    tiny = bench.models.tiny_vae
    rows = []
    for label, fn in (
        ("latent preview", linear),
        ("tiny-VAE preview", lambda: tiny_preview(tiny, lat)),
    ):
        ms = timed_ms(bench.device, fn)
        row = ratio_row(bench, label, ms, plain)
        row.note = "ratio: to a plain step"
        rows.append(_goal_row(bench, row, PREVIEW_GOAL, f"<= {PREVIEW_GOAL}x", row.ratio))
    return rows


def decode(bench: Bench) -> list[Row]:
    """The VAE decode that makes the final picture, and the tiny VAE's (live's fast decode)."""
    from f1studio.engine.families.unet_parts import vae_decode
    from f1studio.engine.tiny_vae import tiny_decode

    lat = _latents(bench)
    pipe, tiny = bench.models.model.pipe, bench.models.tiny_vae
    vae_ms = timed_ms(bench.device, lambda: vae_decode(pipe, lat.to(pipe.vae.dtype)), repeats=3)
    tiny_ms = timed_ms(bench.device, lambda: tiny_decode(tiny, lat), repeats=3)
    s = bench.models.settings
    size = f"{s.width}x{s.height}"
    name = bench.models.name
    return [
        Row(name, "VAE decode", vae_ms, "ms", note=size),
        Row(
            name, "tiny-VAE decode", tiny_ms, "ms", tiny_ms / vae_ms, note=f"{size}; ratio: to VAE"
        ),
    ]


# ---- peak memory in each memory mode ---------------------------------------------------------
def _with_plan(bench: Bench, metric: str, plan: Any) -> Row:
    """Peak memory of a two-step render with ``plan`` applied, the set put back on the device
    afterwards."""
    from f1studio.engine.memory import MemoryMode, MemoryPlan, apply_memory_plan

    model = bench.models.model
    own = model.memory
    applied = apply_memory_plan(model.pipe, plan, bench.device)
    model.memory = plan.summary
    try:
        gb = peak_gb(bench, lambda: render(bench, request(bench, steps=2)))
    finally:
        if plan.mode is not MemoryMode.FULL_GPU and bench.cuda:
            model.pipe.remove_all_hooks()
        apply_memory_plan(model.pipe, MemoryPlan(MemoryMode.FULL_GPU), bench.device)
        model.memory = own
    note = ", ".join(applied) + ("" if gb is not None else "; no CUDA device: not measured")
    return Row(bench.models.name, metric, gb, "GB", note=note)


def _quantise(bench: Bench, kind: str) -> Row:
    """The FLUX.1 transformer rebuilt and quantised to ``kind`` as the engine's plans do, then
    rendered with model offload (the plan that picks a quantised transformer)."""
    from f1studio.engine.events import EngineError
    from f1studio.engine.memory import MemoryMode, MemoryPlan, quantization_backend

    metric = f"peak memory {kind} transformer"
    try:
        quantization_backend(kind)
    except EngineError as e:
        return Row(bench.models.name, metric, unit="GB", status="skipped", note=e.message)
    models = bench.models
    pipe = models.model.pipe
    assert models.rebuild_transformer is not None
    pipe.register_modules(transformer=None)
    gc.collect()
    fresh = models.rebuild_transformer()
    quantise_transformer(fresh, kind, models.model.torch_dtype, bench.device)
    pipe.register_modules(transformer=fresh)
    plan = MemoryPlan(MemoryMode.MODEL_OFFLOAD, True, True, quantize=kind)
    return _with_plan(bench, metric, plan)


def memory(bench: Bench) -> list[Row]:
    """Peak GPU memory of the pipeline alone (its ControlNets are dropped first: this is the
    set's last measurement) in full-GPU and model-offload modes, and on FLUX.1-dev with an int8
    and an NF4 transformer."""
    from f1studio.engine.memory import MemoryMode, MemoryPlan

    bench.models.controlnets.clear()
    gc.collect()
    sync(bench.device)
    rows = []
    plans = [
        ("peak memory full-gpu", MemoryPlan(MemoryMode.FULL_GPU)),
        ("peak memory model-offload", MemoryPlan(MemoryMode.MODEL_OFFLOAD, True, True)),
    ]
    jobs: list[tuple[str, Callable[[], Row]]] = [
        (metric, partial(_with_plan, bench, metric, plan)) for metric, plan in plans
    ]
    if bench.models.name == "flux-dev":
        for kind in ("int8", "nf4"):
            jobs.append((f"peak memory {kind} transformer", partial(_quantise, bench, kind)))
    for metric, job in jobs:
        try:
            rows.append(job())
        except Exception as e:  # noqa: BLE001 - one failed mode leaves the others measured
            rows.append(Row(bench.models.name, metric, unit="GB", status="failed", note=_why(e)))
    return rows


def _why(error: Exception) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}"[:200]


# ---- live mode -------------------------------------------------------------------------------
def _live_request(doc: Any, bench: Bench, tiny: bool) -> Any:
    """The live request of ``doc`` as ``gui.live.live_request`` derives it (live seed, steps
    and strength over the visible canvas, one picture), without the window's settings."""
    from f1studio.document.build import build_request
    from f1studio.engine.request import Pixels

    s = doc.settings
    req = build_request(
        doc,
        model=bench.models.ref,
        device=bench.device,
        seed=s.live_seed,
        steps=s.live_steps,
        auto_steps=False,
    )
    return req.with_changes(
        strength=float(s.live_strength),
        init_image=Pixels.of(doc.visible_canvas()) if s.live_strength < 1.0 else None,
        batch_count=1,
        tiny_vae=bench.models.tiny_vae_ref if tiny else None,
        fast_decode=tiny,
    )


def live(bench: Bench) -> list[Row]:
    """Stroke to picture in live mode: a brush dab on the document, the live request built
    from it, the render with a few-step sampler, the picture back (median of a few strokes)."""
    from f1studio.document.document import Document

    s = bench.models.settings
    doc = Document(s.width, s.height, PROMPT)
    layer = doc.add_layer("paint", "sketch")
    doc.set_setting("scheduler", LIVE_SAMPLER)
    doc.set_setting("guidance_scale", 1.0)
    doc.set_setting("live_steps", LIVE_STEPS)
    rng = np.random.default_rng(5)
    rows = []
    for tiny in (False, True):
        times = []
        for _ in range(LIVE_STROKES + 1):  # the first one warms up
            cy, cx = rng.uniform(0.2, 0.8, 2) * (s.height, s.width)
            colour = tuple(int(c) for c in rng.integers(0, 256, 3)) + (255,)
            start = time.perf_counter()
            doc.paint_disc(layer.id, cy, cx, s.width / 10, colour)
            result = render(bench, _live_request(doc, bench, tiny))
            sync(bench.device)
            times.append((time.perf_counter() - start) * 1000)
        metric = "live stroke-to-picture" + (" (tiny VAE)" if tiny else "")
        note = (
            f"{s.width}x{s.height}, {LIVE_SAMPLER} {LIVE_STEPS} steps at strength "
            f"{doc.settings.live_strength:g} ({result.request.steps_per_image()} run), "
            f"median of {LIVE_STROKES} strokes"
        )
        rows.append(Row(bench.models.name, metric, statistics.median(times[1:]), "ms", note=note))
    return rows


ALL_SETS = ("sd15", "sdxl", "flux-dev", "flux-schnell")
MEASURES: tuple[Measure, ...] = (
    Measure("steps", ("diffusers step", "engine step"), steps, 3.5, sets=ALL_SETS),
    Measure("regions", ("1 region step", "4 regions step"), regions, 2.4),
    Measure("controlnets", ("1 ControlNet step", "2 ControlNets step"), controlnets, 3.0),
    Measure("previews", ("latent preview", "tiny-VAE preview"), previews, 0.2),
    Measure("decode", ("VAE decode", "tiny-VAE decode"), decode, 0.5),
    Measure(
        "memory",
        ("peak memory full-gpu", "peak memory model-offload"),
        memory,
        1.0,
        fixed_s={"sd15": 8.0, "sdxl": 20.0, "flux-dev": 90.0},
        extra={"flux-dev": ("peak memory int8 transformer", "peak memory nf4 transformer")},
    ),
    Measure(
        "live",
        ("live stroke-to-picture", "live stroke-to-picture (tiny VAE)"),
        live,
        2.0,
        sets=("sd15",),
    ),
)
