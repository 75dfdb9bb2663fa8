"""SDXL family: the shared UNet loop with SDXL's conditioning.

Everything but the conditioning is the loop in ``unet_loop.py``. What SDXL adds: the context
is both text encoders' hidden states side by side, the pooled embedding of the second encoder
and the micro-conditioning time ids go in as ``added_cond_kwargs`` (to the ControlNets too),
and the VAE runs in fp32 when its configuration asks for it. The loop follows diffusers'
StableDiffusionXL (ControlNet, Img2Img, Inpaint) pipelines, so a plain render equals the
reference pipeline for the same seed.
"""

from __future__ import annotations

from f1studio.engine.families.base import ModelFamily
from f1studio.engine.families.sdxl_loading import load_sdxl, load_sdxl_controlnet
from f1studio.engine.families.sdxl_parts import SDXL_LATENT_RGB, encode_text, prepare_vae
from f1studio.engine.families.unet_loop import UNetAdapter, UNetFamily


class SDXLAdapter(UNetAdapter):
    parts = UNetFamily(
        family=ModelFamily.SDXL,
        latent_rgb=SDXL_LATENT_RGB,
        load_pipeline=load_sdxl,
        load_controlnet=load_sdxl_controlnet,
        encode_text=encode_text,
        prepare_pipe=prepare_vae,  # fp32 VAE where its configuration asks for it
    )
