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
transformer; :func:`f1studio.engine.tensor_layouts.flux_transformer_variant` tells them apart
(for a loaded pipeline: :func:`flux_variant`) and the family table gives each its steps and T5
prompt length (:func:`default_steps`, :func:`text_tokens`).

Inside :func:`f1studio.engine.memory.quantized_transformer` (what the memory plan asks for),
the transformer is loaded with int8 or NF4 weights (torchao or bitsandbytes).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from f1studio.engine.families.single_file import (
    FLUX_CONFIG_ENV,
    FLUX_CONFIGS,
    pipeline_config,
    user_config,
)
from f1studio.engine.family_table import ModelFamily, defaults_for
from f1studio.engine.memory import requested_quantization, transformer_quantization_config
from f1studio.engine.model_files import (
    check_folder_weights,
    hub_offline,
    invalid_model,
    is_safetensors,
    read_config,
    read_safetensors_header,
)
from f1studio.engine.tensor_layouts import (
    COMFY_PREFIX,
    flux_layout,
    flux_transformer_config,
    flux_transformer_variant,
)


# --- what a model is ------------------------------------------------------------------------
def flux_variant(pipe: Any) -> str:
    """ "fill", "schnell" (no guidance embedding), "dev" or "control" (Depth/Canny, which the
    loader refuses) for a loaded FLUX.1 pipeline."""
    config = {"guidance_embeds": False, **dict(pipe.transformer.config)}
    return flux_transformer_variant(config) or "dev"


def default_steps(variant: str) -> int:
    """Denoising steps the variant is made for (schnell 4, dev and Fill 28)."""
    return defaults_for(ModelFamily.FLUX, variant).steps


def text_tokens(pipe: Any) -> int:
    """T5 tokens per prompt: the variant's reference length, capped by the tokenizer's own."""
    limit = int(getattr(pipe.tokenizer_2, "model_max_length", 512) or 512)
    tokens = defaults_for(ModelFamily.FLUX, flux_variant(pipe)).text_tokens or 512
    return max(1, min(tokens, limit, 512))


def _pipeline_class(variant: str | None, name: str) -> Any:
    from diffusers import FluxFillPipeline, FluxPipeline

    if variant == "control":
        raise invalid_model(
            f"{name} is a FLUX.1 Depth/Canny control model, which this version cannot render; "
            "use a FLUX.1 dev or schnell model with a FLUX ControlNet"
        )
    return FluxFillPipeline if variant == "fill" else FluxPipeline


# --- pipelines --------------------------------------------------------------------------------
def load_flux(location: str, dtype: Any, allow_pickle: bool, config: str | None = None) -> Any:
    """A FluxPipeline or FluxFillPipeline from a diffusers folder or a single-file transformer."""
    from diffusers import FluxTransformer2DModel

    path = Path(location)
    common = dict(torch_dtype=dtype, local_files_only=hub_offline())
    quantized = _quantization(dtype)
    if path.is_dir():
        check_folder_weights(location, allow_pickle)
        transformer = read_config(path / "transformer" / "config.json") or {}
        cls = _pipeline_class(flux_transformer_variant(transformer), path.name)
        safe = dict(use_safetensors=not allow_pickle, **common)
        parts: dict[str, Any] = {}
        if quantized:
            parts["transformer"] = FluxTransformer2DModel.from_pretrained(
                location, subfolder="transformer", **quantized, **safe
            )
        return cls.from_pretrained(location, **parts, **safe)
    overrides = _single_file_overrides(location)
    variant = flux_transformer_variant(overrides) or "dev"
    cls = _pipeline_class(variant, path.name)
    folder = pipeline_config(FLUX_CONFIGS, location, variant, config)
    # diffusers' from_single_file takes a torchao configuration for weights that are already
    # quantised and would load these unquantised: quantise them after loading instead
    torchao = type(quantized.get("quantization_config")).__name__ == "TorchAoConfig"
    transformer = FluxTransformer2DModel.from_single_file(
        _single_file_weights(location),
        config=folder,
        subfolder="transformer",
        **overrides,
        **({} if torchao else quantized),
        **common,
    )
    if torchao:
        from torchao.quantization import quantize_

        quantize_(transformer, quantized["quantization_config"].quant_type)
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
    if not is_safetensors(location):
        return location
    keys = list(read_safetensors_header(location))
    if flux_layout(keys) != "diffusers" or not any(k.startswith(COMFY_PREFIX) for k in keys):
        return location
    from safetensors.torch import load_file

    return {k.removeprefix(COMFY_PREFIX): v for k, v in load_file(location).items()}


def _single_file_overrides(location: str) -> dict[str, Any]:
    """Transformer settings a checkpoint's tensors fix (so a dev configuration describes a
    schnell or Fill file correctly): input/output channels and the guidance embedding."""
    if not is_safetensors(location):
        return {"guidance_embeds": True}  # a pickled file the user allowed: assume dev
    settings = flux_transformer_config(read_safetensors_header(location))
    if "in_channels" not in settings or "out_channels" not in settings:
        raise invalid_model(
            f"{Path(location).name} holds no FLUX.1 transformer (no image input layer)"
        )
    return settings


# --- ControlNets ----------------------------------------------------------------------------
def load_flux_controlnet(location: str, dtype: Any, allow_pickle: bool, config: str | None) -> Any:
    """A FluxControlNetModel from a diffusers folder or one diffusers-format .safetensors file
    (configured by ``config``/$F1STUDIO_FLUX_CONFIG when that is a ControlNet folder, else
    derived from the tensor shapes)."""
    from diffusers import FluxControlNetModel

    path = Path(location)
    if path.is_dir():
        found = (read_config(path / "config.json") or {}).get("_class_name", "")
        if found != "FluxControlNetModel":
            raise invalid_model(
                f"{path.name} is a {found or 'unknown'} ControlNet, not a FLUX.1 ControlNet"
            )
        return FluxControlNetModel.from_pretrained(
            location,
            torch_dtype=dtype,
            use_safetensors=not allow_pickle,
            local_files_only=hub_offline(),
        )
    if not is_safetensors(location):
        raise invalid_model(
            f"{path.name}: FLUX.1 ControlNets load from a diffusers folder or a .safetensors file"
        )
    settings = _controlnet_config(location, config)
    from safetensors.torch import load_file

    model = FluxControlNetModel.from_config(settings)
    missing, unexpected = model.load_state_dict(load_file(location), strict=False)
    if missing or unexpected:
        raise invalid_model(
            f"{path.name} does not match a diffusers FLUX ControlNet ({len(missing)} tensors "
            f"missing, {len(unexpected)} unexpected); convert it or use its diffusers folder",
        )
    return model.to(dtype=dtype).eval()


def _controlnet_config(location: str, config: str | None) -> dict[str, Any]:
    user = user_config(FLUX_CONFIGS, config)
    if user is not None and (Path(user[0]) / "config.json").is_file():
        found = read_config(Path(user[0]) / "config.json") or {}
        if found.get("_class_name") == "FluxControlNetModel":
            return found
    shapes = read_safetensors_header(location)
    blocks = {int(m.group(1)) for k in shapes if (m := re.match(r"transformer_blocks\.(\d+)\.", k))}
    singles = {
        int(m.group(1)) for k in shapes if (m := re.match(r"single_transformer_blocks\.(\d+)\.", k))
    }
    if "x_embedder.weight" not in shapes or "controlnet_x_embedder.weight" not in shapes:
        raise invalid_model(
            f"{Path(location).name} is not a diffusers-format FLUX ControlNet; use its diffusers "
            f"folder, or set {FLUX_CONFIG_ENV} to a folder with its config.json",
        )
    inner, in_channels = shapes["x_embedder.weight"]
    head_dim = shapes.get("transformer_blocks.0.attn.norm_q.weight", [128])[0]
    if head_dim != 128:
        raise invalid_model(
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
