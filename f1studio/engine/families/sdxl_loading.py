"""Loading SDXL models: diffusers folders and single-file checkpoints, base models and ControlNets.

A single file holds only weights; diffusers builds the pipeline from the configuration files of
the model family (JSON and tokenizer files, a few hundred KB). Where they come from, first that
exists: the ``config`` argument, $F1STUDIO_SDXL_CONFIG, the repository diffusers itself uses in
the local Hugging Face cache; online, diffusers fetches that repository's files.

A refiner checkpoint (only the OpenCLIP bigG text encoder, an aesthetic-score condition) loads as
an img2img pipeline described by the refiner's configuration. A folder downloaded with only the
``fp16`` weights of some components (what the model manager fetches for SDXL) loads that variant.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from f1studio.engine.catalog import is_sdxl_refiner
from f1studio.engine.downloads import folder_variant
from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.families.base import ModelFamily
from f1studio.engine.families.sd15_loading import (
    _CONFIG_FILES,
    _cached_config,
    _controlnet_shapes,
    _read_config,
    _unet_with_channels,
)
from f1studio.engine.models import (
    _check_folder_weights,
    _looks_like_hub_id,
    _offline,
    _safetensors_shapes,
    detect_family,
)

SDXL_CONFIG_ENV = "F1STUDIO_SDXL_CONFIG"
SDXL_CONFIG_REPOS = ("stabilityai/stable-diffusion-xl-base-1.0",)
SDXL_INPAINT_CONFIG_REPOS = ("diffusers/stable-diffusion-xl-1.0-inpainting-0.1",)
SDXL_REFINER_CONFIG_REPOS = ("stabilityai/stable-diffusion-xl-refiner-1.0",)
SDXL_CONTROLNET_CONFIG_REPOS = ("diffusers/controlnet-canny-sdxl-1.0",)
_UNET_CONV_IN = "model.diffusion_model.input_blocks.0.0.weight"


def _pipeline_class(location: str, inpainting: bool) -> Any:
    """The diffusers class for a folder: the inpainting pipeline for 9-channel UNets, the img2img
    one for folders that name it (refiner-like models with an aesthetic-score condition)."""
    import diffusers

    if inpainting:
        return diffusers.StableDiffusionXLInpaintPipeline
    index = _read_config(Path(location) / "model_index.json") or {}
    if index.get("_class_name") == "StableDiffusionXLImg2ImgPipeline":
        return diffusers.StableDiffusionXLImg2ImgPipeline
    return diffusers.StableDiffusionXLPipeline


def _file_is_inpainting(location: str) -> bool:
    if Path(location).suffix.lower() != ".safetensors":
        return False
    shape = _safetensors_shapes(location).get(_UNET_CONV_IN, [0, 4])
    return len(shape) > 1 and shape[1] == 9


def _file_is_refiner(location: str) -> bool:
    if Path(location).suffix.lower() != ".safetensors":
        return False
    return is_sdxl_refiner(_safetensors_shapes(location))


def load_sdxl(
    location: str, dtype: Any, allow_pickle: bool, inpainting: bool, config: str | None = None
) -> Any:
    """An SDXL pipeline from a checked local folder or a single-file checkpoint."""
    # no invisible watermark: it would alter every picture the user paints
    common = dict(dtype=dtype, add_watermarker=False, local_files_only=_offline())
    if Path(location).is_dir():
        _check_folder_weights(location, allow_pickle)
        cls = _pipeline_class(location, inpainting)
        variant = folder_variant(location)
        if variant is not None:
            common["variant"] = variant
        return cls.from_pretrained(location, use_safetensors=not allow_pickle, **common)
    import diffusers

    inpainting = inpainting or _file_is_inpainting(location)
    refiner = not inpainting and _file_is_refiner(location)
    if inpainting:
        cls = diffusers.StableDiffusionXLInpaintPipeline
    elif refiner:
        cls = diffusers.StableDiffusionXLImg2ImgPipeline
    else:
        cls = diffusers.StableDiffusionXLPipeline
    folder = _single_file_config(location, inpainting, config, refiner)
    parts: dict[str, Any] = {}
    if folder is not None:
        unet = _unet_with_channels(location, folder, dtype, 9 if inpainting else 4)
        if unet is not None:
            parts["unet"] = unet
    return cls.from_single_file(location, config=folder, **parts, **common)


# --- configurations for single-file checkpoints ---------------------------------------------


def _user_config(config: str | None) -> tuple[str, str] | None:
    """(value, where it was set) for a configuration the user chose, if any."""
    if config:
        return config, "the config setting"
    value = os.environ.get(SDXL_CONFIG_ENV, "").strip()
    return (value, SDXL_CONFIG_ENV) if value else None


def _config_folder(value: str, origin: str, markers: tuple[str, ...]) -> str:
    """A local folder for a user-chosen configuration: a folder, or a hub id (cached or fetched)."""
    path = Path(os.path.expanduser(value))
    if path.is_dir():
        return str(path)
    if path.exists() or not _looks_like_hub_id(value):
        raise EngineError(
            ErrorKind.MODEL_NOT_FOUND,
            f"SDXL configuration {value} (from {origin}) not found: use a local diffusers SDXL "
            "folder or a Hugging Face id",
        )
    cached = _cached_config(value, *markers)
    if cached is not None:
        return cached
    if _offline():
        raise EngineError(
            ErrorKind.OFFLINE,
            f"SDXL configuration {value} (from {origin}) is not in the local Hugging Face cache "
            f"and the machine is offline; fetch it once online or set {SDXL_CONFIG_ENV} to a "
            "local diffusers SDXL folder",
        )
    from huggingface_hub import snapshot_download

    try:
        return str(snapshot_download(value, allow_patterns=_CONFIG_FILES))
    except Exception as e:  # noqa: BLE001
        raise EngineError(
            ErrorKind.OFFLINE,
            f"could not fetch SDXL configuration {value} (from {origin}) "
            f"({type(e).__name__}); check the id and your connection, or use a local folder",
        ) from e


def _missing_config(location: str, what: str, repo: str) -> EngineError:
    return EngineError(
        ErrorKind.OFFLINE,
        f"{Path(location).name} is a single-file SDXL {what}: its SDXL configuration files are "
        "needed once and are not on this machine; online they are fetched automatically, "
        f"offline set {SDXL_CONFIG_ENV} to a local diffusers SDXL folder (e.g. {repo} without "
        "the weights)",
    )


def _is_refiner_config(folder: str) -> bool:
    """A refiner configuration: no first (CLIP-L) text encoder, an aesthetic-score condition."""
    index = _read_config(Path(folder) / "model_index.json") or {}
    encoder = index.get("text_encoder")
    return bool(index.get("requires_aesthetics_score")) or (
        "text_encoder" in index and (not isinstance(encoder, list) or encoder[0] is None)
    )


def _single_file_config(
    location: str, inpainting: bool, config: str | None, refiner: bool = False
) -> str | None:
    """A local configuration folder for a single-file SDXL checkpoint, or None when online and
    nothing is cached (diffusers then fetches its standard configuration)."""
    user = _user_config(config)
    if user is not None:
        folder = _config_folder(*user, markers=("model_index.json",))
        if not (Path(folder) / "model_index.json").is_file():
            raise EngineError(
                ErrorKind.MODEL_INVALID,
                f"{folder} (from {user[1]}) is not a diffusers SDXL folder (no model_index.json)",
            )
        family, _ = detect_family(folder)
        if family != ModelFamily.SDXL:
            raise EngineError(
                ErrorKind.MODEL_INVALID,
                f"{folder} (from {user[1]}) is a {family.label} configuration, not SDXL",
            )
        if _is_refiner_config(folder) != refiner:
            what, other = ("a refiner", "base") if refiner else ("a base model", "refiner")
            wanted = (SDXL_REFINER_CONFIG_REPOS if refiner else SDXL_CONFIG_REPOS)[0]
            raise EngineError(
                ErrorKind.MODEL_INVALID,
                f"{Path(location).name} is {what} but {folder} (from {user[1]}) is an SDXL "
                f"{other} configuration; use one like {wanted}",
            )
        return folder
    if refiner:
        repos = SDXL_REFINER_CONFIG_REPOS
    elif inpainting:
        repos = SDXL_INPAINT_CONFIG_REPOS + SDXL_CONFIG_REPOS
    else:
        repos = SDXL_CONFIG_REPOS
    for repo in repos:
        folder = _cached_config(repo, "model_index.json")
        if folder is not None:
            return folder
    if not _offline():
        return None
    raise _missing_config(location, "refiner" if refiner else "checkpoint", repos[0])


# --- ControlNets ------------------------------------------------------------------------------


def _controlnet_config_from(folder: str, location: str, origin: str) -> str | dict[str, Any]:
    """A ControlNet folder as it is, or, from an SDXL pipeline folder, the configuration of a
    ControlNet mirroring its UNet (what ``ControlNetModel.from_unet`` does) sized to the file."""
    path = Path(folder)
    kind = (_read_config(path / "config.json") or {}).get("_class_name")
    if kind == "ControlNetModel":
        return folder
    _refuse_union(kind, location)
    unet = _read_config(path / "unet" / "config.json")
    if unet is None or not (path / "model_index.json").is_file():
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{folder} (from {origin}) is neither a diffusers SDXL folder nor a ControlNet folder",
        )
    import inspect

    from diffusers import ControlNetModel

    accepted = inspect.signature(ControlNetModel.__init__).parameters
    derived = {k: v for k, v in unet.items() if k in accepted and k != "self"}
    derived.update(_controlnet_shapes(location))
    derived["_class_name"] = "ControlNetModel"
    return derived


def _refuse_union(class_name: str | None, location: str) -> None:
    if class_name == "ControlNetUnionModel":
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{Path(location).name} is a union ControlNet, which SDXL guides cannot use yet: "
            "choose a ControlNet for one kind of guide",
        )


def _controlnet_single_file_config(location: str, config: str | None) -> str | dict | None:
    user = _user_config(config)
    if user is not None:
        folder = _config_folder(*user, markers=("config.json", "model_index.json"))
        return _controlnet_config_from(folder, location, user[1])
    _controlnet_shapes(location)  # a ControlNet at all?
    for repo in SDXL_CONTROLNET_CONFIG_REPOS:
        folder = _cached_config(repo, "config.json")
        if folder is not None:
            return folder
    for repo in SDXL_CONFIG_REPOS:
        folder = _cached_config(repo, "model_index.json")
        if folder is not None:
            return _controlnet_config_from(folder, location, "the Hugging Face cache")
    if not _offline():
        return None
    raise _missing_config(location, "ControlNet", SDXL_CONFIG_REPOS[0])


def load_sdxl_controlnet(location: str, dtype: Any, allow_pickle: bool, config: str | None) -> Any:
    """An SDXL ControlNet from a checked local folder or a single file."""
    from diffusers import ControlNetModel

    if Path(location).is_dir():
        _refuse_union(
            (_read_config(Path(location) / "config.json") or {}).get("_class_name"), location
        )
        return ControlNetModel.from_pretrained(
            location,
            torch_dtype=dtype,
            use_safetensors=not allow_pickle,
            local_files_only=_offline(),
        )
    found = _controlnet_single_file_config(location, config)
    with tempfile.TemporaryDirectory(prefix="f1studio-controlnet-") as scratch:
        if isinstance(found, dict):  # from_single_file reads configurations from folders only
            (Path(scratch) / "config.json").write_text(json.dumps(found), "utf-8")
            found = scratch
        return ControlNetModel.from_single_file(
            location, config=found, torch_dtype=dtype, local_files_only=_offline()
        )
