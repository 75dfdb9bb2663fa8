"""SDXL building blocks used by the adapter in ``sdxl.py``: text conditioning (with regions),
SDXL's micro-conditioning time ids, the VAE's fp32 upcast.

Every function follows the arithmetic of diffusers' StableDiffusionXL pipelines, so the adapter's
loop reproduces them for the same model, scheduler and seed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from f1studio.engine.families.unet_parts import TextConditioning, pair
from f1studio.engine.lora_regions import text_chunk
from f1studio.engine.regional import (
    RegionalAttnProcessor,
    RegionWeights,
    chunk_weights,
    region_texts,
)
from f1studio.engine.request import GenerationRequest

# Latent -> RGB for SDXL's VAE (a linear fit of what its decoder does to a latent pixel's colour;
# its latent space differs from SD1.5's, so the SD1.5 table gives wrong colours here).
SDXL_LATENT_RGB = np.array(
    [
        [0.3651, 0.4232, 0.4341],
        [-0.2533, -0.0042, 0.1068],
        [0.1076, 0.1111, -0.0362],
        [-0.3165, -0.2492, -0.2188],
    ],
    dtype=np.float32,
)

# The aesthetic scores the SDXL img2img pipeline uses for models conditioned on one (the refiner).
AESTHETIC_SCORE, NEGATIVE_AESTHETIC_SCORE = 6.0, 2.5


def _encode(pipe: Any, text: str, negative: str, device: Any, do_cfg: bool) -> tuple:
    # An empty negative prompt goes in as None: SDXL models with force_zeros_for_empty_prompt
    # then use all-zero negative embeddings, exactly as the diffusers pipelines do.
    return pipe.encode_prompt(
        text,
        device=device,
        num_images_per_prompt=1,
        do_classifier_free_guidance=do_cfg,
        negative_prompt=negative or None,
    )


def _pooled_for(global_text: str, pooled: list[Any], share: np.ndarray) -> Any:
    """The pooled embedding of a regional job: the global prompt's, as SDXL conditions the whole
    picture on it. With no global prompt the regions describe the picture, so the chunks' pooled
    embeddings are mixed by the share of the canvas each reaches (a region covering everything
    then acts exactly like its prompt alone)."""
    if global_text.strip():
        return pooled[-1]
    out = None
    for c, amount in enumerate(share.tolist()):
        if amount != 0.0:
            part = pooled[c] * amount
            out = part if out is None else out + part
    return pooled[-1] if out is None else out


def encode_text(pipe: Any, req: GenerationRequest, device: Any, do_cfg: bool) -> TextConditioning:
    """Both text encoders for the prompt, or for every region chunk side by side (one pass)."""
    import torch

    h, w = req.height // pipe.vae_scale_factor, req.width // pipe.vae_scale_factor
    if not req.regions:
        pos, neg, pooled, neg_pooled = _encode(
            pipe, req.prompt, req.negative_prompt, device, do_cfg
        )
        embeds = pair(neg, pos, do_cfg)
        pooled = pair(neg_pooled, pooled, do_cfg)
        return TextConditioning(embeds, None, pooled, time_ids(pipe, req, embeds, do_cfg))
    pos_texts, neg_texts = region_texts(req.prompt, req.negative_prompt, req.regions)
    parts = []
    for chunk, (p, n) in enumerate(zip(pos_texts, neg_texts, strict=True)):
        with text_chunk(chunk):  # a region's LoRAs act on its own text only
            parts.append(_encode(pipe, p, n, device, do_cfg))
    share = chunk_weights(req.regions, h, w).mean(axis=(1, 2))
    embeds = torch.cat([p[0] for p in parts], dim=1)
    pooled = _pooled_for(req.prompt, [p[2] for p in parts], share)
    if do_cfg:
        embeds = torch.cat([torch.cat([p[1] for p in parts], dim=1), embeds])
        neg_pooled = _pooled_for(req.negative_prompt, [p[3] for p in parts], share)
        pooled = torch.cat([neg_pooled, pooled])
    weights = RegionWeights.build(req.regions, h, w, device, embeds.dtype)
    processor = RegionalAttnProcessor(weights, chunks=len(pos_texts))
    return TextConditioning(embeds, processor, pooled, time_ids(pipe, req, embeds, do_cfg))


def time_ids(pipe: Any, req: GenerationRequest, like: Any, do_cfg: bool) -> Any:
    """SDXL's micro-conditioning: original size, crop corner (0, 0) and target size, all the
    canvas; models conditioned on an aesthetic score (``requires_aesthetics_score``) get the
    score in place of the target size, 6 for the prompt and 2.5 for the negative. Dtype and
    device are those of ``like``."""
    import torch

    size = (req.height, req.width)
    if getattr(pipe.config, "requires_aesthetics_score", False):
        pos = [*size, 0, 0, AESTHETIC_SCORE]
        neg = [*size, 0, 0, NEGATIVE_AESTHETIC_SCORE]
    else:
        pos = neg = [*size, 0, 0, *size]
    expected = pipe.unet.add_embedding.linear_1.in_features
    passed = pipe.unet.config.addition_time_embed_dim * len(pos) + _projection_dim(pipe)
    if expected != passed:
        raise ValueError(
            f"this SDXL UNet expects {expected} added conditioning values, not {passed}: "
            "its configuration does not match its text encoders"
        )
    ids = torch.tensor([pos], dtype=like.dtype)
    if do_cfg:
        ids = torch.cat([torch.tensor([neg], dtype=like.dtype), ids])
    return ids.to(like.device)


def _projection_dim(pipe: Any) -> int:
    if pipe.text_encoder_2 is not None:
        return int(pipe.text_encoder_2.config.projection_dim)
    return int(pipe.unet.config.projection_class_embeddings_input_dim)  # unreachable for SDXL


# --- the VAE ---------------------------------------------------------------------------------


def prepare_vae(pipe: Any) -> None:
    """SDXL's VAE overflows in fp16 (``force_upcast``): the pipelines move it to fp32 for every
    encode and decode and back afterwards. Keeping it in fp32 gives the same numbers (fp16
    weights are exact in fp32) without converting it twice per image."""
    import torch

    vae = pipe.vae
    if vae.dtype == torch.float16 and getattr(vae.config, "force_upcast", False):
        vae.to(dtype=torch.float32)
