"""Loading Stable Diffusion 1.5 models: diffusers folders and single-file checkpoints.

A single file holds only weights; diffusers builds the pipeline from the configuration files
of the model family (JSON and tokenizer files, a few hundred KB). Where they come from, first
that exists: the ``config`` argument, $F1STUDIO_SD15_CONFIG, the repository diffusers itself
uses in the local Hugging Face cache; online, diffusers fetches that repository's files.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.families.base import ModelFamily
from f1studio.engine.models import (
    _check_folder_weights,
    _looks_like_hub_id,
    _offline,
    _safetensors_shapes,
    detect_family,
)
from f1studio.engine.previews import read_latent_rgb


def load_sd15(
    location: str, dtype: Any, allow_pickle: bool, inpainting: bool, config: str | None = None
) -> Any:
    from diffusers import StableDiffusionInpaintPipeline, StableDiffusionPipeline

    cls = StableDiffusionInpaintPipeline if inpainting else StableDiffusionPipeline
    common = dict(
        torch_dtype=dtype,
        safety_checker=None,
        requires_safety_checker=False,
        local_files_only=_offline(),
    )
    if Path(location).is_dir():
        _check_folder_weights(location, allow_pickle)
        pipe = cls.from_pretrained(location, use_safetensors=not allow_pickle, **common)
        pipe.f1_latent_rgb = read_latent_rgb(location)  # the model's own preview colours
        return pipe
    folder = _sd15_single_file_config(location, inpainting, config)
    parts: dict[str, Any] = {"feature_extractor": None}  # only the safety checker uses it
    if folder is not None:
        unet = _unet_with_channels(location, folder, dtype, 9 if inpainting else 4)
        if unet is not None:
            parts["unet"] = unet
    return cls.from_single_file(location, config=folder, **parts, **common)


# --- configurations for single-file checkpoints ---------------------------------------------
#
# A single file holds only weights; diffusers builds the pipeline from the configuration files
# of the model family (JSON and tokenizer files, a few hundred KB). Where they come from, first
# that exists: the ``config`` argument, $F1STUDIO_SD15_CONFIG, the repository diffusers itself
# uses in the local Hugging Face cache; online, diffusers fetches that repository's files.

SD15_CONFIG_ENV = "F1STUDIO_SD15_CONFIG"
SD15_CONFIG_REPOS = (
    "stable-diffusion-v1-5/stable-diffusion-v1-5",
    "runwayml/stable-diffusion-v1-5",
)
SD15_INPAINT_CONFIG_REPOS = (
    "stable-diffusion-v1-5/stable-diffusion-inpainting",
    "runwayml/stable-diffusion-inpainting",
)
SD15_CONTROLNET_CONFIG_REPOS = ("lllyasviel/control_v11p_sd15_canny",)
_CONFIG_FILES = ["*.json", "*/*.json", "*.txt", "*/*.txt", "*/*.model"]


def _cached_config(repo_id: str, *markers: str) -> str | None:
    """The folder of ``repo_id``'s files in the local Hugging Face cache, if one of ``markers``
    (file names) is there."""
    from huggingface_hub import snapshot_download

    try:
        folder = snapshot_download(repo_id, local_files_only=True, allow_patterns=_CONFIG_FILES)
    except Exception:  # noqa: BLE001 - any miss means "not cached"
        return None
    return folder if any((Path(folder) / m).is_file() for m in markers) else None


def _user_config(config: str | None) -> tuple[str, str] | None:
    """(value, where it was set) for a configuration the user chose, if any."""
    if config:
        return config, "the config setting"
    value = os.environ.get(SD15_CONFIG_ENV, "").strip()
    return (value, SD15_CONFIG_ENV) if value else None


def _config_folder(value: str, origin: str, markers: tuple[str, ...]) -> str:
    """A local folder for a user-chosen configuration: a folder, or a hub id (cached or fetched)."""
    path = Path(os.path.expanduser(value))
    if path.is_dir():
        return str(path)
    if path.exists() or not _looks_like_hub_id(value):
        raise EngineError(
            ErrorKind.MODEL_NOT_FOUND,
            f"SD1.5 configuration {value} (from {origin}) not found: use a local diffusers SD1.5 "
            "folder or a Hugging Face id",
        )
    cached = _cached_config(value, *markers)
    if cached is not None:
        return cached
    if _offline():
        raise EngineError(
            ErrorKind.OFFLINE,
            f"SD1.5 configuration {value} (from {origin}) is not in the local Hugging Face cache "
            f"and the machine is offline; fetch it once online or set {SD15_CONFIG_ENV} to a "
            "local diffusers SD1.5 folder",
        )
    from huggingface_hub import snapshot_download

    try:
        return str(snapshot_download(value, allow_patterns=_CONFIG_FILES))
    except Exception as e:  # noqa: BLE001
        raise EngineError(
            ErrorKind.OFFLINE,
            f"could not fetch SD1.5 configuration {value} (from {origin}) "
            f"({type(e).__name__}); check the id and your connection, or use a local folder",
        ) from e


def _missing_config(location: str, what: str, repo: str) -> EngineError:
    return EngineError(
        ErrorKind.OFFLINE,
        f"{Path(location).name} is a single-file {what}: its SD1.5 configuration files are "
        "needed once and are not on this machine; online they are fetched automatically, "
        f"offline set {SD15_CONFIG_ENV} to a local diffusers SD1.5 folder (e.g. {repo} "
        "without the weights)",
    )


def _sd15_single_file_config(location: str, inpainting: bool, config: str | None) -> str | None:
    """A local configuration folder for a single-file SD1.5 checkpoint, or None when online and
    nothing is cached (diffusers then fetches its standard configuration)."""
    user = _user_config(config)
    if user is not None:
        folder = _config_folder(*user, markers=("model_index.json",))
        if not (Path(folder) / "model_index.json").is_file():
            raise EngineError(
                ErrorKind.MODEL_INVALID,
                f"{folder} (from {user[1]}) is not a diffusers SD1.5 folder (no model_index.json)",
            )
        family, _ = detect_family(folder)
        if family != ModelFamily.SD15:
            raise EngineError(
                ErrorKind.MODEL_INVALID,
                f"{folder} (from {user[1]}) is a {family.label} configuration, not SD1.5",
            )
        return folder
    repos = SD15_INPAINT_CONFIG_REPOS + SD15_CONFIG_REPOS if inpainting else SD15_CONFIG_REPOS
    for repo in repos:
        folder = _cached_config(repo, "model_index.json")
        if folder is not None:
            return folder
    if not _offline():
        return None
    raise _missing_config(location, "checkpoint", repos[0])


def _unet_with_channels(location: str, folder: str, dtype: Any, channels: int) -> Any:
    """The checkpoint's UNet when the configuration's input channels differ from the checkpoint
    (an inpainting file described by a plain SD1.5 folder, or the other way round), else None."""
    unet_config = _read_config(Path(folder) / "unet" / "config.json")
    if unet_config is None or unet_config.get("in_channels", channels) == channels:
        return None  # as configured (a missing file is reported by diffusers)
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel.from_single_file(
        location,
        config=folder,
        subfolder="unet",
        in_channels=channels,
        torch_dtype=dtype,
        local_files_only=True,
    )


def _controlnet_shapes(location: str) -> dict[str, Any]:
    """The ControlNet settings a checkpoint's tensor shapes fix (for a configuration derived
    from an SD1.5 UNet), after checking that it is a ControlNet at all."""
    if Path(location).suffix.lower() != ".safetensors":
        return {}  # a pickled file the user allowed; the SD1.5 defaults apply
    shapes = _safetensors_shapes(location)
    if any(k.startswith("control_model.") for k in shapes):  # the original layout
        pattern = re.compile(r"control_model\.input_hint_block\.(\d+)\.weight")
        hint = sorted((int(m.group(1)), s) for k, s in shapes.items() if (m := pattern.match(k)))
        hint = hint[:-1]  # the last conv maps to the UNet's width
        conv_in = "control_model.input_blocks.0.0.weight"
    elif "controlnet_cond_embedding.conv_in.weight" in shapes:  # diffusers names in one file
        pattern = re.compile(r"controlnet_cond_embedding\.blocks\.(\d+)\.weight")
        blocks = sorted((int(m.group(1)), s) for k, s in shapes.items() if (m := pattern.match(k)))
        hint = [(-1, shapes["controlnet_cond_embedding.conv_in.weight"])] + blocks
        conv_in = "conv_in.weight"
    else:
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{Path(location).name} is not a ControlNet checkpoint (no ControlNet tensors)",
        )
    settings: dict[str, Any] = {}
    convs = [shape for _, shape in hint]
    if convs:  # conv_in, then per level a same-width conv and a widening one
        settings["conditioning_channels"] = convs[0][1]
        settings["conditioning_embedding_out_channels"] = tuple(
            [convs[0][0]] + [shape[0] for shape in convs[2::2]]
        )
    if conv_in in shapes:
        settings["in_channels"] = shapes[conv_in][1]
    return settings


def _read_config(file: Path) -> dict | None:
    """A JSON config file's contents; None if it is missing, MODEL_INVALID if it is unreadable."""
    if not file.is_file():
        return None
    try:
        return json.loads(file.read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise EngineError(ErrorKind.MODEL_INVALID, f"{file} is not valid JSON") from e


def _controlnet_config_from(folder: str, location: str, origin: str) -> str | dict[str, Any]:
    """A ControlNet folder as it is, or, from an SD1.5 pipeline folder, the configuration of a
    ControlNet mirroring its UNet (what ``ControlNetModel.from_unet`` does) sized to the file."""
    path = Path(folder)
    if (_read_config(path / "config.json") or {}).get("_class_name") == "ControlNetModel":
        return folder
    unet = _read_config(path / "unet" / "config.json")
    if unet is None or not (path / "model_index.json").is_file():
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{folder} (from {origin}) is neither a diffusers SD1.5 folder nor a ControlNet folder",
        )
    import inspect

    from diffusers import ControlNetModel

    accepted = inspect.signature(ControlNetModel.__init__).parameters
    derived = {k: v for k, v in unet.items() if k in accepted and k != "self"}
    derived.update(_controlnet_shapes(location))
    derived["_class_name"] = "ControlNetModel"
    return derived


def _controlnet_single_file_config(location: str, config: str | None) -> str | dict | None:
    """The configuration for a single-file ControlNet: a folder, a configuration derived from an
    SD1.5 folder, or None when online and nothing is cached (diffusers fetches its default)."""
    user = _user_config(config)
    if user is not None:
        folder = _config_folder(*user, markers=("config.json", "model_index.json"))
        return _controlnet_config_from(folder, location, user[1])
    _controlnet_shapes(location)  # a ControlNet at all?
    for repo in SD15_CONTROLNET_CONFIG_REPOS:
        folder = _cached_config(repo, "config.json")
        if folder is not None:
            return folder
    for repo in SD15_CONFIG_REPOS:
        folder = _cached_config(repo, "model_index.json")
        if folder is not None:
            return _controlnet_config_from(folder, location, "the Hugging Face cache")
    if not _offline():
        return None
    raise _missing_config(location, "ControlNet", SD15_CONFIG_REPOS[0])


def _controlnet_from_single_file(location: str, dtype: Any, config: str | None) -> Any:
    from diffusers import ControlNetModel

    found = _controlnet_single_file_config(location, config)
    with tempfile.TemporaryDirectory(prefix="f1studio-controlnet-") as scratch:
        if isinstance(found, dict):  # from_single_file reads configurations from folders only
            (Path(scratch) / "config.json").write_text(json.dumps(found), "utf-8")
            found = scratch
        return ControlNetModel.from_single_file(
            location, config=found, torch_dtype=dtype, local_files_only=_offline()
        )


def load_sd15_controlnet(location: str, dtype: Any, allow_pickle: bool, config: str | None) -> Any:
    """An SD1.5 ControlNet from a checked local folder or a single file."""
    from diffusers import ControlNetModel

    if Path(location).is_dir():
        return ControlNetModel.from_pretrained(
            location,
            torch_dtype=dtype,
            use_safetensors=not allow_pickle,
            local_files_only=_offline(),
        )
    return _controlnet_from_single_file(location, dtype, config)
