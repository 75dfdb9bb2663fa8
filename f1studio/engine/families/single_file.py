"""Single-file checkpoints: where the configuration that describes one comes from, and loading
SD1.5/SDXL checkpoints and ControlNets from one file.

A single file holds only weights; diffusers builds the pipeline from the configuration files of
the model family (JSON and tokenizer files, a few hundred KB; for FLUX.1 also the text encoders
and the VAE a transformer-only file lacks). Where they come from, first that exists: the
``config`` argument, the family's environment variable ($F1STUDIO_SD15_CONFIG, ...), the
repository that describes the file's variant in the local Hugging Face cache; online, that
repository is fetched (for SD1.5 and SDXL diffusers fetches it itself).

One :class:`SingleFileConfigs` per family (:data:`SD15_CONFIGS`, :data:`SDXL_CONFIGS`,
:data:`FLUX_CONFIGS`, at the end of this module) says all that differs.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.family_table import ModelFamily
from f1studio.engine.identification import pipeline_family
from f1studio.engine.model_files import (
    check_json_files,
    fetch_failed,
    hub_offline,
    invalid_model,
    is_safetensors,
    looks_like_hub_id,
    read_config,
    read_safetensors_header,
)

CONFIG_FILES = ["*.json", "*/*.json", "*.txt", "*/*.txt", "*/*.model"]


@dataclass(frozen=True)
class SingleFileConfigs:
    """Where the configuration of a family's single-file checkpoints comes from."""

    family: ModelFamily
    label: str  # in messages: "SD1.5", "SDXL", "FLUX.1"
    env: str  # the environment variable naming a configuration folder or hub id
    repos: Mapping[str, tuple[str, ...]]  # variant -> repositories that describe it, best first
    controlnet_repos: tuple[str, ...] = ()  # ControlNet repositories (else derived from "base")
    # None: the folder only describes the file (configuration files; online, diffusers fetches
    # them itself). Otherwise the folder completes the pipeline (text encoders, VAE) and is
    # fetched whole but for these patterns, the weights the file brings.
    complete_without: tuple[str, ...] | None = None
    supplies: str = "configuration files"  # what the folder gives a file, in messages
    file_kind: str = "checkpoint"  # what a file of the family is, in messages

    def repos_for(self, variant: str) -> tuple[str, ...]:
        return self.repos.get(variant) or self.repos["base"]


# ---- the configuration folder ----------------------------------------------------------------
def _snapshot(configs: SingleFileConfigs, repo_id: str, local_only: bool) -> str:
    """``snapshot_download`` of what a configuration folder needs of ``repo_id`` (found complete
    in the cache, or fetched)."""
    from huggingface_hub import snapshot_download

    if configs.complete_without is None:
        allow, ignore = CONFIG_FILES, None
    else:
        allow, ignore = None, list(configs.complete_without)
    return str(
        snapshot_download(
            repo_id, local_files_only=local_only, allow_patterns=allow, ignore_patterns=ignore
        )
    )


def _cached_config(configs: SingleFileConfigs, repo_id: str, *markers: str) -> str | None:
    """The folder of ``repo_id``'s files in the local Hugging Face cache, if one of ``markers``
    (file names) is there."""
    try:
        folder = _snapshot(configs, repo_id, local_only=True)
    except Exception:  # noqa: BLE001 - any miss means "not cached"
        return None
    return folder if any((Path(folder) / m).is_file() for m in markers) else None


def _fetch_config(configs: SingleFileConfigs, repo_id: str, origin: str) -> str:
    try:
        return _snapshot(configs, repo_id, local_only=False)
    except Exception as e:  # noqa: BLE001
        raise fetch_failed(
            f"the {configs.label} configuration {repo_id} (from {origin})",
            e,
            "check the id and your connection (log in to Hugging Face if the repository is "
            f"gated), or set {configs.env} to a local diffusers {configs.label} folder",
        ) from e


def user_config(configs: SingleFileConfigs, config: str | None) -> tuple[str, str] | None:
    """(value, where it was set) for a configuration the user chose, if any."""
    if config:
        return config, "the config setting"
    value = os.environ.get(configs.env, "").strip()
    return (value, configs.env) if value else None


def _config_folder(configs: SingleFileConfigs, value: str, origin: str, *markers: str) -> str:
    """A local folder for a user-chosen configuration: a folder, or a hub id (cached or fetched)."""
    path = Path(os.path.expanduser(value))
    if path.is_dir():
        return str(path)
    label = configs.label
    if path.exists() or not looks_like_hub_id(value):
        raise EngineError(
            ErrorKind.MODEL_NOT_FOUND,
            f"{label} configuration {value} (from {origin}) not found: use a local diffusers "
            f"{label} folder or a Hugging Face id",
        )
    cached = _cached_config(configs, value, *markers)
    if cached is not None:
        return cached
    if hub_offline():
        raise EngineError(
            ErrorKind.OFFLINE,
            f"{label} configuration {value} (from {origin}) is not in the local Hugging Face "
            f"cache and the machine is offline; fetch it once online or set {configs.env} to a "
            f"local diffusers {label} folder",
        )
    return _fetch_config(configs, value, origin)


def _missing_config(configs: SingleFileConfigs, location: str, what: str, repo: str) -> EngineError:
    """Offline, with nothing that describes the file: one line saying what to do."""
    example = repo if configs.complete_without is not None else f"{repo} without the weights"
    return EngineError(
        ErrorKind.OFFLINE,
        f"{Path(location).name} is a single-file {configs.label} {what}: its {configs.supplies} "
        "are needed once and are not on this machine; online they are fetched automatically, "
        f"offline set {configs.env} to a local diffusers {configs.label} folder (e.g. {example})",
    )


def pipeline_config(
    configs: SingleFileConfigs,
    location: str,
    variant: str,
    config: str | None,
    check: Callable[[str, str], None] | None = None,
) -> str | None:
    """A local pipeline folder that describes a single-file checkpoint of ``variant``, or None
    when online and nothing is cached (diffusers then fetches its standard configuration; a
    folder that completes the pipeline is fetched instead). ``check(folder, origin)`` may refuse
    a user-chosen folder that does not fit the file."""
    user = user_config(configs, config)
    if user is not None:
        value, origin = user
        folder = _config_folder(configs, value, origin, "model_index.json")
        if not (Path(folder) / "model_index.json").is_file():
            raise invalid_model(
                f"{folder} (from {origin}) is not a diffusers {configs.label} folder "
                "(no model_index.json)"
            )
        family = pipeline_family(folder)
        if family != configs.family:
            raise invalid_model(
                f"{folder} (from {origin}) is a {family.label} configuration, not {configs.label}"
            )
        if check is not None:
            check(folder, origin)
        check_json_files(folder)
        return folder
    repos = configs.repos_for(variant)
    for repo in repos:
        found = _cached_config(configs, repo, "model_index.json")
        if found is not None:
            check_json_files(found)
            return found
    what = configs.file_kind
    if variant not in ("base", "inpainting"):
        what = f"{variant} {what}"  # "refiner checkpoint", "schnell transformer"
    if hub_offline():
        raise _missing_config(configs, location, what, repos[0])
    if configs.complete_without is not None:
        return _fetch_config(configs, repos[0], "the default for this file")
    return None


def _unet_with_channels(location: str, folder: str, dtype: Any, channels: int) -> Any:
    """The checkpoint's UNet when the configuration's input channels differ from the checkpoint
    (an inpainting file described by a plain folder, or the other way round), else None."""
    unet_config = read_config(Path(folder) / "unet" / "config.json")
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


def load_unet_pipeline(
    configs: SingleFileConfigs,
    cls: Any,
    location: str,
    variant: str,
    config: str | None,
    dtype: Any,
    options: dict[str, Any],
    check: Callable[[str, str], None] | None = None,
) -> Any:
    """An SD1.5/SDXL pipeline of class ``cls`` from a single-file checkpoint of ``variant``
    (``options`` go to ``from_single_file``)."""
    folder = pipeline_config(configs, location, variant, config, check)
    parts: dict[str, Any] = {}
    if folder is not None:
        channels = 9 if variant == "inpainting" else 4
        unet = _unet_with_channels(location, folder, dtype, channels)
        if unet is not None:
            parts["unet"] = unet
    return cls.from_single_file(location, config=folder, **parts, **options)


# ---- ControlNets (SD1.5, SDXL) ---------------------------------------------------------------
def _controlnet_shapes(location: str) -> dict[str, Any]:
    """The ControlNet settings a checkpoint's tensor shapes fix (for a configuration derived
    from a UNet), after checking that it is a ControlNet at all."""
    if not is_safetensors(location):
        return {}  # a pickled file the user allowed; the defaults apply
    shapes = read_safetensors_header(location)
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
        raise invalid_model(
            f"{Path(location).name} is not a ControlNet checkpoint (no ControlNet tensors)"
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


def _refuse_union(configs: SingleFileConfigs, class_name: Any, location: str) -> None:
    if class_name == "ControlNetUnionModel":
        raise invalid_model(
            f"{Path(location).name} is a union ControlNet, which {configs.label} guides cannot use "
            "yet: choose a ControlNet for one kind of guide"
        )


def _controlnet_config_from(
    configs: SingleFileConfigs, folder: str, location: str, origin: str
) -> str | dict[str, Any]:
    """A ControlNet folder as it is, or, from a pipeline folder, the configuration of a
    ControlNet mirroring its UNet (what ``ControlNetModel.from_unet`` does) sized to the file."""
    path = Path(folder)
    kind = (read_config(path / "config.json") or {}).get("_class_name")
    if kind == "ControlNetModel":
        return folder
    _refuse_union(configs, kind, location)
    unet = read_config(path / "unet" / "config.json")
    if unet is None or not (path / "model_index.json").is_file():
        raise invalid_model(
            f"{folder} (from {origin}) is neither a diffusers {configs.label} folder nor a "
            "ControlNet folder"
        )
    from diffusers import ControlNetModel

    accepted = inspect.signature(ControlNetModel.__init__).parameters
    derived = {k: v for k, v in unet.items() if k in accepted and k != "self"}
    derived.update(_controlnet_shapes(location))
    derived["_class_name"] = "ControlNetModel"
    return derived


def _controlnet_file_config(
    configs: SingleFileConfigs, location: str, config: str | None
) -> str | dict[str, Any] | None:
    """The configuration for a single-file ControlNet: a folder, a configuration derived from a
    pipeline folder, or None when online and nothing is cached (diffusers fetches its default)."""
    user = user_config(configs, config)
    if user is not None:
        folder = _config_folder(configs, *user, "config.json", "model_index.json")
        return _controlnet_config_from(configs, folder, location, user[1])
    _controlnet_shapes(location)  # a ControlNet at all?
    for repo in configs.controlnet_repos:
        found = _cached_config(configs, repo, "config.json")
        if found is not None:
            return found
    base = configs.repos_for("base")
    for repo in base:
        found = _cached_config(configs, repo, "model_index.json")
        if found is not None:
            return _controlnet_config_from(configs, found, location, "the Hugging Face cache")
    if not hub_offline():
        return None
    raise _missing_config(configs, location, "ControlNet", base[0])


def load_controlnet(
    configs: SingleFileConfigs, location: str, dtype: Any, allow_pickle: bool, config: str | None
) -> Any:
    """A ControlNet of the family from a checked local folder or a single file (a union
    ControlNet is refused)."""
    from diffusers import ControlNetModel

    if Path(location).is_dir():
        kind = (read_config(Path(location) / "config.json") or {}).get("_class_name")
        _refuse_union(configs, kind, location)
        return ControlNetModel.from_pretrained(
            location,
            torch_dtype=dtype,
            use_safetensors=not allow_pickle,
            local_files_only=hub_offline(),
        )
    found = _controlnet_file_config(configs, location, config)
    with tempfile.TemporaryDirectory(prefix="f1studio-controlnet-") as scratch:
        if isinstance(found, dict):  # from_single_file reads configurations from folders only
            (Path(scratch) / "config.json").write_text(json.dumps(found), "utf-8")
            found = scratch
        return ControlNetModel.from_single_file(
            location, config=found, torch_dtype=dtype, local_files_only=hub_offline()
        )


# ---- one description per family --------------------------------------------------------------
SD15_CONFIG_ENV = "F1STUDIO_SD15_CONFIG"
SDXL_CONFIG_ENV = "F1STUDIO_SDXL_CONFIG"
FLUX_CONFIG_ENV = "F1STUDIO_FLUX_CONFIG"
SD15_CONFIG_REPOS = (
    "stable-diffusion-v1-5/stable-diffusion-v1-5",
    "runwayml/stable-diffusion-v1-5",
)
SDXL_CONFIG_REPOS = ("stabilityai/stable-diffusion-xl-base-1.0",)
SDXL_REFINER_CONFIG_REPOS = ("stabilityai/stable-diffusion-xl-refiner-1.0",)
_SD15_INPAINT = (
    "stable-diffusion-v1-5/stable-diffusion-inpainting",
    "runwayml/stable-diffusion-inpainting",
)
_FLUX_DEV = ("black-forest-labs/FLUX.1-dev",)

SD15_CONFIGS = SingleFileConfigs(
    ModelFamily.SD15,
    "SD1.5",
    SD15_CONFIG_ENV,
    {"base": SD15_CONFIG_REPOS, "inpainting": _SD15_INPAINT + SD15_CONFIG_REPOS},
    controlnet_repos=("lllyasviel/control_v11p_sd15_canny",),
)
SDXL_CONFIGS = SingleFileConfigs(
    ModelFamily.SDXL,
    "SDXL",
    SDXL_CONFIG_ENV,
    {
        "base": SDXL_CONFIG_REPOS,
        "inpainting": ("diffusers/stable-diffusion-xl-1.0-inpainting-0.1",) + SDXL_CONFIG_REPOS,
        "refiner": SDXL_REFINER_CONFIG_REPOS,
    },
    controlnet_repos=("diffusers/controlnet-canny-sdxl-1.0",),
)
FLUX_CONFIGS = SingleFileConfigs(
    ModelFamily.FLUX,
    "FLUX.1",
    FLUX_CONFIG_ENV,
    {
        "base": _FLUX_DEV,
        "dev": _FLUX_DEV,
        "schnell": ("black-forest-labs/FLUX.1-schnell",),
        "fill": ("black-forest-labs/FLUX.1-Fill-dev",),
    },
    # the folder brings the text encoders and the VAE, the file the transformer
    complete_without=("transformer/*", "*.sft", "flux1-*.safetensors", "ae.safetensors"),
    supplies="text encoders, VAE and configuration",
    file_kind="transformer",
)
