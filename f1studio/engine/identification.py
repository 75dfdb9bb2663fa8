"""What a model on disk is, read from its configuration files or its tensor names, never from its
name and without loading any weights: the one identification that the catalog, the loaders, the
model cache and the window use. No Qt, no torch.

- a diffusers pipeline folder by its ``model_index.json`` (and its components' configurations);
- a ControlNet or depth-estimator folder by its ``config.json``;
- a single ``.safetensors`` file by its tensor names and shapes (:func:`classify_tensors`), read
  from the file's JSON header;
- pickled files (``.ckpt``/``.bin``/``.pt``/``.pth``) are described, never opened.

The variant (:class:`InstalledModel` ``variant``) says which model of a family it is: ``base``,
``inpainting`` or ``refiner`` (SD1.5/SDXL), ``dev``, ``schnell``, ``fill`` or ``control``
(FLUX.1; :func:`flux_transformer_variant` is the one place FLUX.1 Fill is told apart) and
``union`` (ControlNets).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.family_table import ModelFamily
from f1studio.engine.model_files import (
    PICKLE_SUFFIXES,
    invalid_model,
    optional_json,
    pipeline_components,
    read_json,
    read_safetensors_header,
    weights_state,
)

ROLES = ("base", "controlnet", "depth-estimator", "tiny-vae")
SOURCES = ("folder", "hf-cache", "a1111", "comfyui")
FORMATS = ("diffusers", "single-file")
PICKLED_NOTE = "pickled (not loaded unless allowed)"
INPAINTING_VARIANTS = ("inpainting", "fill")


@dataclass(frozen=True)
class InstalledModel:
    """One model on disk and what its configuration or tensors say it is."""

    name: str  # folder or file name; the repository id for the Hugging Face cache
    location: str  # the local folder or file (what to put in the settings to use it)
    role: str  # "base" | "controlnet" | "depth-estimator" | "tiny-vae"
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
        by_id = self.role in ("base", "depth-estimator", "tiny-vae") and self.format == "diffusers"
        if self.source == "hf-cache" and self.hub_id and by_id:
            return self.hub_id
        return self.location

    @property
    def where(self) -> str:
        """Where it was found, for tables: the source and the location."""
        return f"{self.source}: {self.location}"

    @property
    def is_inpainting(self) -> bool:
        """A model that inpaints from a mask (SD inpainting UNets, FLUX.1 Fill)."""
        return self.variant in INPAINTING_VARIANTS


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


def _found(
    path: Path,
    role: str,
    family: ModelFamily | None,
    variant: str | None,
    *,
    pickled: bool = False,
    note: str = "",
) -> InstalledModel:
    """What was found at ``path`` (a diffusers folder or a single file), with its size."""
    folder = path.is_dir()
    files = [p for p in path.rglob("*") if p.is_file()] if folder else [path]
    return InstalledModel(
        name=path.name,
        location=str(path),
        role=role,
        family=family,
        variant=variant,
        size_bytes=_size_on_disk(files),
        format="diffusers" if folder else "single-file",
        pickled=pickled,
        note=PICKLED_NOTE if pickled else note,
    )


_SD15_PIPELINES = set(ModelFamily.SD15.pipeline_classes) | {
    "StableDiffusionControlNetImg2ImgPipeline",
    "StableDiffusionControlNetInpaintPipeline",
}


# ---- diffusers folders -------------------------------------------------------------------
def _pipeline_family(class_name: Any, folder: Path) -> ModelFamily:
    if isinstance(class_name, (list, tuple)):
        raise invalid_model(f"{folder.name} needs custom pipeline code, which F1 Studio never runs")
    name = str(class_name)
    if name in ModelFamily.SDXL.pipeline_classes or name.startswith("StableDiffusionXL"):
        return ModelFamily.SDXL
    if name in ModelFamily.FLUX.pipeline_classes or re.fullmatch(r"Flux\w*Pipeline", name):
        return ModelFamily.FLUX
    if name in _SD15_PIPELINES:
        unet = optional_json(folder / "unet" / "config.json")
        if unet.get("cross_attention_dim") == 1024:
            raise invalid_model(
                f"{folder.name} is a Stable Diffusion 2.x model, which is not supported"
            )
        return ModelFamily.SD15
    raise invalid_model(
        f"{folder.name}: unknown pipeline type {name!r} (F1 Studio reads SD1.5, SDXL and FLUX.1)"
    )


def pipeline_family(folder: str | Path) -> ModelFamily:
    """The family of a diffusers pipeline folder from its ``model_index.json`` alone (a folder
    of configuration files without the weights will do)."""
    path = Path(folder)
    return _pipeline_family(read_json(path / "model_index.json").get("_class_name", ""), path)


_NO_WEIGHTS = re.compile(r"(Scheduler|Tokenizer\w*|Processor|FeatureExtractor)$")


def _check_pipeline_parts(folder: Path, index: dict[str, Any]) -> bool:
    """Raise when a component is missing (an unfinished download); True if weights are pickled."""
    pickled = False
    for name in pipeline_components(index):
        part = folder / name
        if not part.is_dir() or not any(part.iterdir()):
            raise invalid_model(
                f"{folder.name} is incomplete: {name}/ is missing (unfinished download?)"
            )
        if _NO_WEIGHTS.search(str(index[name][1])):
            continue
        state = weights_state(part)
        if state == "missing":
            raise invalid_model(
                f"{folder.name} is incomplete: {name}/ has no weights (unfinished download?)"
            )
        pickled = pickled or state == "pickled"
    return pickled


FLUX_PACKED_CHANNELS = 64  # what a FLUX.1 transformer outputs: 16 latent channels in 2x2 patches


def flux_transformer_variant(config: Mapping[str, Any]) -> str | None:
    """The variant of a FLUX.1 transformer from its configuration (a ``config.json``, a loaded
    transformer's ``config``, or :func:`flux_transformer_config` of a checkpoint's tensors):
    ``fill`` (reads noisy latents + masked-image latents + mask patches: more extra input than
    output channels), ``control`` (FLUX.1 Depth/Canny: latents + a control image), else ``dev``
    (a guidance embedding) or ``schnell``; None when the configuration does not say."""
    inputs = int(config.get("in_channels") or FLUX_PACKED_CHANNELS)
    outputs = int(config.get("out_channels") or FLUX_PACKED_CHANNELS)
    extra = inputs - outputs
    if extra > 0:
        return "fill" if extra > outputs else "control"
    guidance = config.get("guidance_embeds")
    if guidance is None:
        return None
    return "dev" if guidance else "schnell"


def _identify_pipeline(folder: Path) -> InstalledModel:
    index = read_json(folder / "model_index.json")
    family = _pipeline_family(index.get("_class_name", ""), folder)
    pickled = _check_pipeline_parts(folder, index)
    class_name = str(index.get("_class_name", ""))
    variant: str | None
    if family is ModelFamily.FLUX:
        # from the transformer alone, as the loader decides (so the two cannot disagree)
        variant = flux_transformer_variant(optional_json(folder / "transformer" / "config.json"))
    else:
        unet = optional_json(folder / "unet" / "config.json")
        if unet.get("in_channels") == 9 or "Inpaint" in class_name:
            variant = "inpainting"
        elif family is ModelFamily.SDXL and index.get("requires_aesthetics_score"):
            variant = "refiner"
        else:
            variant = "base"
    return _found(folder, "base", family, variant, pickled=pickled)


_COMPONENT_CLASSES = re.compile(r"(UNet\w*Model|Autoencoder\w*|\w*Transformer\w*Model)$")


def tiny_vae_family(config: Mapping[str, Any], name: str) -> ModelFamily:
    """The family whose latents a tiny VAE (``AutoencoderTiny``) decodes: 16 channels FLUX.1;
    4 channels SD1.5, or SDXL when its name says so (TAESD and TAESDXL have the same shapes)."""
    if config.get("latent_channels") == 16:
        return ModelFamily.FLUX
    return ModelFamily.SDXL if "xl" in name.lower() else ModelFamily.SD15


def is_depth_config(config: Mapping[str, Any]) -> bool:
    """A depth estimator's ``config.json`` (transformers' ``*ForDepthEstimation`` models)."""
    archs = config.get("architectures") or []
    return any(str(a).endswith("ForDepthEstimation") for a in archs) or config.get(
        "model_type"
    ) in ("depth_anything", "dpt", "zoedepth", "glpn")


def _identify_config_folder(folder: Path) -> InstalledModel:
    config = read_json(folder / "config.json")
    class_name = str(config.get("_class_name", ""))
    family: ModelFamily | None
    variant: str | None = None
    if class_name == "ControlNetModel":
        role = "controlnet"
        if config.get("cross_attention_dim") == 1024 and not config.get("addition_embed_type"):
            raise invalid_model(
                f"{folder.name} is a Stable Diffusion 2.x ControlNet (not supported)"
            )
        sdxl = config.get("addition_embed_type") == "text_time"
        sdxl = sdxl or config.get("cross_attention_dim") == 2048
        family = ModelFamily.SDXL if sdxl else ModelFamily.SD15
    elif class_name == "ControlNetUnionModel":
        role, family, variant = "controlnet", ModelFamily.SDXL, "union"
    elif class_name == "FluxControlNetModel":
        role, family = "controlnet", ModelFamily.FLUX
        variant = "union" if config.get("num_mode") else None
    elif is_depth_config(config):
        role, family = "depth-estimator", None
    elif class_name == "AutoencoderTiny":  # TAESD, TAESDXL (same shapes: told by name), TAEF1
        cached = folder.parent.name == "snapshots"  # the HF cache: the repository names it
        name = folder.parent.parent.name if cached else folder.name
        role, family = "tiny-vae", tiny_vae_family(config, name)
    elif _COMPONENT_CLASSES.match(class_name) or config.get("architectures"):
        what = class_name or ", ".join(map(str, config.get("architectures", [])))
        raise invalid_model(f"{folder.name} is a model component ({what}), not a whole model")
    else:
        raise invalid_model(f"{folder.name} is not a model folder F1 Studio recognises")
    state = weights_state(folder)
    if state == "missing":
        raise invalid_model(f"{folder.name} has no weights (an unfinished download?)")
    return _found(folder, role, family, variant, pickled=state == "pickled")


# ---- single files ------------------------------------------------------------------------
def _has(keys: Iterable[str], *prefixes: str) -> bool:
    return any(k.startswith(prefixes) for k in keys)


def _context_dim(shapes: dict[str, list[int]], prefix: str) -> int | None:
    """The cross-attention context width of the first attn2.to_k under ``prefix``."""
    for key, shape in shapes.items():
        if key.startswith(prefix) and key.endswith("attn2.to_k.weight") and len(shape) == 2:
            return shape[1]
    return None


COMFY_PREFIX = "model.diffusion_model."  # ComfyUI's (and the LDM code's) diffusion-model prefix
UNET_CONV_IN = COMFY_PREFIX + "input_blocks.0.0.weight"  # an LDM UNet's first convolution
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


def flux_transformer_config(shapes: Mapping[str, list[int]]) -> dict[str, Any]:
    """What a FLUX.1 checkpoint's tensors fix of its transformer's configuration (BFL's or
    diffusers' names, with or without ComfyUI's prefix): ``guidance_embeds``, and
    ``in_channels``/``out_channels`` where the image input/output layers are there."""
    bare = {k.removeprefix(COMFY_PREFIX): v for k, v in shapes.items()}
    guidance = _has(bare, "guidance_in.", "time_text_embed.guidance_embedder.")
    config: dict[str, Any] = {"guidance_embeds": guidance}
    x_in = bare.get("img_in.weight") or bare.get("x_embedder.weight")
    out = bare.get("final_layer.linear.weight") or bare.get("proj_out.weight")
    if x_in and len(x_in) == 2:
        config["in_channels"] = x_in[1]
    if out:
        config["out_channels"] = out[0]
    return config


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
            raise invalid_model(f"{name} is a Stable Diffusion 2.x ControlNet (not supported)")
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
            raise invalid_model(f"{name} is a Stable Diffusion 2.x ControlNet (not supported)")
        sdxl = _has(keys, "add_embedding.") or dim == 2048
        union = _has(keys, "task_embedding", "control_add_embedding.")
        family = ModelFamily.SDXL if sdxl else ModelFamily.SD15
        return "controlnet", family, "union" if union else None, ""
    # LoRAs before anything else that shares their module names
    if any(".lora_down." in k or ".lora_A." in k or k.startswith("lora_unet_") for k in keys):
        raise invalid_model(f"{name} is a LoRA, not a model (LoRAs are not supported yet)")
    # FLUX.1: the original (BFL) layout or diffusers', possibly under model.diffusion_model.
    layout = flux_layout(keys)
    if layout is not None:
        variant = flux_transformer_variant(flux_transformer_config(shapes))
        whole = _has(keys, "vae.", "first_stage_model.", "text_encoders.")
        return "base", ModelFamily.FLUX, variant, "" if whole else "transformer only"
    # Stable Diffusion UNets in the original (LDM) layout
    first = shapes.get(UNET_CONV_IN)
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
            raise invalid_model(
                f"{name} is a Stable Diffusion 2.x checkpoint, which is not supported"
            )
        if channels == 8:
            raise invalid_model(f"{name} is an InstructPix2Pix checkpoint, which is not supported")
        return "base", ModelFamily.SD15, "inpainting" if channels == 9 else "base", note
    if _has(keys, "encoder.down.", "encoder.down_blocks.", "decoder.up.", "first_stage_model."):
        raise invalid_model(f"{name} is a VAE, not a whole model")
    if _has(keys, "conv_in.", "down_blocks.", "mid_block.") and _has(keys, "up_blocks."):
        raise invalid_model(f"{name} is a UNet component in diffusers layout, not a whole model")
    if _has(keys, "encoder.block.", "text_model.", "shared.", "transformer.resblocks."):
        raise invalid_model(f"{name} is a text encoder, not a whole model")
    raise invalid_model(
        f"{name} is not a model F1 Studio recognises (no SD1.5, SDXL or FLUX.1 tensors)"
    )


def _identify_file(path: Path, role_hint: str = "base") -> InstalledModel:
    suffix = path.suffix.lower()
    if suffix in PICKLE_SUFFIXES:
        return _found(path, role_hint if role_hint in ROLES else "base", None, None, pickled=True)
    if suffix != ".safetensors":
        raise invalid_model(f"{path.name} is not a model file (.safetensors)")
    role, family, variant, note = classify_tensors(read_safetensors_header(path), path.name)
    return _found(path, role, family, variant, note=note)


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
        raise invalid_model(f"{p} is not a model folder (no model_index.json or config.json)")
    if p.is_file():
        return _identify_file(p, role_hint)
    raise EngineError(ErrorKind.MODEL_NOT_FOUND, f"{p} does not exist")


def detect_family(location: str | Path) -> tuple[ModelFamily, bool]:
    """(family, is_inpainting) of a base model to load, from :func:`identify`: a ControlNet or a
    depth estimator is ``MODEL_INVALID``; a pickled file the user allowed (never opened) is taken
    for SD1.5."""
    model = identify(location)
    if model.role != "base":
        what = "a ControlNet" if model.role == "controlnet" else "a depth estimator"
        where = "a guide's ControlNet" if model.role == "controlnet" else "the depth estimator"
        raise invalid_model(f"{model.name} is {what}, not a base model: choose it as {where}")
    return model.family or ModelFamily.SD15, model.is_inpainting
