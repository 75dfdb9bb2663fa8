"""What a single ``.safetensors`` checkpoint holds, told from its tensor names and shapes alone
(its JSON header; no weights are read): SD1.5, SDXL (base, refiner, inpainting), FLUX.1 in Black
Forest Labs' or diffusers' layout (with or without ComfyUI's prefix), ControlNets, and the parts
that are not whole models. :func:`classify_tensors` is the entry point. No torch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from f1studio.engine.family_table import ModelFamily
from f1studio.engine.model_files import invalid_model
from f1studio.engine.vision_encoders import single_file_kind

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
) -> tuple[str, ModelFamily | None, str | None, str]:
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
    # IP-Adapters (reference pictures): the image projection and one key/value pair per
    # cross-attention layer; the width the pairs read tells the family
    if _has(keys, "image_proj.") and _has(keys, "ip_adapter."):
        width = next(
            (s[1] for k, s in shapes.items() if k.endswith("to_k_ip.weight") and len(s) == 2), 0
        )
        families = {768: ModelFamily.SD15, 2048: ModelFamily.SDXL}
        if width not in families:
            raise invalid_model(f"{name} is an IP-Adapter for a model family F1 Studio cannot use")
        plus = _has(keys, "image_proj.latents", "image_proj.proj_in.")
        return "ip-adapter", families[width], "plus" if plus else None, ""
    if _has(keys, "redux_up.") and _has(keys, "redux_down."):  # ComfyUI's style_models file
        return "ip-adapter", ModelFamily.FLUX, "redux", ""
    if any(".ip_adapter_double_stream_k_proj." in k for k in keys):  # XLabs FLUX.1 IP-Adapter
        return "ip-adapter", ModelFamily.FLUX, "xlabs", ""
    # image encoders of reference pictures (ComfyUI's models/clip_vision): CLIP, SigLIP
    encoder = single_file_kind(dict(shapes))
    if encoder is not None:
        what = "IP-Adapters" if encoder == "clip" else "FLUX.1 Redux"
        return "image-encoder", None, encoder, f"the image encoder of {what}"
    # LoRAs before anything else that shares their module names
    if any(".lora_down." in k or ".lora_A." in k or k.startswith("lora_unet_") for k in keys):
        raise invalid_model(f"{name} is a LoRA, not a model: add it to a LoRA list instead")
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
