"""Loading FLUX.1 models: diffusers folders, single-file transformers and FLUX ControlNets.

A folder loads as a FluxPipeline, or as a FluxFillPipeline when its transformer also reads a
masked image and a mask (FLUX.1 Fill: more input than output channels, mask patches included).

A single ``.safetensors`` file (what model sites distribute: ``flux1-dev.safetensors``) holds
the transformer only; the text encoders, the VAE, the tokenizers and the configuration come
from a diffusers FLUX.1 folder. Where that folder comes from, first that exists: the ``config``
argument, $F1STUDIO_FLUX_CONFIG, the matching black-forest-labs repository in the local Hugging
Face cache; online, that repository is fetched (without its transformer weights).

Single files come in Black Forest Labs' layout (``double_blocks.*``) or diffusers'
(``transformer_blocks.*``, ``single_transformer_blocks.*``), either possibly under ComfyUI's
``model.diffusion_model.`` prefix.

Variants: ``schnell`` has no guidance embedding, ``dev`` has one, ``fill`` is the inpainting
transformer; :func:`flux_variant` tells them apart and :func:`default_steps` suits each.

Inside :func:`f1studio.engine.memory.quantized_transformer` (what the memory plan asks for),
the transformer is loaded with int8 or NF4 weights (torchao or bitsandbytes).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from f1studio.engine.catalog import COMFY_PREFIX, flux_layout
from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.memory import requested_quantization, transformer_quantization_config
from f1studio.engine.models import (
    _check_folder_weights,
    _looks_like_hub_id,
    _offline,
    _safetensors_shapes,
)

FLUX_CONFIG_ENV = "F1STUDIO_FLUX_CONFIG"
FLUX_CONFIG_REPOS = {
    "dev": "black-forest-labs/FLUX.1-dev",
    "schnell": "black-forest-labs/FLUX.1-schnell",
    "fill": "black-forest-labs/FLUX.1-Fill-dev",
}
DEFAULT_STEPS = {"schnell": 4, "dev": 28, "fill": 28}
# T5 tokens per prompt: BFL's reference code uses 512 for dev (and Fill), 256 for schnell.
TEXT_TOKENS = {"schnell": 256, "dev": 512, "fill": 512}
_CONFIG_FILES = ["*.json", "*/*.json", "*.txt", "*/*.txt", "*/*.model"]
_SKIP_WEIGHTS = ["transformer/*", "*.sft", "flux1-*.safetensors", "ae.safetensors"]


# --- what a model is ------------------------------------------------------------------------
def transformer_kind(config: dict[str, Any]) -> str:
    """ "base", "fill" (reads noisy latents + masked-image latents + mask patches) or "control"
    (FLUX.1 Depth/Canny: latents + a control image) from a transformer configuration."""
    inputs = int(config.get("in_channels", 64))
    outputs = int(config.get("out_channels") or inputs)
    extra = inputs - outputs
    if extra <= 0:
        return "base"
    return "fill" if extra > outputs else "control"


def flux_variant(pipe: Any) -> str:
    """ "fill", "schnell" (no guidance embedding) or "dev" for a loaded FLUX.1 pipeline."""
    config = pipe.transformer.config
    if transformer_kind(dict(config)) == "fill":
        return "fill"
    return "dev" if config.get("guidance_embeds", False) else "schnell"


def default_steps(variant: str) -> int:
    """Denoising steps the variant is made for (schnell 4, dev and Fill 28)."""
    return DEFAULT_STEPS.get(variant, 28)


def text_tokens(pipe: Any) -> int:
    """T5 tokens per prompt: the variant's reference length, capped by the tokenizer's own."""
    limit = int(getattr(pipe.tokenizer_2, "model_max_length", 512) or 512)
    return max(1, min(TEXT_TOKENS[flux_variant(pipe)], limit, 512))


def _read_json(file: Path) -> dict[str, Any] | None:
    if not file.is_file():
        return None
    try:
        return json.loads(file.read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise EngineError(ErrorKind.MODEL_INVALID, f"{file} is not valid JSON") from e


def _pipeline_class(kind: str, name: str) -> Any:
    from diffusers import FluxFillPipeline, FluxPipeline

    if kind == "control":
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{name} is a FLUX.1 Depth/Canny control model, which this version cannot render; "
            "use a FLUX.1 dev or schnell model with a FLUX ControlNet",
        )
    return FluxFillPipeline if kind == "fill" else FluxPipeline


# --- pipelines --------------------------------------------------------------------------------
def load_flux(location: str, dtype: Any, allow_pickle: bool, config: str | None = None) -> Any:
    """A FluxPipeline or FluxFillPipeline from a diffusers folder or a single-file transformer."""
    from diffusers import FluxTransformer2DModel

    path = Path(location)
    common = dict(torch_dtype=dtype, local_files_only=_offline())
    quantized = _quantization(dtype)
    if path.is_dir():
        _check_folder_weights(location, allow_pickle)
        transformer = _read_json(path / "transformer" / "config.json") or {}
        cls = _pipeline_class(transformer_kind(transformer), path.name)
        safe = dict(use_safetensors=not allow_pickle, **common)
        parts: dict[str, Any] = {}
        if quantized:
            parts["transformer"] = FluxTransformer2DModel.from_pretrained(
                location, subfolder="transformer", **quantized, **safe
            )
        return cls.from_pretrained(location, **parts, **safe)
    overrides = _single_file_overrides(location)
    kind = transformer_kind(overrides)
    cls = _pipeline_class(kind, path.name)
    variant = "fill" if kind == "fill" else ("dev" if overrides["guidance_embeds"] else "schnell")
    folder = _single_file_config(location, variant, config)
    transformer = FluxTransformer2DModel.from_single_file(
        _single_file_weights(location),
        config=folder,
        subfolder="transformer",
        **overrides,
        **quantized,
        **common,
    )
    return cls.from_pretrained(folder, transformer=transformer, use_safetensors=True, **common)


def _quantization(dtype: Any) -> dict[str, Any]:
    """``quantization_config`` for the transformer when the memory plan asks for one."""
    kind = requested_quantization()
    if kind is None:
        return {}
    return {"quantization_config": transformer_quantization_config(kind, dtype)}


def _single_file_weights(location: str) -> Any:
    """What ``from_single_file`` reads: the file, or, for diffusers' names under ComfyUI's
    prefix (which diffusers would take for the original layout), its tensors without it."""
    if Path(location).suffix.lower() != ".safetensors":
        return location
    keys = list(_safetensors_shapes(location))
    if flux_layout(keys) != "diffusers" or not any(k.startswith(COMFY_PREFIX) for k in keys):
        return location
    from safetensors.torch import load_file

    return {k.removeprefix(COMFY_PREFIX): v for k, v in load_file(location).items()}


def _single_file_overrides(location: str) -> dict[str, Any]:
    """Transformer settings a checkpoint's tensors fix (so a dev configuration describes a
    schnell or Fill file correctly): input/output channels and the guidance embedding."""
    if Path(location).suffix.lower() != ".safetensors":
        return {"guidance_embeds": True}  # a pickled file the user allowed: assume dev
    shapes = {k.removeprefix(COMFY_PREFIX): s for k, s in _safetensors_shapes(location).items()}
    x_in = shapes.get("img_in.weight") or shapes.get("x_embedder.weight")
    out = shapes.get("final_layer.linear.weight") or shapes.get("proj_out.weight")
    if x_in is None or out is None:
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{Path(location).name} holds no FLUX.1 transformer (no image input layer)",
        )
    guidance = any(
        k.startswith(("guidance_in.", "time_text_embed.guidance_embedder.")) for k in shapes
    )
    return {"in_channels": x_in[1], "out_channels": out[0], "guidance_embeds": guidance}


def _cached_repo(repo_id: str) -> str | None:
    """The local Hugging Face cache folder of a FLUX.1 repository, if it is there."""
    from huggingface_hub import snapshot_download

    try:
        folder = snapshot_download(repo_id, local_files_only=True)
    except Exception:  # noqa: BLE001 - any miss means "not cached"
        return None
    return folder if (Path(folder) / "model_index.json").is_file() else None


def _fetch_repo(repo_id: str, origin: str) -> str:
    from huggingface_hub import snapshot_download

    try:
        return str(snapshot_download(repo_id, ignore_patterns=_SKIP_WEIGHTS))
    except Exception as e:  # noqa: BLE001
        raise EngineError(
            ErrorKind.OFFLINE,
            f"could not fetch the FLUX.1 configuration {repo_id} (from {origin}) "
            f"({type(e).__name__}); log in to Hugging Face if the repository is gated, or set "
            f"{FLUX_CONFIG_ENV} to a local diffusers FLUX.1 folder",
        ) from e


def _single_file_config(location: str, variant: str, config: str | None) -> str:
    """A local diffusers FLUX.1 folder that describes (and completes) a single-file model."""
    value, origin = (config, "the config setting") if config else (None, "")
    if not value and os.environ.get(FLUX_CONFIG_ENV, "").strip():
        value, origin = os.environ[FLUX_CONFIG_ENV].strip(), FLUX_CONFIG_ENV
    if value:
        folder = Path(os.path.expanduser(value))
        if folder.is_dir():
            if not (folder / "model_index.json").is_file():
                raise EngineError(
                    ErrorKind.MODEL_INVALID,
                    f"{folder} (from {origin}) is not a diffusers FLUX.1 folder (no model_index.json)",
                )
            return str(folder)
        if folder.exists() or not _looks_like_hub_id(value):
            raise EngineError(
                ErrorKind.MODEL_NOT_FOUND,
                f"FLUX.1 configuration {value} (from {origin}) not found: use a local diffusers "
                "FLUX.1 folder or a Hugging Face id",
            )
        cached = _cached_repo(value)
        if cached is not None:
            return cached
        if _offline():
            raise EngineError(
                ErrorKind.OFFLINE,
                f"FLUX.1 configuration {value} (from {origin}) is not in the local Hugging Face "
                f"cache and the machine is offline; set {FLUX_CONFIG_ENV} to a local folder",
            )
        return _fetch_repo(value, origin)
    repo = FLUX_CONFIG_REPOS[variant]
    cached = _cached_repo(repo)
    if cached is not None:
        return cached
    if _offline():
        raise EngineError(
            ErrorKind.OFFLINE,
            f"{Path(location).name} is a single-file FLUX.1 {variant} transformer: its text "
            f"encoders, VAE and configuration are not on this machine and it is offline; set "
            f"{FLUX_CONFIG_ENV} to a local diffusers FLUX.1 folder (e.g. {repo})",
        )
    return _fetch_repo(repo, "the default for this file")


# --- ControlNets ----------------------------------------------------------------------------
def load_flux_controlnet(location: str, dtype: Any, allow_pickle: bool, config: str | None) -> Any:
    """A FluxControlNetModel from a diffusers folder or one diffusers-format .safetensors file
    (configured by ``config``/$F1STUDIO_FLUX_CONFIG when that is a ControlNet folder, else
    derived from the tensor shapes)."""
    from diffusers import FluxControlNetModel

    path = Path(location)
    if path.is_dir():
        found = (_read_json(path / "config.json") or {}).get("_class_name", "")
        if found != "FluxControlNetModel":
            raise EngineError(
                ErrorKind.MODEL_INVALID,
                f"{path.name} is a {found or 'unknown'} ControlNet, not a FLUX.1 ControlNet",
            )
        return FluxControlNetModel.from_pretrained(
            location,
            torch_dtype=dtype,
            use_safetensors=not allow_pickle,
            local_files_only=_offline(),
        )
    if path.suffix.lower() != ".safetensors":
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{path.name}: FLUX.1 ControlNets load from a diffusers folder or a .safetensors file",
        )
    settings = _controlnet_config(location, config)
    from safetensors.torch import load_file

    model = FluxControlNetModel.from_config(settings)
    missing, unexpected = model.load_state_dict(load_file(location), strict=False)
    if missing or unexpected:
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{path.name} does not match a diffusers FLUX ControlNet ({len(missing)} tensors "
            f"missing, {len(unexpected)} unexpected); convert it or use its diffusers folder",
        )
    return model.to(dtype=dtype).eval()


def _controlnet_config(location: str, config: str | None) -> dict[str, Any]:
    value = config or os.environ.get(FLUX_CONFIG_ENV, "").strip()
    if value and (Path(value) / "config.json").is_file():
        found = _read_json(Path(value) / "config.json") or {}
        if found.get("_class_name") == "FluxControlNetModel":
            return found
    shapes = _safetensors_shapes(location)
    blocks = {int(m.group(1)) for k in shapes if (m := re.match(r"transformer_blocks\.(\d+)\.", k))}
    singles = {
        int(m.group(1)) for k in shapes if (m := re.match(r"single_transformer_blocks\.(\d+)\.", k))
    }
    if "x_embedder.weight" not in shapes or "controlnet_x_embedder.weight" not in shapes:
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{Path(location).name} is not a diffusers-format FLUX ControlNet; use its diffusers "
            f"folder, or set {FLUX_CONFIG_ENV} to a folder with its config.json",
        )
    inner, in_channels = shapes["x_embedder.weight"]
    head_dim = shapes.get("transformer_blocks.0.attn.norm_q.weight", [128])[0]
    if head_dim != 128:
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{Path(location).name} has an unusual attention size; set {FLUX_CONFIG_ENV} to a "
            "folder with its config.json",
        )
    settings: dict[str, Any] = {
        "_class_name": "FluxControlNetModel",
        "in_channels": in_channels,
        "num_layers": max(blocks) + 1 if blocks else 0,
        "num_single_layers": max(singles) + 1 if singles else 0,
        "attention_head_dim": head_dim,
        "num_attention_heads": inner // head_dim,
        "joint_attention_dim": shapes["context_embedder.weight"][1],
        "pooled_projection_dim": shapes["time_text_embed.text_embedder.linear_1.weight"][1],
        "guidance_embeds": any("guidance_embedder" in k for k in shapes),
        "axes_dims_rope": [16, 56, 56],
    }
    if "controlnet_mode_embedder.weight" in shapes:
        settings["num_mode"] = shapes["controlnet_mode_embedder.weight"][0]
    if "input_hint_block.conv_out.weight" in shapes:
        settings["conditioning_embedding_channels"] = shapes["input_hint_block.conv_out.weight"][0]
    return settings
