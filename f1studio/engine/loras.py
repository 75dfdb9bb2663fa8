"""LoRAs on a loaded pipeline: loaded once per file through diffusers (so every form diffusers
reads works: diffusers/PEFT, kohya and AUTOMATIC1111, ComfyUI), switched and weighted per job
without reloading the base model.

The base weights are never changed: a LoRA lives in PEFT's layers beside them, so a job
without LoRAs renders bit-identically to one before any was loaded. LoRAs on the whole
picture are PEFT's active adapters with their weights; region LoRAs stay inactive there and
act through :mod:`f1studio.engine.lora_regions`.
"""

from __future__ import annotations

import contextlib
import hashlib
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.families.base import LoadedModel
from f1studio.engine.family_table import ModelFamily
from f1studio.engine.lora_files import LoraFile, read_lora
from f1studio.engine.lora_regions import RegionLora, RegionLoraHooks
from f1studio.engine.quiet import quiet_libraries
from f1studio.engine.request import GenerationRequest, LoraSpec

KEEP_LOADED = 8  # LoRAs kept loaded beyond the job's own, so switching back is instant


def adapter_name(path: str | Path) -> str:
    """The adapter name of a LoRA file: stable while the file is unchanged."""
    path = Path(path).expanduser().resolve()
    stat = path.stat()
    key = f"{path}|{stat.st_size}|{stat.st_mtime_ns}"
    return "f1_" + hashlib.sha1(key.encode()).hexdigest()[:16]


def loaded_adapters(pipe: Any) -> list[str]:
    """Adapter names loaded on ``pipe`` (any component), oldest first."""
    try:
        lists = pipe.get_list_adapters()
    except (AttributeError, ValueError):
        return []
    out: list[str] = []
    for names in lists.values():
        out += [n for n in names if n not in out]
    return out


def _text_width(pipe: Any) -> int | None:
    unet = getattr(pipe, "unet", None)
    return getattr(getattr(unet, "config", None), "cross_attention_dim", None)


def _load(pipe: Any, lora: LoraFile, name: str, family: ModelFamily) -> None:
    quiet_libraries()
    try:
        with warnings.catch_warnings():  # PEFT's note on adding a second adapter
            warnings.simplefilter("ignore", UserWarning)
            pipe.load_lora_weights(
                str(lora.path), adapter_name=name, use_safetensors=bool(lora.shapes)
            )
    except Exception as e:  # noqa: BLE001 - a LoRA that does not load is one line, not a crash
        first = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{lora.name} could not be loaded as a LoRA for this {family.label} model: {first}",
        ) from e
    if name not in loaded_adapters(pipe):
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{lora.name} names no layer of this {family.label} model (is it a LoRA for "
            "another model?)",
        )


def _forget_unused(pipe: Any, keep: set[str]) -> None:
    extra = [n for n in loaded_adapters(pipe) if n not in keep]
    excess = extra[: max(0, len(extra) - KEEP_LOADED)]
    if excess:
        pipe.delete_adapters(excess)


def prepare_loras(request: GenerationRequest, model: LoadedModel) -> RegionLoraHooks | None:
    """Load the request's LoRAs on ``model`` and weight them; the hooks for its region LoRAs
    (install them around the render) or None when it has none."""
    pipe = model.pipe
    wanted: list[tuple[LoraSpec, int | None]] = [(lora, None) for lora in request.loras]
    wanted += [(lora, i) for i, r in enumerate(request.regions) for lora in r.loras]
    if not wanted and not loaded_adapters(pipe):
        return None
    names: dict[str, str] = {}
    for spec, _ in wanted:
        if spec.path in names:
            continue
        info = read_lora(spec.path, request.allow_pickle)
        problem = info.family_problem(model.family, _text_width(pipe))
        if problem:
            raise EngineError(ErrorKind.MODEL_INVALID, problem)
        name = adapter_name(info.path)
        if name not in loaded_adapters(pipe):
            _load(pipe, info, name, model.family)
        names[spec.path] = name
    _forget_unused(pipe, set(names.values()))
    weights: dict[str, float] = {}
    for spec, region in wanted:
        if region is None:
            weights[names[spec.path]] = weights.get(names[spec.path], 0.0) + spec.weight
    if weights:
        pipe.enable_lora()
        pipe.set_adapters(list(weights), list(weights.values()))
    elif loaded_adapters(pipe):
        pipe.disable_lora()
    regional = [
        RegionLora(names[spec.path], spec.weight, region)
        for spec, region in wanted
        if region is not None
    ]
    if not regional:
        return None
    flux = model.family == ModelFamily.FLUX
    scale = 16 if flux else pipe.vae_scale_factor  # a FLUX.1 token is 16x16 pixels
    grid = (request.height // scale, request.width // scale)
    return RegionLoraHooks(pipe, request.regions, regional, grid, flux=flux)


@contextlib.contextmanager
def loras_applied(request: GenerationRequest, model: LoadedModel) -> Iterator[None]:
    """The request's LoRAs on ``model`` for a ``with`` block (the render)."""
    hooks = prepare_loras(request, model)
    if hooks is None:
        yield
        return
    with hooks.installed():
        yield
