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
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.families.base import LoadedModel
from f1studio.engine.family_table import ModelFamily
from f1studio.engine.lora_files import LoraFile, read_lora
from f1studio.engine.lora_regions import RegionLora, RegionLoraHooks
from f1studio.engine.quiet import quiet_libraries
from f1studio.engine.request import GenerationRequest, LoraSpec
from f1studio.engine.speed import denoiser_of, separate_projections

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
    (install them around the render) or None when it has none.

    LoRAs on the whole picture with no region LoRAs are fused into the base weights (a step
    then costs what a step of the base model costs); the base weights are kept aside and put
    back exactly before anything else changes."""
    pipe = model.pipe
    wanted: list[tuple[LoraSpec, int | None]] = [(lora, None) for lora in request.loras]
    wanted += [(lora, i) for i, r in enumerate(request.regions) for lora in r.loras]
    fusion = fused(pipe)
    key = _fuse_key(wanted)
    if fusion is not None and fusion.key == key:
        return None  # the same LoRAs with the same weights: already in the weights
    if fusion is not None:
        fusion.restore()
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
        if weights and key is not None and "offload" not in model.memory:
            Fusion.fuse(pipe, set(weights), key)
        return None
    flux = model.family == ModelFamily.FLUX
    scale = 16 if flux else pipe.vae_scale_factor  # a FLUX.1 token is 16x16 pixels
    grid = (request.height // scale, request.width // scale)
    return RegionLoraHooks(pipe, request.regions, regional, grid, flux=flux)


@contextlib.contextmanager
def loras_applied(request: GenerationRequest, model: LoadedModel) -> Iterator[None]:
    """The request's LoRAs on ``model`` for a ``with`` block (the render); a job with LoRAs
    runs on separate query/key/value projections (``engine.speed``: fused ones would pass
    them by)."""
    has_loras = bool(request.loras) or any(r.loras for r in request.regions)
    unfused = (
        separate_projections([denoiser_of(model.pipe)]) if has_loras else contextlib.nullcontext()
    )
    with unfused:
        hooks = prepare_loras(request, model)
        if hooks is None:
            yield
            return
        with hooks.installed():
            yield


# ---- fusing LoRAs on the whole picture into the weights, exactly reversibly ----------------------
_FUSED: weakref.WeakKeyDictionary[Any, Fusion] = weakref.WeakKeyDictionary()


def fused(pipe: Any) -> Fusion | None:
    """The LoRAs fused into ``pipe``'s weights now, if any."""
    return _FUSED.get(pipe)


def _fuse_key(wanted: list[tuple[LoraSpec, int | None]]) -> tuple | None:
    """What a fusion stands for (files with their times, and weights); None when the job has
    region LoRAs (they act through hooks, so nothing is fused)."""
    if any(region is not None for _, region in wanted):
        return None
    out = []
    for spec, _ in wanted:
        try:
            out.append((adapter_name(spec.path), spec.weight))
        except OSError:
            return None
    return tuple(sorted(out)) or None


@dataclass
class Fusion:
    key: tuple
    pipe: Any
    saved: list[tuple[Any, Any]]  # (PEFT layer, its base weight as it was)

    @classmethod
    def fuse(cls, pipe: Any, adapters: set[str], key: tuple) -> None:
        """Merge ``adapters`` (weighted as set) into the base weights, keeping copies."""
        import torch
        from peft.tuners.lora import LoraLayer

        layers = []
        for part in ("unet", "transformer", "text_encoder", "text_encoder_2"):
            model = getattr(pipe, part, None)
            for module in model.modules() if model is not None else ():
                if not isinstance(module, LoraLayer):
                    continue
                mine = [a for a in module.active_adapters if a in adapters and a in module.lora_A]
                if mine:
                    layers.append((module, mine))
        weights: list[Any] = [module.get_base_layer().weight for module, _ in layers]
        plain = (torch.float16, torch.bfloat16, torch.float32)
        if any(type(w) is not torch.nn.Parameter or w.dtype not in plain for w in weights):
            return  # quantised or wrapped weights: leave the LoRAs unfused
        if any(getattr(m, "use_dora", {}).get(a, False) for m, names in layers for a in names):
            return
        saved = []
        with torch.no_grad():
            for (module, names), weight in zip(layers, weights, strict=True):
                saved.append((module, weight.detach().to("cpu", copy=True)))
                module.merge(adapter_names=names)
        _FUSED[pipe] = cls(key, pipe, saved)

    def restore(self) -> None:
        """Put the base weights back exactly and mark the layers unmerged."""
        import torch

        with torch.no_grad():
            for module, weight in self.saved:
                module.get_base_layer().weight.copy_(weight)
                module.merged_adapters = []
        _FUSED.pop(self.pipe, None)
