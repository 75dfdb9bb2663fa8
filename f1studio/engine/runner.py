"""Run one GenerationRequest: load (or reuse) models, render, stream events.

    result = run(request, on_event, cancel)

``on_event`` receives Started, Progress, then exactly one of Finished, Failed or Cancelled.
``cancel`` is a threading.Event checked before every denoising step; a cancelled job returns
``None`` and produces no result. Nothing here knows about Qt or the document.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from f1studio.engine.adaptive import planned_request
from f1studio.engine.embeddings import apply_embeddings
from f1studio.engine.events import (
    Cancelled,
    EngineError,
    ErrorKind,
    Event,
    Failed,
    Finished,
    Loading,
    Progress,
    Result,
    Started,
)
from f1studio.engine.families.base import JobCancelled, LoadedModel, adapter_for
from f1studio.engine.family_table import ModelFamily
from f1studio.engine.loras import loras_applied
from f1studio.engine.models import ModelCache, pick_device
from f1studio.engine.request import GenerationRequest

log = logging.getLogger(__name__)

_default_cache: ModelCache | None = None


def default_cache() -> ModelCache:
    global _default_cache
    if _default_cache is None:
        _default_cache = ModelCache()
    return _default_cache


def run(
    request: GenerationRequest,
    on_event: Callable[[Event], None] = lambda e: None,
    cancel: threading.Event | None = None,
    cache: ModelCache | None = None,
) -> Result | None:
    cancel = cancel or threading.Event()
    cache = cache or default_cache()
    started = time.perf_counter()
    step_offset = 0
    try:
        if cancel.is_set():
            raise JobCancelled(0)
        device = pick_device(request.device)
        if not cache.has_base(request.model, device, request.allow_pickle):
            on_event(Loading("model", _display_name(request.model)))
        model = cache.base(request.model, device, request.allow_pickle)
        if cancel.is_set():  # cancelled while the model loaded: it stays cached for next time
            raise JobCancelled(0)
        request = planned_request(request, model.source)  # steps: auto with a measured plan
        controlnets = _load_controlnets(request, cache, model)
        if request.tiny_vae:
            model = _with_tiny_vae(request, cache, model)
        adapter = adapter_for(model.family)
        per_image = adapter.steps_per_image(request)
        total = per_image * request.batch_count
        images: list[np.ndarray] = []
        apply_embeddings(request, model)
        with loras_applied(request, model):  # a LoRA that does not fit fails before Started
            on_event(Started(total, model.device, model.dtype))
            for index, seed in enumerate(request.seeds):
                step_offset = index * per_image

                def on_step(step: int, _n: int, preview: np.ndarray | None, base=step_offset):
                    on_event(Progress(base + step, total, preview))

                image = adapter.render(request, model, controlnets, seed, on_step, cancel.is_set)
                images.append(image)
        result = Result(
            tuple(images),
            request,
            request.seeds,
            time.perf_counter() - started,
            model.device,
            model.dtype,
            model.memory,
        )
    except JobCancelled as c:
        on_event(Cancelled(step_offset + c.step))
        return None
    except EngineError as e:
        on_event(Failed(e.kind, e.message))
        return None
    except Exception as e:  # noqa: BLE001 - every failure becomes one event; the app stays up
        on_event(_failure(e, cache))
        return None
    on_event(Finished(result))
    return result


def _display_name(ref: str | None) -> str:
    """A model reference as the user knows it: a file or folder name, or a hub id."""
    if not ref:
        return "?"
    path = Path(ref)
    return path.name if path.exists() else ref


def _load_controlnets(request: GenerationRequest, cache: ModelCache, model: LoadedModel) -> dict:
    refs: dict[str, object] = {}
    for spec in request.controls:
        if not spec.model:
            raise EngineError(
                ErrorKind.MODEL_NOT_FOUND,
                f"the {spec.kind.value} guide needs a ControlNet: choose one for {spec.kind.value} "
                f"guides (CLI: --controlnet {spec.kind.value}=PATH)",
            )
        if spec.model not in refs:
            refs[spec.model] = cache.controlnet(
                spec.model, model.device, model.torch_dtype, request.allow_pickle, model.family
            )
    hole = request.inpaint.controlnet if request.inpaint is not None else None
    hole = hole or request.strength_map_controlnet
    if hole and model.family is ModelFamily.FLUX:
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            "inpaint ControlNets work with SD1.5 models; FLUX.1 inpaints with a Fill model or "
            "on its own: leave the inpaint ControlNet out",
        )
    if hole and hole not in refs:
        refs[hole] = cache.controlnet(
            hole, model.device, model.torch_dtype, request.allow_pickle, model.family
        )
    cache.keep_only_controlnets(set(refs))
    return refs


def _with_tiny_vae(
    request: GenerationRequest, cache: ModelCache, model: LoadedModel
) -> LoadedModel:
    """``model`` with the request's tiny VAE, checked against its latent space (refused in one
    line before any step)."""
    from f1studio.engine.tiny_vae import check_tiny_vae
    from f1studio.engine.tiny_vae_loading import load_tiny_vae

    ref, device, dtype, pickle = (
        request.tiny_vae,
        model.device,
        model.torch_dtype,
        request.allow_pickle,
    )
    assert ref is not None
    tiny = cache.tiny_vae(
        (ref, device, str(dtype), pickle),
        lambda: load_tiny_vae(ref, device, dtype, allow_pickle=pickle),
    )
    check_tiny_vae(tiny, model.pipe, model.family, ref)
    return replace(model, tiny_vae=tiny)


def _failure(error: Exception, cache: ModelCache) -> Failed:
    name = type(error).__name__
    if "OutOfMemory" in name or "out of memory" in str(error).lower():
        cache.clear()
        return Failed(
            ErrorKind.OUT_OF_MEMORY,
            "the GPU ran out of memory: try a smaller canvas, fewer guides, or close other GPU "
            "programs; the models were unloaded so the next job starts clean",
        )
    if isinstance(error, ValueError):
        return Failed(ErrorKind.BAD_REQUEST, str(error).splitlines()[0][:300])
    log.exception("engine failure")
    return Failed(
        ErrorKind.INTERNAL, f"{name}: {str(error).splitlines()[0][:300] if str(error) else ''}"
    )
