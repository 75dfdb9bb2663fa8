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
(FLUX.1; :func:`~f1studio.engine.tensor_layouts.flux_transformer_variant` is the one place FLUX.1 Fill is told apart) and
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
    check_json_files,
    invalid_model,
    optional_json,
    pipeline_components,
    read_json,
    read_safetensors_header,
    weights_state,
)
from f1studio.engine.tensor_layouts import (
    classify_tensors,
    flux_transformer_variant,
)
from f1studio.engine.vision_encoders import find_encoder

ROLES = ("base", "controlnet", "depth-estimator", "tiny-vae", "ip-adapter", "image-encoder")
SOURCES = ("folder", "hf-cache", "a1111", "comfyui")
FORMATS = ("diffusers", "single-file")
PICKLED_NOTE = "pickled (not loaded unless allowed)"
INPAINTING_VARIANTS = ("inpainting", "fill")


@dataclass(frozen=True)
class InstalledModel:
    """One model on disk and what its configuration or tensors say it is."""

    name: str  # folder or file name; the repository id for the Hugging Face cache
    location: str  # the local folder or file (what to put in the settings to use it)
    role: str  # one of ROLES
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


_NO_WEIGHTS = re.compile(r"(Scheduler|Tokenizer\w*|Processor\w*|FeatureExtractor)$")


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


def _identify_pipeline(folder: Path) -> InstalledModel:
    index = read_json(folder / "model_index.json")
    if index.get("_class_name") == "FluxPriorReduxPipeline":  # reference pictures on FLUX.1
        pickled = _check_pipeline_parts(folder, index)
        return _found(folder, "ip-adapter", ModelFamily.FLUX, "redux", pickled=pickled)
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
def _identify_file(path: Path, role_hint: str = "base") -> InstalledModel:
    suffix = path.suffix.lower()
    if suffix in PICKLE_SUFFIXES:
        return _found(path, role_hint if role_hint in ROLES else "base", None, None, pickled=True)
    if suffix != ".safetensors":
        raise invalid_model(f"{path.name} is not a model file (.safetensors)")
    role, family, variant, note = classify_tensors(read_safetensors_header(path), path.name)
    if role == "ip-adapter":
        kind = "siglip" if variant == "redux" else "clip"
        try:
            find_encoder(path, kind)
        except EngineError:
            encoder = "CLIP vision" if kind == "clip" else "SigLIP"
            note = (
                f"needs its {encoder} encoder: an image_encoder folder beside it, or in "
                "models/clip_vision"
            )
    return _found(path, role, family, variant, note=note)


def identify(path: str | Path, *, role_hint: str = "base") -> InstalledModel:
    """What the model at ``path`` (a folder or a file) is; ``MODEL_INVALID`` with a clear message
    when it cannot be identified. Pickled files are described, never opened (``role_hint`` is
    their role, since nothing inside them is read). A model folder with a damaged JSON file (at
    its top or in a component folder) is ``MODEL_INVALID`` naming that file, as loading it would
    be (:func:`~f1studio.engine.model_files.check_json_files`), so that it is never listed or
    chosen as a usable model."""
    p = Path(os.path.expanduser(str(path)))
    if p.is_dir():
        if (p / "model_index.json").is_file():
            check_json_files(p)
            return _identify_pipeline(p)
        if (p / "config.json").is_file():
            check_json_files(p)
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
