"""Model files on disk and in the Hugging Face cache: what every loader, the catalog, downloads
and the model cache read the same way. No torch, no Qt.

- weights: ``.safetensors`` files, and pickled ones (:data:`PICKLE_SUFFIXES`) that can run code
  and are used only when the user allows them (:func:`check_folder_weights`,
  :func:`weights_state`); the weights variant (``fp16``, ...) a folder holds
  (:func:`folder_variant`);
- safetensors headers: tensor names and shapes without reading the weights
  (:func:`read_safetensors_header`, the one reader);
- JSON configurations (:func:`read_json`, :func:`read_config`, :func:`optional_json`), and a
  check that every JSON file of a model folder can be read (:func:`check_json_files`), so that a
  damaged one is named before diffusers trips over it;
- whether a single-file checkpoint holds a whole model (:func:`missing_parts`, from the tensor
  names of its header);
- the hub: what looks like a repository id (:func:`looks_like_hub_id`), whether the machine is
  offline (:func:`hub_offline`, the one definition) and where the cache is (:func:`hf_cache_dir`).
"""

from __future__ import annotations

import json
import os
import re
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.family_table import ModelFamily

PICKLE_SUFFIXES = (".ckpt", ".bin", ".pt", ".pth", ".pkl")
WEIGHT_VARIANTS = ("fp16", "bf16", "fp32", "fp8", "non_ema", "ema_only", "ema")
_MAX_HEADER = 100 * 1024 * 1024  # a safetensors header larger than this is not a real one
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def invalid_model(message: str) -> EngineError:
    """A ``MODEL_INVALID`` error: the file or folder is not a usable model."""
    return EngineError(ErrorKind.MODEL_INVALID, message)


# ---- the hub ---------------------------------------------------------------------------------
def looks_like_hub_id(ref: str) -> bool:
    """``org/name``, and not a file name with a weights suffix."""
    suffix = Path(ref).suffix.lower()
    return bool(_HUB_ID.match(ref)) and suffix not in (".safetensors",) + PICKLE_SUFFIXES


def hub_offline() -> bool:
    """Whether the machine is offline: ``HF_HUB_OFFLINE`` set as huggingface_hub reads it."""
    return os.environ.get("HF_HUB_OFFLINE", "0").strip().lower() in ("1", "true", "yes", "on")


def fetch_failed(what: str, error: Exception, advice: str) -> EngineError:
    """``OFFLINE``: fetching ``what`` from the hub failed with ``error``; ``advice`` says what to
    do about it."""
    return EngineError(
        ErrorKind.OFFLINE, f"could not fetch {what} ({type(error).__name__}); {advice}"
    )


def hf_cache_dir() -> Path:
    """The Hugging Face hub cache, read from the environment now (not at import time)."""
    env = os.environ
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if env.get(var):
            return Path(os.path.expanduser(env[var]))
    home = env.get("HF_HOME") or os.path.join(
        env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "huggingface",
    )
    return Path(os.path.expanduser(home)) / "hub"


# ---- JSON configurations ---------------------------------------------------------------------
def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``; ``MODEL_INVALID`` when it is missing, unreadable or not an
    object."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError, RecursionError) as e:
        raise invalid_model(f"{path} is not valid JSON") from e
    if not isinstance(data, dict):
        raise invalid_model(f"{path} is not a JSON object")
    return data


def read_config(path: Path) -> dict[str, Any] | None:
    """A configuration file's contents; None when it is missing, ``MODEL_INVALID`` when it is
    unreadable."""
    return read_json(path) if path.is_file() else None


_MAX_JSON = 64 * 1024 * 1024  # configuration files are far smaller; larger ones are not parsed
_JSON_OBJECTS = (
    "model_index.json",
    "config.json",
    "scheduler_config.json",
    "tokenizer_config.json",
)


def check_json_files(folder: str | Path) -> None:
    """``MODEL_INVALID`` naming the first JSON file of a model folder (at its top or in a
    component folder) that is not valid UTF-8 JSON, or, for a configuration, not an object."""
    root = Path(folder)
    files = [*root.glob("*.json"), *root.glob("*/*.json")]
    for path in sorted(p for p in files if p.is_file()):
        try:
            if path.stat().st_size > _MAX_JSON:
                continue
            data = json.loads(path.read_bytes().decode("utf-8"))
        except (OSError, ValueError, RecursionError) as e:
            raise invalid_model(f"{path} is not valid JSON (a damaged model file)") from e
        if path.name in _JSON_OBJECTS and not isinstance(data, dict):
            raise invalid_model(f"{path} is not a JSON object (a damaged model file)")


def optional_json(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``, or ``{}`` when there is none to read."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def pipeline_components(model_index: Mapping[str, Any]) -> list[str]:
    """The component folders a diffusers ``model_index.json`` names (those not set to null)."""
    return [
        name
        for name, value in model_index.items()
        if not name.startswith("_")
        and isinstance(value, (list, tuple))
        and len(value) == 2
        and value[0] is not None
        and value[1] is not None
    ]


# ---- safetensors headers ---------------------------------------------------------------------
def read_safetensors_header(path: str | Path) -> dict[str, list[int]]:
    """Tensor name -> shape, from the JSON header at the start of a ``.safetensors`` file.

    Reads only the header (8 bytes of length, then JSON); a file too short for the tensors its
    header describes (an interrupted download) or a damaged header is ``MODEL_INVALID``.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            raw = f.read(8)
            if len(raw) < 8:
                raise ValueError("too short")
            (length,) = struct.unpack("<Q", raw)
            if length < 2 or length > _MAX_HEADER or 8 + length > size:
                raise ValueError("bad header length")
            header = json.loads(f.read(length))
        if not isinstance(header, dict):
            raise ValueError("header is not a JSON object")
    except (OSError, ValueError, UnicodeDecodeError) as e:
        raise invalid_model(
            f"{path.name} is not a readable safetensors file (it may be incomplete or damaged: "
            "download it again)",
        ) from e
    shapes: dict[str, list[int]] = {}
    end = 0
    for name, info in header.items():
        if name == "__metadata__" or not isinstance(info, dict):
            continue
        shapes[name] = [int(v) for v in info.get("shape", [])]
        offsets = info.get("data_offsets") or [0, 0]
        end = max(end, int(offsets[-1]))
    if 8 + length + end > size:
        raise invalid_model(
            f"{path.name} is incomplete ({size} of {8 + length + end} bytes): download it again"
        )
    return shapes


# what a whole model holds, by the names of its tensors: (what it is, prefixes any of which names
# one of its tensors); a checkpoint lacking one holds only part of a model
_Parts = tuple[tuple[str, tuple[str, ...]], ...]
_LDM_PARTS: _Parts = (
    ("UNet", ("model.diffusion_model.",)),
    ("VAE", ("first_stage_model.", "vae.")),
    ("text encoder", ("cond_stage_model.", "conditioner.embedders.", "text_encoders.")),
)
_FLUX_PARTS: _Parts = (
    ("image input layer", ("img_in.", "x_embedder.")),
    ("text input layer", ("txt_in.", "context_embedder.")),
    ("transformer blocks", ("double_blocks.", "transformer_blocks.")),
    ("output layer", ("final_layer.", "proj_out.")),
)


def missing_parts(shapes: Mapping[str, Any], family: ModelFamily) -> list[str]:
    """What a single-file base checkpoint of ``family`` lacks to be a whole model: for SD1.5 and
    SDXL (the original layout) the UNet, the VAE and the text encoder; for FLUX.1 (where a file
    holds the transformer) the transformer's input, blocks and output (with or without
    ComfyUI's ``model.diffusion_model.`` prefix). Empty when nothing is missing."""
    if family is ModelFamily.FLUX:
        bare = [k.removeprefix("model.diffusion_model.") for k in shapes]
        parts = _FLUX_PARTS
    else:
        bare, parts = list(shapes), _LDM_PARTS
    return [what for what, prefixes in parts if not any(k.startswith(prefixes) for k in bare)]


def check_whole_checkpoint(path: str | Path, family: ModelFamily) -> None:
    """``MODEL_INVALID`` when a single ``.safetensors`` base checkpoint holds only part of a
    model (:func:`missing_parts`); said before any configuration is looked for, so that such a
    file is never blamed on a missing configuration or the network."""
    path = Path(path)
    if not is_safetensors(path):
        return  # pickled: never opened before loading
    shapes = read_safetensors_header(path)
    missing = missing_parts(shapes, family)
    if missing:
        count = f"{len(shapes)} tensor{'s' if len(shapes) != 1 else ''}"
        raise invalid_model(
            f"{path.name} is incomplete, not a whole {family.label} model: it holds {count} "
            f"but no {' or '.join(missing)} (part of a model, or a damaged file)"
        )


def is_safetensors(location: str | Path) -> bool:
    """A ``.safetensors`` file (its tensors can be read without running code)."""
    return Path(location).suffix.lower() == ".safetensors"


# ---- weights in folders ----------------------------------------------------------------------
def weights_state(folder: Path) -> str:
    """ "safe", "pickled" or "missing" for the weights directly in ``folder`` (a sharded
    checkpoint counts when every shard its index names is there)."""
    if not folder.is_dir():
        return "missing"
    names = [p for p in folder.iterdir() if p.is_file()]
    for index in (p for p in names if p.name.endswith(".safetensors.index.json")):
        weight_map = optional_json(index).get("weight_map", {})
        shards = set(weight_map.values()) if isinstance(weight_map, dict) else set()
        if shards and all((folder / s).is_file() for s in shards):
            return "safe"
    if any(p.suffix == ".safetensors" for p in names):
        return "safe"
    if any(p.suffix in PICKLE_SUFFIXES for p in names):
        return "pickled"
    return "missing"


def check_folder_weights(folder: str | Path, allow_pickle: bool) -> None:
    """Raise unless a model folder holds safetensors weights (or pickled ones, if allowed)."""
    files = [p for p in Path(folder).rglob("*") if p.is_file()]
    has_safe = any(p.suffix == ".safetensors" for p in files)
    has_pickle = any(p.suffix in PICKLE_SUFFIXES for p in files)
    if not has_safe and has_pickle and not allow_pickle:
        raise EngineError(
            ErrorKind.UNSAFE_WEIGHTS,
            f"{Path(folder).name} only has pickled weights (.bin/.ckpt), which can run arbitrary "
            "code; convert it to safetensors, or allow pickled weights explicitly if you trust it",
        )
    if not has_safe and not has_pickle:
        raise invalid_model(f"{Path(folder).name} holds no weights")


def weights_variant(name: str) -> str | None:
    """The variant of ``x.fp16.safetensors``, ``x.fp16-00001-of-00002.safetensors`` (or the legacy
    ``x-00001-of-00002.fp16.safetensors``) and of the index files of such variants, else None."""
    base = name.rsplit("/", 1)[-1]
    for v in WEIGHT_VARIANTS:
        if (
            f".{v}.safetensors" in base
            or f".{v}-" in base
            and base.endswith(".safetensors")
            or base.endswith((f".safetensors.index.{v}.json", f".{v}.safetensors.index.json"))
        ):
            return v
    return None


def folder_variant(folder: str | Path) -> str | None:
    """The variant to load a pipeline folder with: the one whose weights stand alone in some
    component folder of ``model_index.json`` (no default weights beside them, as a download of
    only the ``fp16`` weights leaves it), else None (the defaults)."""
    root = Path(folder)
    found: set[str] = set()
    try:
        index = json.loads((root / "model_index.json").read_text("utf-8"))
        parts = [root / name for name in pipeline_components(index)]
        for part in (p for p in parts if p.is_dir()):
            names = [p.name for p in part.iterdir() if p.suffix == ".safetensors"]
            variants = [weights_variant(n) for n in names]
            if names and all(v is not None for v in variants):
                found.update(v for v in variants if v is not None)
    except (OSError, ValueError, AttributeError):
        return None
    return "fp16" if "fp16" in found else (min(found) if len(found) == 1 else None)
