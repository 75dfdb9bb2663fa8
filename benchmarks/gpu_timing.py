"""How the GPU suite times things: one row per figure, step times from the engine's Progress
events and from diffusers' step callbacks, and peak GPU memory.

A step time is the mean gap between the first and the last step event of one render, with the
device synchronised at each event, so text encoding and the VAE decode stay out of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from benchmarks.gpu_models import ModelSet, PrebuiltCache

PROMPT = "a red car on a street at sunset, detailed photo"
GB = 1e9


@dataclass
class Row:
    """One figure of the table (and of the JSON)."""

    model: str
    metric: str
    value: float | None = None
    unit: str = "ms"
    ratio: float | None = None  # against the row's reference (diffusers, a plain step, ...)
    goal: str = ""
    met: bool | None = None
    status: str = "ok"  # ok | skipped | failed
    note: str = ""

    @property
    def key(self) -> str:
        return f"{self.model}/{self.metric}"

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, **asdict(self)}


@dataclass
class Bench:
    """What a measurement works with: the current set, the cache that hands it to the engine,
    and the plain engine step time once measured (the reference of ratios)."""

    models: ModelSet
    cache: PrebuiltCache
    full: bool = True  # full-size models (goals apply); False: --tiny
    step_ms: float | None = None

    @property
    def device(self) -> str:
        return self.models.device

    @property
    def cuda(self) -> bool:
        return self.device.startswith("cuda")


def sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def request(bench: Bench, **changes: Any) -> Any:
    """The set's plain request (its size, steps, sampler, guidance) with ``changes``."""
    from f1studio.engine.request import GenerationRequest

    s = bench.models.settings
    base = GenerationRequest(
        PROMPT,
        s.width,
        s.height,
        model=bench.models.ref,
        scheduler=s.scheduler,
        steps=s.steps,
        guidance_scale=s.guidance,
        seed=7,
        device=bench.device,
    )
    return base.with_changes(**changes) if changes else base


def render(bench: Bench, req: Any, on_step: Callable[[], None] | None = None) -> Any:
    """Run ``req`` through the engine's runner; the Result, or RuntimeError with the engine's
    own message. ``on_step`` is called (after a device sync) at every Progress event."""
    from f1studio.engine.events import Failed, Progress
    from f1studio.engine.runner import run

    failures: list[Failed] = []

    def on_event(event: Any) -> None:
        if isinstance(event, Progress) and on_step is not None:
            sync(bench.device)
            on_step()
        elif isinstance(event, Failed):
            failures.append(event)

    result = run(req, on_event, cache=bench.cache)
    if result is None:
        detail = f"{failures[0].kind.value}: {failures[0].message}" if failures else "cancelled"
        raise RuntimeError(detail)
    return result


def _per_step_ms(stamps: list[float]) -> float:
    if len(stamps) < 2:
        raise RuntimeError("fewer than two steps ran: no step time")
    return (stamps[-1] - stamps[0]) / (len(stamps) - 1) * 1000


def engine_step_ms(bench: Bench, req: Any) -> float:
    """Mean milliseconds per denoising step of ``req`` in the engine."""
    stamps: list[float] = []
    render(bench, req, lambda: stamps.append(time.perf_counter()))
    return _per_step_ms(stamps)


def diffusers_step_ms(bench: Bench, steps: int | None = None) -> float:
    """Mean milliseconds per step of diffusers' own pipeline for the same model, size, steps,
    sampler and guidance (its latents are not decoded)."""
    import torch

    from f1studio.engine.schedulers import make_scheduler

    models, s = bench.models, bench.models.settings
    pipe = models.model.pipe
    stamps: list[float] = []

    def stamp(_pipe: Any, _i: int, _t: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
        sync(bench.device)
        stamps.append(time.perf_counter())
        return kwargs

    kwargs: dict[str, Any] = dict(
        prompt=PROMPT,
        height=s.height,
        width=s.width,
        num_inference_steps=steps or s.steps,
        guidance_scale=s.guidance,
        output_type="latent",
        callback_on_step_end=stamp,
        generator=torch.Generator(bench.device).manual_seed(7),
    )
    if models.name.startswith("flux"):
        from f1studio.engine.families.flux_loading import text_tokens

        kwargs["max_sequence_length"] = text_tokens(pipe)
    own = pipe.scheduler
    pipe.scheduler = make_scheduler(s.scheduler, own.config)
    try:
        with torch.inference_mode():
            pipe(**kwargs)
    finally:
        pipe.scheduler = own
    return _per_step_ms(stamps)


def timed_ms(device: str, fn: Callable[[], Any], repeats: int = 5) -> float:
    """Median milliseconds of ``fn()`` (after one untimed call), synchronised."""
    import torch

    times = []
    with torch.inference_mode():
        fn()
        for _ in range(repeats):
            sync(device)
            start = time.perf_counter()
            fn()
            sync(device)
            times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times))


def peak_gb(bench: Bench, fn: Callable[[], Any]) -> float | None:
    """Peak GPU memory allocated while ``fn()`` runs, in GB; None without CUDA (the path still
    runs, so --tiny checks it)."""
    if not bench.cuda:
        fn()
        return None
    import torch

    sync(bench.device)
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    fn()
    sync(bench.device)
    return torch.cuda.max_memory_allocated() / GB


def ratio_row(
    bench: Bench, metric: str, ms: float, reference: float | None, goal: float | None = None
) -> Row:
    """A step-time row with its ratio to ``reference`` (and whether it meets ``goal``)."""
    ratio = ms / reference if reference else None
    met = None if goal is None or ratio is None else ratio <= goal
    goal_text = f"<= {goal:g}x" if goal is not None else ""
    return Row(bench.models.name, metric, ms, "ms", ratio, goal_text, met)
