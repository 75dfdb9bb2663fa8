"""A deterministic tiny random-weight SDXL pipeline and two ControlNets, for tests and benchmarks.

    python -m f1studio.testing.tiny_models OUT --family sdxl [--seed 0]

``build_sdxl(out)`` writes ``OUT/pipeline`` (a StableDiffusionXLPipeline: a UNet with SDXL's
``text_time`` added conditioning, a CLIPTextModel and a CLIPTextModelWithProjection with their
own small tokenizers, a 1/8 VAE that asks for fp32 decoding like SDXL's, and the Euler scheduler
configuration of the published SDXL base model), ``OUT/controlnet-edge`` and
``OUT/controlnet-depth``. ``build_sdxl_inpaint(out)`` writes ``OUT/pipeline-inpaint``, the same
model with a 9-channel inpainting UNet. Safetensors only, no network; a 256x256 image has a
32x32 latent.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from f1studio.engine.request import ControlKind
from f1studio.testing.tiny_models import build_controlnet, write_clip_tokenizer

# The scheduler configuration published with stabilityai/stable-diffusion-xl-base-1.0.
SDXL_SCHEDULER = {
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "num_train_timesteps": 1000,
    "prediction_type": "epsilon",
    "interpolation_type": "linear",
    "timestep_spacing": "leading",
    "steps_offset": 1,
    "use_karras_sigmas": False,
    "clip_sample": False,
    "sample_max_value": 1.0,
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "trained_betas": None,
}

# Widths: SDXL concatenates both encoders' hidden states (768 + 1280 in the real model) as the
# cross-attention context; the pooled projection of the second one (1280) and six micro-
# conditioning numbers (original size, crop, target size) feed the added time embedding.
_TE1_WIDTH, _TE2_WIDTH, _PROJECTION, _TIME_ID_WIDTH = 32, 48, 32, 8


def _text_config(tokenizer, width: int, act: str, projection: int | None = None):
    from transformers import CLIPTextConfig

    extra: dict[str, Any] = {"projection_dim": projection} if projection else {}
    return CLIPTextConfig(
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        hidden_size=width,
        intermediate_size=2 * width,
        layer_norm_eps=1e-5,
        num_attention_heads=4,
        num_hidden_layers=2,
        hidden_act=act,
        vocab_size=len(tokenizer),
        max_position_embeddings=77,
        **extra,
    )


def _unet(seed: int, in_channels: int):
    import torch
    from diffusers import UNet2DConditionModel

    torch.manual_seed(seed)
    return UNet2DConditionModel(
        sample_size=32,
        in_channels=in_channels,
        out_channels=4,
        block_out_channels=(32, 64),
        layers_per_block=1,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        transformer_layers_per_block=(1, 2),
        attention_head_dim=(2, 4),
        use_linear_projection=True,
        cross_attention_dim=_TE1_WIDTH + _TE2_WIDTH,
        addition_embed_type="text_time",
        addition_time_embed_dim=_TIME_ID_WIDTH,
        projection_class_embeddings_input_dim=6 * _TIME_ID_WIDTH + _PROJECTION,
        norm_num_groups=8,
    )


def build_sdxl_components(out: Path, seed: int = 0, in_channels: int = 4) -> dict:
    """Tiny SDXL-shaped components; the tokenizers are written under ``out`` (and read back)."""
    import torch
    from diffusers import AutoencoderKL, EulerDiscreteScheduler
    from transformers import CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

    unet = _unet(seed, in_channels)
    torch.manual_seed(seed + 1)
    vae = AutoencoderKL(
        in_channels=3,
        out_channels=3,
        block_out_channels=(16, 16, 32, 32),
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        latent_channels=4,
        layers_per_block=1,
        norm_num_groups=8,
        sample_size=256,
        scaling_factor=0.13025,
        force_upcast=True,
    )
    first, second = Path(out) / "tokenizer", Path(out) / "tokenizer_2"
    write_clip_tokenizer(first)
    # the second SDXL tokenizer pads with "!" (open_clip's convention), the first with EOS
    CLIPTokenizer.from_pretrained(str(first), pad_token="!").save_pretrained(str(second))
    tokenizer = CLIPTokenizer.from_pretrained(str(first))
    tokenizer_2 = CLIPTokenizer.from_pretrained(str(second))
    torch.manual_seed(seed + 2)
    text_encoder = CLIPTextModel(_text_config(tokenizer, _TE1_WIDTH, "quick_gelu"))
    torch.manual_seed(seed + 3)
    text_encoder_2 = CLIPTextModelWithProjection(
        _text_config(tokenizer_2, _TE2_WIDTH, "gelu", projection=_PROJECTION)
    )
    return {
        "unet": unet,
        "vae": vae,
        "text_encoder": text_encoder,
        "text_encoder_2": text_encoder_2,
        "tokenizer": tokenizer,
        "tokenizer_2": tokenizer_2,
        "scheduler": EulerDiscreteScheduler.from_config(SDXL_SCHEDULER),
    }


def _save_pipeline(cls, out: Path, name: str, seed: int, in_channels: int) -> tuple[Path, dict]:
    scratch = out / f"_{name}-tokenizers"
    comps = build_sdxl_components(scratch, seed, in_channels)
    pipe = cls(**comps, add_watermarker=False)
    pipe.save_pretrained(str(out / name), safe_serialization=True)
    shutil.rmtree(scratch)
    return out / name, comps


def build_sdxl(out: Path, seed: int = 0) -> dict[str, Path]:
    """Write the tiny SDXL pipeline and edge/depth ControlNets under ``out``."""
    from diffusers import StableDiffusionXLPipeline

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    folder, comps = _save_pipeline(StableDiffusionXLPipeline, out, "pipeline", seed, 4)
    paths = {"pipeline": folder}
    for i, kind in enumerate(ControlKind):  # one ControlNet per guide kind
        cn = build_controlnet(comps["unet"], seed + 10 + i)
        cn.save_pretrained(str(out / f"controlnet-{kind.value}"), safe_serialization=True)
        paths[f"controlnet-{kind.value}"] = out / f"controlnet-{kind.value}"
    return paths


def build_sdxl_inpaint(out: Path, seed: int = 0) -> dict[str, Path]:
    """Write ``out/pipeline-inpaint``: the tiny SDXL with a 9-channel inpainting UNet."""
    from diffusers import StableDiffusionXLInpaintPipeline

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    folder, _ = _save_pipeline(StableDiffusionXLInpaintPipeline, out, "pipeline-inpaint", seed, 9)
    return {"pipeline-inpaint": folder}
