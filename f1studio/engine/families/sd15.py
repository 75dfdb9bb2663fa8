"""Stable Diffusion 1.5 family: the shared UNet loop with CLIP text conditioning.

Everything but the prompts' encoding is the loop in ``unet_loop.py``; it follows diffusers'
StableDiffusion (ControlNet, Img2Img, Inpaint) pipelines, so a plain render equals the reference
pipeline for the same seed.
"""

from __future__ import annotations

from typing import Any

from f1studio.engine.families.base import ModelFamily
from f1studio.engine.families.sd15_loading import load_sd15, load_sd15_controlnet
from f1studio.engine.families.unet_loop import UNetAdapter, UNetFamily
from f1studio.engine.families.unet_parts import TextConditioning, pair
from f1studio.engine.lora_regions import text_chunk
from f1studio.engine.previews import SD15_LATENT_RGB
from f1studio.engine.regional import RegionalAttnProcessor, RegionWeights, region_texts
from f1studio.engine.request import GenerationRequest
from f1studio.engine.vocabulary import Vocabulary


def encode_text(pipe: Any, req: GenerationRequest, device: Any, do_cfg: bool) -> TextConditioning:
    """The CLIP hidden states of the prompt, or of every region chunk side by side (in the
    model's own words where its folder has a vocabulary)."""
    import torch

    vocabulary: Vocabulary | None = getattr(pipe, "f1_vocabulary", None)

    def words(text: str) -> str:
        return vocabulary.restrict(text) if vocabulary is not None else text

    if not req.regions:
        negative = words(req.negative_prompt) or None
        pos, neg = pipe.encode_prompt(
            words(req.prompt), device, 1, do_cfg, negative_prompt=negative
        )
        return TextConditioning(pair(neg, pos, do_cfg))
    pos_texts, neg_texts = region_texts(req.prompt, req.negative_prompt, req.regions)
    pos_texts = [words(t) for t in pos_texts]
    neg_texts = [words(t) for t in neg_texts]
    pos_parts, neg_parts = [], []
    for chunk, (p, n) in enumerate(zip(pos_texts, neg_texts, strict=True)):
        with text_chunk(chunk):  # a region's LoRAs act on its own text only
            pe, ne = pipe.encode_prompt(p, device, 1, do_cfg, negative_prompt=n or None)
        pos_parts.append(pe)
        neg_parts.append(ne)
    pos = torch.cat(pos_parts, dim=1)
    embeds = torch.cat([torch.cat(neg_parts, dim=1), pos]) if do_cfg else pos
    scale = pipe.vae_scale_factor
    weights = RegionWeights.build(
        req.regions, req.height // scale, req.width // scale, device, pos.dtype
    )
    return TextConditioning(embeds, RegionalAttnProcessor(weights, chunks=len(pos_texts)))


class SD15Adapter(UNetAdapter):
    parts = UNetFamily(
        ModelFamily.SD15, SD15_LATENT_RGB, load_sd15, load_sd15_controlnet, encode_text
    )
