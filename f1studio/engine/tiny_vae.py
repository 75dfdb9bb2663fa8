"""The tiny VAE: diffusers' ``AutoencoderTiny`` (TAESD for SD1.5, TAESDXL, TAEF1 for FLUX.1)
as a fast decoder for step previews and, with ``GenerationRequest.fast_decode``, live renders.

A tiny VAE works on the latents the denoiser makes (the scaled, and on FLUX.1 shifted, space),
as diffusers' pipelines feed it when it replaces ``pipe.vae``: ``latents / scaling_factor +
shift_factor`` with its own factors (1 and 0 for madebyollin's releases). Loading it is
:mod:`f1studio.engine.tiny_vae_loading`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.family_table import ModelFamily

#: The tiny VAE madebyollin publishes for each family (its latent space, its hub id).
TINY_VAE_FOR: dict[ModelFamily, str] = {
    ModelFamily.SD15: "madebyollin/taesd",
    ModelFamily.SDXL: "madebyollin/taesdxl",
    ModelFamily.FLUX: "madebyollin/taef1",
}

#: Step previews are decoded from latents averaged down so the preview's long side is at most
#: this many pixels: a few milliseconds on a GPU; on a CPU the smaller side keeps a preview a
#: fraction of a step (512x512 TAESD: a full decode ~10x a 128 px preview).
PREVIEW_MAX_SIDE = 256
CPU_PREVIEW_MAX_SIDE = 128


def check_tiny_vae(tiny: Any, pipe: Any, family: ModelFamily, name: str) -> None:
    """Refuse, in one line, a tiny VAE made for another latent space than ``pipe``'s VAE."""
    theirs = int(tiny.config.latent_channels)
    ours = int(pipe.vae.config.latent_channels)
    blocks = len(tiny.config.decoder_block_out_channels)
    scale = int(tiny.config.upsampling_scaling_factor) ** (blocks - 1)
    if theirs == ours and scale == int(pipe.vae_scale_factor):
        return
    made = f"{theirs}-channel latents" + ("" if theirs != ours else f" at 1/{scale} size")
    raise EngineError(
        ErrorKind.MODEL_INVALID,
        f"the tiny VAE {Path(name).name or name} decodes {made}, but this {family.label} model "
        f"makes {ours}-channel latents at 1/{pipe.vae_scale_factor} size: choose a tiny VAE "
        f"for {family.label} ({TINY_VAE_FOR.get(family, 'its own')})",
    )


def tiny_decode(tiny: Any, latents: Any) -> np.ndarray:
    """RGB float 0..1 (H, W, 3) of one batch of the denoiser's latents (unpacked on FLUX.1)."""
    z = latents.to(tiny.dtype) / tiny.config.scaling_factor + tiny.config.shift_factor
    image = tiny.decode(z, return_dict=False)[0]
    image = (image / 2 + 0.5).clamp(0, 1)  # as diffusers' VaeImageProcessor.postprocess
    return image.cpu().permute(0, 2, 3, 1).float().numpy()[0]


def tiny_preview(tiny: Any, latents: Any, max_side: int | None = None) -> np.ndarray:
    """A step preview (RGB uint8) of latents (1 or no batch, C, h, w) by the tiny VAE, from
    latents averaged down until the preview's long side is at most ``max_side`` (default: by
    the latents' device, see :data:`PREVIEW_MAX_SIDE`)."""
    import torch.nn.functional as F

    lat = latents.detach()
    if max_side is None:
        max_side = CPU_PREVIEW_MAX_SIDE if lat.device.type == "cpu" else PREVIEW_MAX_SIDE
    if lat.ndim == 3:
        lat = lat[None]
    lat = lat[-1:]
    blocks = len(tiny.config.decoder_block_out_channels)
    scale = int(tiny.config.upsampling_scaling_factor) ** (blocks - 1)
    factor = -(-max(lat.shape[-2:]) * scale // max_side)  # ceiling division
    if factor > 1:
        lat = F.avg_pool2d(lat, factor, ceil_mode=True)
    rgb = tiny_decode(tiny, lat)
    return np.ascontiguousarray((rgb * 255).round().astype(np.uint8))
