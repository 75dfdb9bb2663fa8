"""Find and identify installed models, without copying them and without loading any weights.

Where models are found:

- the user's extra folders (``AppSettings.model_folders``): a model folder itself, a folder of
  models (searched a few levels deep), or the root of an AUTOMATIC1111 install
  (``models/Stable-diffusion``, ``models/ControlNet``) or a ComfyUI install
  (``models/checkpoints``, ``models/controlnet``, ``models/diffusion_models``);
- the Hugging Face cache (``$HF_HUB_CACHE``, else ``$HF_HOME/hub``, else
  ``~/.cache/huggingface/hub``).

How a model is identified: a diffusers folder by its ``model_index.json`` / ``config.json``, a
single ``.safetensors`` file by its tensor names and shapes, read from the file's JSON header
(the weights themselves are never read). Nothing is guessed from a file name. Pickled files
(``.ckpt``/``.bin``/``.pt``/``.pth``) are listed but never opened. No Qt, no torch.
"""

from __future__ import annotations

import json
import os
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.families.base import ModelFamily

ROLES = ("base", "controlnet", "depth-estimator")
SOURCES = ("folder", "hf-cache", "a1111", "comfyui")
FORMATS = ("diffusers", "single-file")
PICKLE_SUFFIXES = (".ckpt", ".bin", ".pt", ".pth", ".pkl")
PICKLED_NOTE = "pickled (not loaded unless allowed)"

# Sub-folders of an AUTOMATIC1111 / ComfyUI ``models`` folder: (sub-folder, role of its files).
A1111_FOLDERS = (("Stable-diffusion", "base"), ("ControlNet", "controlnet"))
COMFYUI_FOLDERS = (
    ("checkpoints", "base"),
    ("controlnet", "controlnet"),
    ("diffusion_models", "base"),
)

MAX_DEPTH = 4  # how deep a user folder is searched
MAX_FOLDERS = 4000  # folders visited per user folder, so that adding ~ cannot hang the scan
_SKIP_DIRS = {"__pycache__", "node_modules", "venv", "site-packages", "outputs", "output"}
_MAX_HEADER = 100 * 1024 * 1024  # a safetensors header larger than this is not a real one


@dataclass(frozen=True)
class InstalledModel:
    """One model on disk and what its configuration or tensors say it is."""

    name: str  # folder or file name; the repository id for the Hugging Face cache
    location: str  # the local folder or file (what to put in the settings to use it)
    role: str  # "base" | "controlnet" | "depth-estimator"
    family: ModelFamily | None  # None for depth estimators and unopened pickled files
    variant: str | None  # e.g. "base", "inpainting", "schnell", "dev", "fill", "union"
    size_bytes: int  # on disk (symlinked blobs counted once)
    source: str = "folder"  # "folder" | "hf-cache" | "a1111" | "comfyui"
    format: str = "diffusers"  # "diffusers" | "single-file"
    pickled: bool = False  # weights are pickled: listed, never opened, loaded only if allowed
    note: str = ""  # one line worth showing (pickled, transformer only, ...)
    hub_id: str | None = None  # the repository id of a Hugging Face cache entry

    @property
    def family_label(self) -> str:
        return self.family.label if self.family is not None else "—"

    @property
    def reference(self) -> str:
        """What to put in the settings to use this model: the hub id of a Hugging Face cache
        pipeline or depth estimator (readable, and found offline in the cache), else the local
        folder or file (ControlNets: the engine reads hub ids only for pipelines)."""
        by_id = self.role in ("base", "depth-estimator") and self.format == "diffusers"
        if self.source == "hf-cache" and self.hub_id and by_id:
            return self.hub_id
        return self.location

    @property
    def where(self) -> str:
        """Where it was found, for tables: the source and the location."""
        return f"{self.source}: {self.location}"


# ---- safetensors headers ------------------------------------------------------------------
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
        raise EngineError(
            ErrorKind.MODEL_INVALID,
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
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{path.name} is incomplete ({size} of {8 + length + end} bytes): download it again",
        )
    return shapes


# ---- identification -----------------------------------------------------------------------
def _invalid(message: str) -> EngineError:
    return EngineError(ErrorKind.MODEL_INVALID, message)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise _invalid(f"{path} is not valid JSON") from e
    if not isinstance(data, dict):
        raise _invalid(f"{path} is not a JSON object")
    return data


def _optional_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _size_on_disk(paths: Iterable[Path]) -> int:
    """Bytes of these files, following symlinks and counting a shared blob once."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for p in paths:
        try:
            st = p.stat()
        except OSError:
            continue
        key = (st.st_dev, st.st_ino)
        if key not in seen:
            seen.add(key)
            total += st.st_size
    return total


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


_SD15_PIPELINES = set(ModelFamily.SD15.pipeline_classes) | {
    "StableDiffusionControlNetImg2ImgPipeline",
    "StableDiffusionControlNetInpaintPipeline",
}


def _pipeline_family(class_name: Any, folder: Path) -> ModelFamily:
    if isinstance(class_name, (list, tuple)):
        raise _invalid(f"{folder.name} needs custom pipeline code, which F1 Studio never runs")
    name = str(class_name)
    if name in ModelFamily.SDXL.pipeline_classes or name.startswith("StableDiffusionXL"):
        return ModelFamily.SDXL
    if name in ModelFamily.FLUX.pipeline_classes or re.fullmatch(r"Flux\w*Pipeline", name):
        return ModelFamily.FLUX
    if name in _SD15_PIPELINES:
        unet = _optional_json(folder / "unet" / "config.json")
        if unet.get("cross_attention_dim") == 1024:
            raise _invalid(f"{folder.name} is a Stable Diffusion 2.x model, which is not supported")
        return ModelFamily.SD15
    raise _invalid(
        f"{folder.name}: unknown pipeline type {name!r} (F1 Studio reads SD1.5, SDXL and FLUX.1)"
    )


def _is_weight(p: Path) -> bool:
    return p.suffix == ".safetensors" or p.suffix in PICKLE_SUFFIXES


def _weights_state(folder: Path) -> str:
    """ "safe", "pickled" or "missing" for the weights directly in ``folder``."""
    if not folder.is_dir():
        return "missing"
    names = [p for p in folder.iterdir() if p.is_file()]
    for index in (p for p in names if p.name.endswith(".safetensors.index.json")):
        weight_map = _optional_json(index).get("weight_map", {})
        shards = set(weight_map.values()) if isinstance(weight_map, dict) else set()
        if shards and all((folder / s).is_file() for s in shards):
            return "safe"
    if any(p.suffix == ".safetensors" for p in names):
        return "safe"
    if any(p.suffix in PICKLE_SUFFIXES for p in names):
        return "pickled"
    return "missing"


_NO_WEIGHTS = re.compile(r"(Scheduler|Tokenizer\w*|Processor|FeatureExtractor)$")


def _check_pipeline_parts(folder: Path, index: dict[str, Any]) -> bool:
    """Raise when a component is missing (an unfinished download); True if weights are pickled."""
    pickled = False
    for name, value in index.items():
        if name.startswith("_") or not isinstance(value, list) or len(value) != 2:
            continue
        if value[0] is None or value[1] is None:
            continue
        part = folder / name
        if not part.is_dir() or not any(part.iterdir()):
            raise _invalid(
                f"{folder.name} is incomplete: {name}/ is missing (unfinished download?)"
            )
        if _NO_WEIGHTS.search(str(value[1])):
            continue
        state = _weights_state(part)
        if state == "missing":
            raise _invalid(
                f"{folder.name} is incomplete: {name}/ has no weights (unfinished download?)"
            )
        pickled = pickled or state == "pickled"
    return pickled


def _identify_pipeline(folder: Path) -> InstalledModel:
    index = _read_json(folder / "model_index.json")
    family = _pipeline_family(index.get("_class_name", ""), folder)
    pickled = _check_pipeline_parts(folder, index)
    class_name = str(index.get("_class_name", ""))
    if family is ModelFamily.FLUX:
        transformer = _optional_json(folder / "transformer" / "config.json")
        if transformer.get("in_channels") == 384 or class_name == "FluxFillPipeline":
            variant: str | None = "fill"
        elif "guidance_embeds" in transformer:
            variant = "dev" if transformer["guidance_embeds"] else "schnell"
        else:
            variant = None
    else:
        unet = _optional_json(folder / "unet" / "config.json")
        if unet.get("in_channels") == 9 or "Inpaint" in class_name:
            variant = "inpainting"
        elif family is ModelFamily.SDXL and index.get("requires_aesthetics_score"):
            variant = "refiner"
        else:
            variant = "base"
    return InstalledModel(
        name=folder.name,
        location=str(folder),
        role="base",
        family=family,
        variant=variant,
        size_bytes=_size_on_disk(_files(folder)),
        format="diffusers",
        pickled=pickled,
        note=PICKLED_NOTE if pickled else "",
    )


_COMPONENT_CLASSES = re.compile(r"(UNet\w*Model|Autoencoder\w*|\w*Transformer\w*Model)$")


def _is_depth_config(config: dict[str, Any]) -> bool:
    archs = config.get("architectures") or []
    return any(str(a).endswith("ForDepthEstimation") for a in archs) or config.get(
        "model_type"
    ) in ("depth_anything", "dpt", "zoedepth", "glpn")


def _identify_config_folder(folder: Path) -> InstalledModel:
    config = _read_json(folder / "config.json")
    class_name = str(config.get("_class_name", ""))
    family: ModelFamily | None
    variant: str | None = None
    if class_name == "ControlNetModel":
        role = "controlnet"
        if config.get("cross_attention_dim") == 1024 and not config.get("addition_embed_type"):
            raise _invalid(f"{folder.name} is a Stable Diffusion 2.x ControlNet (not supported)")
        sdxl = config.get("addition_embed_type") == "text_time"
        sdxl = sdxl or config.get("cross_attention_dim") == 2048
        family = ModelFamily.SDXL if sdxl else ModelFamily.SD15
    elif class_name == "ControlNetUnionModel":
        role, family, variant = "controlnet", ModelFamily.SDXL, "union"
    elif class_name == "FluxControlNetModel":
        role, family = "controlnet", ModelFamily.FLUX
        variant = "union" if config.get("num_mode") else None
    elif _is_depth_config(config):
        role, family = "depth-estimator", None
    elif _COMPONENT_CLASSES.match(class_name) or config.get("architectures"):
        what = class_name or ", ".join(map(str, config.get("architectures", [])))
        raise _invalid(f"{folder.name} is a model component ({what}), not a whole model")
    else:
        raise _invalid(f"{folder.name} is not a model folder F1 Studio recognises")
    state = _weights_state(folder)
    if state == "missing":
        raise _invalid(f"{folder.name} has no weights (an unfinished download?)")
    return InstalledModel(
        name=folder.name,
        location=str(folder),
        role=role,
        family=family,
        variant=variant,
        size_bytes=_size_on_disk(_files(folder)),
        format="diffusers",
        pickled=state == "pickled",
        note=PICKLED_NOTE if state == "pickled" else "",
    )


def _has(keys: Iterable[str], *prefixes: str) -> bool:
    return any(k.startswith(prefixes) for k in keys)


def _context_dim(shapes: dict[str, list[int]], prefix: str) -> int | None:
    """The cross-attention context width of the first attn2.to_k under ``prefix``."""
    for key, shape in shapes.items():
        if key.startswith(prefix) and key.endswith("attn2.to_k.weight") and len(shape) == 2:
            return shape[1]
    return None


COMFY_PREFIX = "model.diffusion_model."  # ComfyUI's (and the LDM code's) diffusion-model prefix
_FLUX_JOINT_ATTENTION = re.compile(r"transformer_blocks\.\d+\.attn\.add_q_proj\.")


def flux_layout(keys: Iterable[str]) -> str | None:
    """ "bfl" for a FLUX.1 transformer in Black Forest Labs' layout (``double_blocks.*``),
    "diffusers" for diffusers' (``x_embedder`` with ``single_transformer_blocks.*`` or joint
    attention ``transformer_blocks.N.attn.add_q_proj``), else None; either may carry ComfyUI's
    ``model.diffusion_model.`` prefix. (FLUX ControlNets share diffusers' names: test for those
    first.)"""
    bare = {k.removeprefix(COMFY_PREFIX) for k in keys}
    if any(k.startswith("double_blocks.") for k in bare):
        return "bfl"
    if "x_embedder.weight" in bare and any(
        k.startswith("single_transformer_blocks.") or _FLUX_JOINT_ATTENTION.match(k) for k in bare
    ):
        return "diffusers"
    return None


def is_sdxl_refiner(shapes: dict[str, list[int]]) -> bool:
    """An SDXL refiner checkpoint: its UNet reads 2560 added values (pooled text and an aesthetic
    score), or its only text encoder is OpenCLIP bigG (``conditioner.embedders.0.model.*``, where
    the base model has CLIP-L at ``embedders.0`` and bigG at ``embedders.1``)."""
    label = shapes.get(COMFY_PREFIX + "label_emb.0.0.weight")
    if label is not None and len(label) == 2:
        return label[1] == 2560
    return _has(shapes, "conditioner.embedders.0.model.") and not _has(
        shapes, "conditioner.embedders.1."
    )


def classify_tensors(
    shapes: dict[str, list[int]], name: str
) -> tuple[str, ModelFamily, str | None, str]:
    """(role, family, variant, note) from a checkpoint's tensor names and shapes.

    Raises ``MODEL_INVALID`` naming what the file is when it is not a usable model (a LoRA, a
    VAE, a text encoder, a Stable Diffusion 2.x checkpoint, ...).
    """
    keys = list(shapes)
    # ControlNets: original layout, diffusers layout (SD1.5/SDXL), FLUX
    if _has(keys, "control_model."):
        dim = _context_dim(shapes, "control_model.")
        if dim == 1024:
            raise _invalid(f"{name} is a Stable Diffusion 2.x ControlNet (not supported)")
        family = ModelFamily.SDXL if dim == 2048 else ModelFamily.SD15
        return "controlnet", family, None, ""
    if _has(keys, "controlnet_x_embedder.", "controlnet_mode_embedder.") or (
        _has(keys, "controlnet_blocks.", "controlnet_single_blocks.")
        and _has(keys, "transformer_blocks.", "single_transformer_blocks.")
    ):
        union = _has(keys, "controlnet_mode_embedder.")
        return "controlnet", ModelFamily.FLUX, "union" if union else None, ""
    if _has(keys, "controlnet_cond_embedding."):
        dim = _context_dim(shapes, "down_blocks.")
        if dim == 1024:
            raise _invalid(f"{name} is a Stable Diffusion 2.x ControlNet (not supported)")
        sdxl = _has(keys, "add_embedding.") or dim == 2048
        union = _has(keys, "task_embedding", "control_add_embedding.")
        family = ModelFamily.SDXL if sdxl else ModelFamily.SD15
        return "controlnet", family, "union" if union else None, ""
    # LoRAs before anything else that shares their module names
    if any(".lora_down." in k or ".lora_A." in k or k.startswith("lora_unet_") for k in keys):
        raise _invalid(f"{name} is a LoRA, not a model (LoRAs are not supported yet)")
    # FLUX.1: the original (BFL) layout or diffusers', possibly under model.diffusion_model.
    layout = flux_layout(keys)
    if layout is not None:
        bare = {k.removeprefix(COMFY_PREFIX): v for k, v in shapes.items()}
        x_in = bare.get("img_in.weight") or bare.get("x_embedder.weight")
        if x_in and len(x_in) == 2 and x_in[1] == 384:
            variant = "fill"
        else:
            guided = _has(bare, "guidance_in.", "time_text_embed.guidance_embedder.")
            variant = "dev" if guided else "schnell"
        whole = _has(keys, "vae.", "first_stage_model.", "text_encoders.")
        return "base", ModelFamily.FLUX, variant, "" if whole else "transformer only"
    # Stable Diffusion UNets in the original (LDM) layout
    first = shapes.get("model.diffusion_model.input_blocks.0.0.weight")
    if first is not None:
        channels = first[1] if len(first) > 1 else 4
        has_text = _has(keys, "cond_stage_model.", "conditioner.")
        note = "" if has_text else "UNet only"
        label = shapes.get("model.diffusion_model.label_emb.0.0.weight")
        if _has(keys, "conditioner.embedders.") or label is not None:
            if channels == 9:
                variant = "inpainting"
            elif is_sdxl_refiner(shapes):
                variant = "refiner"
            else:
                variant = "base"
            return "base", ModelFamily.SDXL, variant, note
        dim = _context_dim(shapes, "model.diffusion_model.")
        if _has(keys, "cond_stage_model.model.") or dim == 1024:
            raise _invalid(f"{name} is a Stable Diffusion 2.x checkpoint, which is not supported")
        if channels == 8:
            raise _invalid(f"{name} is an InstructPix2Pix checkpoint, which is not supported")
        return "base", ModelFamily.SD15, "inpainting" if channels == 9 else "base", note
    if _has(keys, "encoder.down.", "encoder.down_blocks.", "decoder.up.", "first_stage_model."):
        raise _invalid(f"{name} is a VAE, not a whole model")
    if _has(keys, "conv_in.", "down_blocks.", "mid_block.") and _has(keys, "up_blocks."):
        raise _invalid(f"{name} is a UNet component in diffusers layout, not a whole model")
    if _has(keys, "encoder.block.", "text_model.", "shared.", "transformer.resblocks."):
        raise _invalid(f"{name} is a text encoder, not a whole model")
    raise _invalid(f"{name} is not a model F1 Studio recognises (no SD1.5, SDXL or FLUX.1 tensors)")


def _identify_file(path: Path, role_hint: str = "base") -> InstalledModel:
    suffix = path.suffix.lower()
    if suffix in PICKLE_SUFFIXES:
        return InstalledModel(
            name=path.name,
            location=str(path),
            role=role_hint if role_hint in ROLES else "base",
            family=None,
            variant=None,
            size_bytes=_size_on_disk([path]),
            format="single-file",
            pickled=True,
            note=PICKLED_NOTE,
        )
    if suffix != ".safetensors":
        raise _invalid(f"{path.name} is not a model file (.safetensors)")
    role, family, variant, note = classify_tensors(read_safetensors_header(path), path.name)
    return InstalledModel(
        name=path.name,
        location=str(path),
        role=role,
        family=family,
        variant=variant,
        size_bytes=_size_on_disk([path]),
        format="single-file",
        note=note,
    )


def identify(path: str | Path, *, role_hint: str = "base") -> InstalledModel:
    """What the model at ``path`` (a folder or a file) is; ``MODEL_INVALID`` with a clear message
    when it cannot be identified. Pickled files are described, never opened (``role_hint`` is
    their role, since nothing inside them is read)."""
    p = Path(os.path.expanduser(str(path)))
    if p.is_dir():
        if (p / "model_index.json").is_file():
            return _identify_pipeline(p)
        if (p / "config.json").is_file():
            return _identify_config_folder(p)
        raise _invalid(f"{p} is not a model folder (no model_index.json or config.json)")
    if p.is_file():
        return _identify_file(p, role_hint)
    raise EngineError(ErrorKind.MODEL_NOT_FOUND, f"{p} does not exist")


# ---- scanning -----------------------------------------------------------------------------
Skipped = list[tuple[str, str]]  # (location, why it was not listed)


def install_layout(folder: str | Path) -> tuple[str, list[tuple[Path, str]]] | None:
    """("a1111" | "comfyui", [(models sub-folder, role)]) when ``folder`` is the root (or the
    ``models`` folder) of an AUTOMATIC1111 or ComfyUI install, else None."""
    root = Path(folder)
    for models in (root / "models", root):
        found = [(models / sub, role) for sub, role in A1111_FOLDERS if (models / sub).is_dir()]
        if found and (models / A1111_FOLDERS[0][0]).is_dir():
            return "a1111", found
        found = [(models / sub, role) for sub, role in COMFYUI_FOLDERS if (models / sub).is_dir()]
        if found and (models / COMFYUI_FOLDERS[0][0]).is_dir():
            return "comfyui", found
    return None


def _is_model_dir(d: Path) -> bool:
    if (d / "model_index.json").is_file():
        return True
    config = _optional_json(d / "config.json") if (d / "config.json").is_file() else {}
    return bool(config) and (
        str(config.get("_class_name", "")).endswith(("ControlNetModel", "ControlNetUnionModel"))
        or _is_depth_config(config)
    )


def _listable(entry: Path, source: str, depth: int) -> bool:
    """Whether a file is a candidate model: ``.safetensors`` and ``.ckpt`` anywhere; other pickled
    suffixes (``.bin``, ``.pt``, ...) hold many things besides models, so they are listed in
    A1111/ComfyUI model folders and at the top of a user folder only."""
    suffix = entry.suffix.lower()
    if suffix in (".safetensors", ".ckpt"):
        return True
    return suffix in PICKLE_SUFFIXES and (source != "folder" or depth == 0)


def _walk(root: Path, source: str, role_hint: str, skipped: Skipped) -> list[InstalledModel]:
    found: list[InstalledModel] = []

    def add(path: Path) -> None:
        try:
            model = identify(path, role_hint=role_hint)
        except EngineError as e:
            skipped.append((str(path), e.message))
            return
        found.append(replace(model, source=source))

    if root.is_file():
        add(root)
        return found
    stack = [(root, 0)]
    visited = 0
    while stack and visited < MAX_FOLDERS:
        folder, depth = stack.pop()
        visited += 1
        if _is_model_dir(folder):
            add(folder)
            continue
        try:
            entries = sorted(folder.iterdir(), reverse=True)
        except OSError as e:
            skipped.append((str(folder), f"cannot read: {e.strerror or e}"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if is_dir:
                if depth < MAX_DEPTH and entry.name not in _SKIP_DIRS:
                    stack.append((entry, depth + 1))
            elif _listable(entry, source, depth):
                add(entry)
    return found


def scan_folder(folder: str | Path, skipped: Skipped | None = None) -> list[InstalledModel]:
    """Models in one folder: an install root (A1111/ComfyUI), a model folder or a folder of
    models. Problems go to ``skipped`` as (location, reason)."""
    skipped = [] if skipped is None else skipped
    root = Path(os.path.expanduser(str(folder)))
    if not root.exists():
        skipped.append((str(root), "does not exist"))
        return []
    layout = install_layout(root) if root.is_dir() else None
    if layout is None:
        return _walk(root, "folder", "base", skipped)
    source, parts = layout
    found: list[InstalledModel] = []
    for sub, role in parts:
        found.extend(_walk(sub, source, role, skipped))
    return found


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


def _pick_revision(repo: Any) -> Any:
    revisions = list(repo.revisions)
    with_main = [r for r in revisions if "main" in r.refs]
    if with_main:
        return with_main[0]
    return max(revisions, key=lambda r: r.last_modified) if revisions else None


def scan_hf_cache(skipped: Skipped | None = None) -> list[InstalledModel]:
    """Identified models in the Hugging Face cache (one entry per repository: the revision
    ``main`` points to, else the newest)."""
    skipped = [] if skipped is None else skipped
    cache = hf_cache_dir()
    if not cache.is_dir():
        return []
    from huggingface_hub import scan_cache_dir

    try:
        info = scan_cache_dir(cache)
    except Exception as e:  # noqa: BLE001 - a damaged cache must not break the listing
        skipped.append((str(cache), f"cannot read the Hugging Face cache: {e}"))
        return []
    found: list[InstalledModel] = []
    for repo in sorted(info.repos, key=lambda r: r.repo_id):
        if repo.repo_type != "model":
            continue
        revision = _pick_revision(repo)
        if revision is None:
            continue
        snapshot = Path(revision.snapshot_path)
        try:
            model = identify(snapshot)
        except EngineError as folder_error:
            # a repository of single files: list each checkpoint at the snapshot's top
            singles = sorted(snapshot.glob("*.safetensors"))
            if not singles:
                skipped.append((repo.repo_id, folder_error.message))
            for file in singles:
                try:
                    single = identify(file)
                except EngineError as e:
                    skipped.append((f"{repo.repo_id}/{file.name}", e.message))
                    continue
                found.append(
                    replace(
                        single,
                        name=f"{repo.repo_id}/{file.name}",
                        source="hf-cache",
                        hub_id=repo.repo_id,
                    )
                )
            continue
        found.append(
            replace(
                model,
                name=repo.repo_id,
                source="hf-cache",
                hub_id=repo.repo_id,
                size_bytes=revision.size_on_disk,
            )
        )
    return found


_ROLE_ORDER = {role: i for i, role in enumerate(ROLES)}
_FAMILY_ORDER = {family: i for i, family in enumerate(ModelFamily)}


def scan(
    folders: list[str] | None = None,
    include_hf_cache: bool = True,
    *,
    skipped: Skipped | None = None,
) -> list[InstalledModel]:
    """Every identifiable model in ``folders`` (default: ``AppSettings.model_folders``) and, with
    ``include_hf_cache``, in the Hugging Face cache. Nothing is copied or loaded. What could not be
    identified goes to ``skipped`` as (location, reason)."""
    if folders is None:
        from f1studio.appsettings import AppSettings

        folders = AppSettings.load().model_folders
    skipped = [] if skipped is None else skipped
    found: list[InstalledModel] = []
    for folder in folders:
        found.extend(scan_folder(folder, skipped))
    if include_hf_cache:
        found.extend(scan_hf_cache(skipped))
    unique: dict[str, InstalledModel] = {}
    for model in found:
        key = os.path.realpath(model.location)
        if key not in unique or model.source == "hf-cache":  # a cache entry knows its hub id
            unique[key] = model
    return sorted(
        unique.values(),
        key=lambda m: (
            _ROLE_ORDER.get(m.role, 9),
            _FAMILY_ORDER.get(m.family, 9) if m.family is not None else 9,
            m.name.lower(),
        ),
    )


def format_size(size: int | None) -> str:
    """``1.9 GB``, ``340 MB``, ``12 KB``, ``512 B``; ``?`` when unknown."""
    if size is None:
        return "?"
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if size >= scale:
            value = size / scale
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{size} B"
