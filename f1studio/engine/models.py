"""Finding and loading models: diffusers folders, single-file .safetensors checkpoints and hub ids.

Rules that hold everywhere:

- Pickled weights (``.ckpt``, ``.bin``, ``.pt``, ``.pth``) are refused unless the caller passes
  ``allow_pickle=True`` (the user's explicit choice); safetensors are always preferred.
- ``trust_remote_code`` is never passed.
- A hub id is used from the local Hugging Face cache; it is downloaded only when the machine is
  online, and offline the error names what is missing and how to get it.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path
from typing import Any

from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.families.base import LoadedModel, adapter_for
from f1studio.engine.family_table import ModelFamily
from f1studio.engine.identification import detect_family
from f1studio.engine.memory import apply_memory_plan, quantized_transformer
from f1studio.engine.model_files import (
    PICKLE_SUFFIXES,
    check_folder_weights,
    check_json_files,
    check_whole_checkpoint,
    fetch_failed,
    hub_offline,
    looks_like_hub_id,
)
from f1studio.engine.quiet import quiet_libraries
from f1studio.engine.speed import SpeedSettings, apply_speed, prepare_controlnet


class SourceKind(str, Enum):
    FOLDER = "folder"
    SINGLE_FILE = "single-file"
    HUB = "hub"


@dataclass(frozen=True)
class ModelSource:
    kind: SourceKind
    location: str  # a local path, or a hub id for SourceKind.HUB

    @property
    def name(self) -> str:
        return Path(self.location).name if self.kind != SourceKind.HUB else self.location


def pick_device(requested: str = "auto") -> str:
    """CUDA, then MPS, then CPU for ``auto``; an explicit device must exist."""
    import torch

    requested = (requested or "auto").lower()
    if requested == "auto":
        if torch.cuda.is_available():
            return "cuda"
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return "mps"
        return "cpu"
    if requested.startswith("cuda") and not torch.cuda.is_available():
        raise EngineError(ErrorKind.DEVICE, "CUDA was requested but no CUDA GPU is available")
    if requested == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise EngineError(ErrorKind.DEVICE, "MPS was requested but is not available")
    if requested not in ("cpu", "mps") and not requested.startswith("cuda"):
        raise EngineError(ErrorKind.DEVICE, f"unknown device {requested!r} (auto, cpu, cuda, mps)")
    return requested


def pick_dtype(device: str, family: ModelFamily = ModelFamily.SD15) -> Any:
    """fp32 on the CPU; on GPUs the family's preferred half precision (fp16 for SD1.5)."""
    import torch

    if device == "cpu":
        return torch.float32
    return getattr(torch, family.gpu_dtype)


def resolve(ref: str | None, *, allow_pickle: bool = False, what: str = "model") -> ModelSource:
    """Classify a model reference; raise EngineError with a user-facing message if unusable."""
    if not ref:
        raise EngineError(
            ErrorKind.MODEL_NOT_FOUND,
            f"no {what} configured: pass --model PATH (a diffusers folder, a .safetensors "
            "checkpoint or a Hugging Face id)",
        )
    path = Path(os.path.expanduser(ref))
    if path.is_dir():
        if not (path / "model_index.json").exists() and not (path / "config.json").exists():
            raise EngineError(
                ErrorKind.MODEL_INVALID,
                f"{path} is not a diffusers model folder (no model_index.json or config.json)",
            )
        return ModelSource(SourceKind.FOLDER, str(path))
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix == ".safetensors":
            return ModelSource(SourceKind.SINGLE_FILE, str(path))
        if suffix in PICKLE_SUFFIXES:
            if not allow_pickle:
                raise EngineError(
                    ErrorKind.UNSAFE_WEIGHTS,
                    f"{path.name} holds pickled weights, which can run arbitrary code; use a "
                    ".safetensors file, or allow pickled weights explicitly if you trust it",
                )
            return ModelSource(SourceKind.SINGLE_FILE, str(path))
        raise EngineError(ErrorKind.MODEL_INVALID, f"{path.name} is not a model file")
    if not looks_like_hub_id(ref):
        raise EngineError(ErrorKind.MODEL_NOT_FOUND, f"{what} not found: {ref}")
    return ModelSource(SourceKind.HUB, ref)


# what a single model (ControlNet, depth estimator) needs from its hub repository
_MODEL_FILES = ["*.json", "*.safetensors", "*.txt", "*.model"]


def _download(repo_id: str, pipeline: bool, local_only: bool) -> str:
    if pipeline:
        from diffusers import DiffusionPipeline

        try:
            return str(
                DiffusionPipeline.download(
                    repo_id, local_files_only=local_only, use_safetensors=True
                )
            )
        except Exception:
            if not local_only:
                raise
            # the model manager downloads only the fp16 weights of SDXL pipelines
            return str(
                DiffusionPipeline.download(
                    repo_id, local_files_only=True, use_safetensors=True, variant="fp16"
                )
            )
    from huggingface_hub import snapshot_download

    folder = Path(
        snapshot_download(repo_id, allow_patterns=_MODEL_FILES, local_files_only=local_only)
    )
    if not (folder / "config.json").exists():
        raise FileNotFoundError(f"{repo_id} has no config.json")
    return str(folder)


def _check_cached_files(repo_id: str, marker: str) -> None:
    """``MODEL_INVALID`` naming a damaged JSON file of a repository that is in the local cache
    (so that it is not reported as missing, nor left to diffusers' raw message)."""
    from huggingface_hub import try_to_load_from_cache

    try:
        found = try_to_load_from_cache(repo_id, marker)
    except Exception:  # noqa: BLE001 - a malformed id or cache is a cache miss here
        return
    if isinstance(found, str):
        check_json_files(Path(found).parent)


def fetch_hub(repo_id: str, *, what: str = "model") -> str:
    """Local folder of a hub model: from the cache, or downloaded when online.

    Base models are diffusers pipelines (``model_index.json``); anything else (a ControlNet) is a
    single model repository with a ``config.json``.
    """
    pipeline = what == "model"
    try:
        return _download(repo_id, pipeline, local_only=True)
    except Exception as cached_error:  # noqa: BLE001 - any cache miss leads to the same choice
        _check_cached_files(repo_id, "model_index.json" if pipeline else "config.json")
        if hub_offline():
            raise EngineError(
                ErrorKind.OFFLINE,
                f"{what} {repo_id!r} is not in the local Hugging Face cache and the machine is "
                f"offline; download it once online (f1studio models download {repo_id}) or pass "
                "a local folder",
            ) from cached_error
    try:
        return _download(repo_id, pipeline, local_only=False)
    except Exception as error:  # noqa: BLE001
        raise fetch_failed(
            f"{what} {repo_id!r} from the Hugging Face hub",
            error,
            "check the id and your connection, or pass a local folder",
        ) from error


def local_source(
    ref: str | None, *, allow_pickle: bool = False, what: str = "model"
) -> tuple[ModelSource, str]:
    """:func:`resolve` ``ref``, and the local path to load it from (a hub id: its folder in the
    cache, fetched when online; see :func:`fetch_hub`)."""
    source = resolve(ref, allow_pickle=allow_pickle, what=what)
    if source.kind == SourceKind.HUB:
        return source, fetch_hub(source.location, what=what)
    return source, source.location


# what diffusers says when a single file lacks tensors its configuration needs
_MISSING_WEIGHTS = ("appear to be missing", "meta tensor", "Missing key")


def load_error(what: str, location: str, error: Exception) -> EngineError:
    if isinstance(error, EngineError):
        return error
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    cause = error.__cause__ or error.__context__
    if "look up to see its traceback" in text and cause is not None:  # diffusers' lazy imports
        text = text.split(" because ")[0] + f": {type(cause).__name__}: {str(cause)[:200]}"
    if Path(location).is_file() and any(sign in text for sign in _MISSING_WEIGHTS):
        return EngineError(
            ErrorKind.MODEL_INVALID,
            f"{Path(location).name} is incomplete: some of the {what}'s weights are not in the "
            "file (part of a model, or a damaged file)",
        )
    if "offline" in text.lower() or "connect" in text.lower() or "resolve" in text.lower():
        return EngineError(
            ErrorKind.OFFLINE,
            f"loading {what} {Path(location).name} needs files that are not on this machine "
            f"and the hub cannot be reached: {text[:200]}",
        )
    return EngineError(ErrorKind.MODEL_INVALID, f"could not load {what} {location}: {text[:240]}")


def load_pipeline(
    ref: str | None,
    device: str,
    *,
    allow_pickle: bool = False,
    config: str | None = None,
    speed: SpeedSettings | None = None,
) -> LoadedModel:
    """Load a base model as a diffusers pipeline on ``device``, with the speed switches
    (``speed``, default: as the environment sets them) applied.

    ``config`` only matters for a single-file checkpoint: a local diffusers SD1.5 folder or a hub
    id whose configuration files describe it (default: ``$F1STUDIO_SD15_CONFIG``, then the
    standard SD1.5 repository in the local Hugging Face cache).
    """
    quiet_libraries()
    source, location = local_source(ref, allow_pickle=allow_pickle)
    family, inpainting = detect_family(location)
    if not family.is_supported:
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{source.name} is a {family.label} model, which this version cannot render yet",
        )
    if Path(location).is_dir():
        check_json_files(location)
    else:
        check_whole_checkpoint(location, family)
    dtype = pick_dtype(device, family)
    speed = SpeedSettings.from_environment() if speed is None else speed
    plan = memory_plan(device, family)  # measured before the new model takes any memory
    try:
        with quantized_transformer(plan.quantize):
            pipe = adapter_for(family).load_pipeline(
                location, dtype, allow_pickle, inpainting, config
            )
        apply_memory_plan(pipe, plan, device)
        apply_speed(pipe, speed)
    except Exception as e:  # noqa: BLE001 - turn library errors into one clear line
        raise load_error("model", location, e) from e
    pipe.set_progress_bar_config(disable=True)
    dtype_name = str(dtype).replace("torch.", "")
    return LoadedModel(family, str(ref), pipe, device, dtype_name, inpainting, plan.summary)


MEMORY_MODE_ENV = "F1STUDIO_MEMORY_MODE"


def memory_plan(device: str, family: ModelFamily) -> Any:
    """How to place a model on ``device``: from its free memory, or ``$F1STUDIO_MEMORY_MODE``
    when the user overrides it: a mode (full-gpu, model-offload, sequential-offload), a quantised
    FLUX.1 transformer (int8, nf4) or both (``model-offload+int8``). A quantisation whose library
    is missing is one line saying what to install."""
    from f1studio.engine.memory import (
        FAMILY_MEMORY,
        QUANTIZED_FAMILIES,
        MemoryMode,
        MemoryPlan,
        auto_quantizations,
        choose_memory_mode,
        free_device_memory,
        parse_memory_mode,
        quantization_backend,
    )

    side = int(FAMILY_MEMORY[family].native_pixels ** 0.5)
    forced = os.environ.get(MEMORY_MODE_ENV, "").strip()
    if not forced:
        free = free_device_memory(device)
        return choose_memory_mode(free, family, side, side, auto_quantizations())
    try:
        mode, kind = parse_memory_mode(forced)
    except ValueError as e:
        raise EngineError(ErrorKind.DEVICE, f"{MEMORY_MODE_ENV}: {e}") from None
    if family not in QUANTIZED_FAMILIES:
        kind = None  # only FLUX.1 transformers are quantised
    if kind is not None:
        quantization_backend(kind)  # installed? (else one line: what to pip install)
    if mode is None:
        free = free_device_memory(device)
        plan = choose_memory_mode(free, family, side, side, forced=kind)
        return replace(plan, reason=f"{plan.reason}; set by {MEMORY_MODE_ENV}")
    offload = mode is not MemoryMode.FULL_GPU
    return MemoryPlan(mode, offload, offload, f"set by {MEMORY_MODE_ENV}", kind)


def load_controlnet(
    ref: str,
    device: str,
    dtype: Any,
    *,
    allow_pickle: bool = False,
    config: str | None = None,
    family: ModelFamily = ModelFamily.SD15,
    speed: SpeedSettings | None = None,
) -> Any:
    """Load a ControlNet (folder, single file or hub id) on ``device`` (channels-last when
    ``speed``, default: the environment's, says so).

    ``config`` only matters for a single file: a ControlNet folder, or an SD1.5 folder (the
    ControlNet mirrors its UNet), or a hub id of either (default: ``$F1STUDIO_SD15_CONFIG``, then
    the local Hugging Face cache).
    """
    quiet_libraries()
    _, location = local_source(ref, allow_pickle=allow_pickle, what="ControlNet")
    try:
        if Path(location).is_dir():
            if not (Path(location) / "config.json").exists():
                raise EngineError(
                    ErrorKind.MODEL_INVALID, f"{Path(location).name} is not a ControlNet folder"
                )
            check_folder_weights(location, allow_pickle)
            check_json_files(location)
        cn = adapter_for(family).load_controlnet(location, dtype, allow_pickle, config)
        speed = SpeedSettings.from_environment() if speed is None else speed
        return prepare_controlnet(cn.to(device), speed)
    except Exception as e:  # noqa: BLE001
        raise load_error("ControlNet", location, e) from e


class ModelCache:
    """Keeps the loaded base model and ControlNets between jobs; switching frees the old one.

    The speed switches (``engine.speed``, read from the environment) are part of every key: a
    model loaded with other switches is loaded afresh."""

    def __init__(self) -> None:
        self._base: tuple[tuple, LoadedModel] | None = None
        self._controlnets: dict[tuple, Any] = {}
        self._tiny: tuple[tuple, Any] | None = None

    def has_base(self, ref: str | None, device: str, allow_pickle: bool) -> bool:
        """Whether :meth:`base` would return the loaded model without loading anything."""
        speed = SpeedSettings.from_environment()
        return self._base is not None and self._base[0] == (ref, device, allow_pickle, speed)

    def base(self, ref: str | None, device: str, allow_pickle: bool) -> LoadedModel:
        speed = SpeedSettings.from_environment()
        key = (ref, device, allow_pickle, speed)
        if self._base is not None and self._base[0] == key:
            return self._base[1]
        self.clear()
        model = load_pipeline(ref, device, allow_pickle=allow_pickle, speed=speed)
        self._base = (key, model)
        return model

    def controlnet(
        self,
        ref: str,
        device: str,
        dtype: Any,
        allow_pickle: bool,
        family: ModelFamily = ModelFamily.SD15,
    ) -> Any:
        speed = SpeedSettings.from_environment()
        key = (ref, device, str(dtype), allow_pickle, family, speed)
        if key not in self._controlnets:
            self._controlnets[key] = load_controlnet(
                ref, device, dtype, allow_pickle=allow_pickle, family=family, speed=speed
            )
        return self._controlnets[key]

    def tiny_vae(self, key: tuple, load: Callable[[], Any]) -> Any:
        """The tiny VAE of ``key`` (reference, device, ...), from ``load()`` when it is not the
        one kept (``engine.tiny_vae_loading`` loads it, above this layer)."""
        if self._tiny is None or self._tiny[0] != key:
            self._tiny = None
            self._tiny = (key, load())
        return self._tiny[1]

    def keep_only_controlnets(self, refs: set[str]) -> None:
        for key in [k for k in self._controlnets if k[0] not in refs]:
            del self._controlnets[key]

    def clear(self) -> None:
        """Unload everything (a no-op, without a garbage collection, when nothing is loaded)."""
        if self._base is None and not self._controlnets and self._tiny is None:
            return
        self._base = None
        self._controlnets.clear()
        self._tiny = None
        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:
            pass

    @property
    def loaded(self) -> LoadedModel | None:
        return self._base[1] if self._base else None
