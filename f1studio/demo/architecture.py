"""The shapes-world model's networks: sizes chosen to train on a 2-core CPU in about an hour.

A 128x128 image maps to a 16x16x4 latent (an 8x AutoencoderKL without attention, so it
trains on crops), or with ``factor`` 4 to a 32x32x4 one (see :data:`LATENT_FACTORS`). The
UNet's layout is one of :data:`UNET_VARIANTS` (see there); the text encoder is a 3-layer
CLIP over the world's vocabulary. ControlNets copy the UNet's
encoder, as diffusers' ``ControlNetModel.from_unet`` does.
"""

from __future__ import annotations

from typing import Any

IMAGE_SIZE = 128
TEXT_WIDTH = 128

#: Stable Diffusion 1.5's betas rescaled to zero terminal SNR, with v-prediction and trailing
#: timesteps (as SD 2.x models do). Flat colours leak through SD's usual last noise level, so a
#: model trained on it takes a picture's background colour from the starting noise, not from
#: the prompt; at zero SNR the prompt is all it has.
SCHEDULER_CONFIG: dict[str, Any] = {
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "num_train_timesteps": 1000,
    "prediction_type": "v_prediction",
    "rescale_betas_zero_snr": True,
    "timestep_spacing": "trailing",
    "steps_offset": 1,
    "clip_sample": False,
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "trained_betas": None,
}


#: How many pixels a latent pixel covers across: the shipped model's 8 (a 16x16 latent), or 4
#: (a 32x32 latent, where a medium shape spans twice as many latent pixels; sharper but no better
#: at shape kinds, see docs/eval/kind-probes.md). ``TrainSettings.latent_factor`` chooses.
LATENT_FACTORS = (8, 4)


def _halvings(factor: int) -> int:
    """How many times a picture is halved on the way to a latent of ``factor``."""
    if factor not in LATENT_FACTORS:
        raise ValueError(f"latent factor {factor} is not one of {LATENT_FACTORS}")
    return factor.bit_length() - 1


def build_vae(factor: int = 8) -> Any:
    """The autoencoder: one level per halving, so three for a 4x latent and four for 8x."""
    from diffusers import AutoencoderKL

    levels = _halvings(factor) + 1
    return AutoencoderKL(
        in_channels=3,
        out_channels=3,
        block_out_channels=(16, 32, 64, 64)[:levels],
        down_block_types=("DownEncoderBlock2D",) * levels,
        up_block_types=("UpDecoderBlock2D",) * levels,
        latent_channels=4,
        layers_per_block=1,
        norm_num_groups=16,
        sample_size=IMAGE_SIZE,
        mid_block_add_attention=False,
    )


#: UNet layouts compared by ``benchmarks/demo_ablation.py`` and, 2000 steps each,
#: ``benchmarks/demo_recipe_ablation.py --arms unet_variant=...`` (all Stable Diffusion 1.5's
#: diffusers layout; the latent is 16x16): the first model's (cross-attention at 16 and 8, a
#: 4x4 innermost level without it), cross-attention at every level, a fourth level down to
#: 2x2 with cross-attention everywhere, twice the heads (16 wide), two transformer blocks
#: at the 8x8 and 4x4 levels (more attention where the layout is decided), and attn-all at a
#: quarter, half and three quarters of its width (fewer parameters, more steps in the same
#: time).
UNET_VARIANTS: dict[str, dict[str, Any]] = {
    "v1": dict(
        block_out_channels=(64, 128, 128),
        down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
        attention_head_dim=(2, 4, 4),
    ),
    "attn-all": dict(
        block_out_channels=(64, 128, 128),
        down_block_types=("CrossAttnDownBlock2D",) * 3,
        up_block_types=("CrossAttnUpBlock2D",) * 3,
        attention_head_dim=(2, 4, 4),
    ),
    "deep": dict(
        block_out_channels=(64, 128, 128, 128),
        down_block_types=("CrossAttnDownBlock2D",) * 4,
        up_block_types=("CrossAttnUpBlock2D",) * 4,
        attention_head_dim=(2, 4, 4, 4),
    ),
    "heads": dict(
        block_out_channels=(64, 128, 128),
        down_block_types=("CrossAttnDownBlock2D",) * 3,
        up_block_types=("CrossAttnUpBlock2D",) * 3,
        attention_head_dim=(4, 8, 8),
    ),
    "tx2": dict(
        block_out_channels=(64, 128, 128),
        down_block_types=("CrossAttnDownBlock2D",) * 3,
        up_block_types=("CrossAttnUpBlock2D",) * 3,
        attention_head_dim=(2, 4, 4),
        transformer_layers_per_block=(1, 2, 2),
    ),
    "quarter": dict(
        block_out_channels=(16, 32, 32),
        down_block_types=("CrossAttnDownBlock2D",) * 3,
        up_block_types=("CrossAttnUpBlock2D",) * 3,
        attention_head_dim=(1, 1, 1),
    ),
    "half": dict(
        block_out_channels=(32, 64, 64),
        down_block_types=("CrossAttnDownBlock2D",) * 3,
        up_block_types=("CrossAttnUpBlock2D",) * 3,
        attention_head_dim=(1, 2, 2),
    ),
    # for a 32x32 latent (a 4x autoencoder): attn-all's three levels under a cheap outer
    # level of 32 channels without attention; a training step costs 10% more than attn-all's
    # on a 16x16 latent, a render 15% more (benchmarks/demo_train_speed.py, 2026-12-07)
    "outer32": dict(
        block_out_channels=(32, 64, 128, 128),
        down_block_types=("DownBlock2D",) + ("CrossAttnDownBlock2D",) * 3,
        up_block_types=("CrossAttnUpBlock2D",) * 3 + ("UpBlock2D",),
        attention_head_dim=(1, 2, 4, 4),
    ),
    "three-quarter": dict(
        block_out_channels=(48, 96, 96),
        down_block_types=("CrossAttnDownBlock2D",) * 3,
        up_block_types=("CrossAttnUpBlock2D",) * 3,
        attention_head_dim=(2, 3, 3),
    ),
}
#: The layout the recipe trains (``TrainSettings.unet_variant``) and the shipped model has.
#: In 22-minute runs ``half`` beat it on every prompt figure, but over a full run's 8300
#: steps ``half`` fell far behind (kind 45% against 67%, adherence 30% against 48%;
#: docs/eval/demo-ablation.md, 2026-12-06), so the recipe stays ``attn-all``.
UNET_VARIANT = "attn-all"


def build_unet(variant: str = UNET_VARIANT, factor: int = 8) -> Any:
    """The UNet of layout ``variant`` for the latent of an autoencoder of ``factor``."""
    from diffusers import UNet2DConditionModel

    if variant not in UNET_VARIANTS:
        raise ValueError(f"unknown UNet layout {variant!r} (one of {', '.join(UNET_VARIANTS)})")
    # diffusers reads attention_head_dim as the number of heads per block: 32-wide heads
    return UNet2DConditionModel(
        sample_size=IMAGE_SIZE >> _halvings(factor),
        in_channels=4,
        out_channels=4,
        layers_per_block=1,
        cross_attention_dim=TEXT_WIDTH,
        norm_num_groups=16,
        **UNET_VARIANTS[variant],
    )


def variant_of(config: Any) -> str:
    """The key of :data:`UNET_VARIANTS` a UNet's ``config`` was built from (a fine-tune goes
    on in the layout of the model it starts from, whatever the recipe now trains)."""

    def per_block(value: Any, blocks: int) -> tuple:
        return tuple(value) if isinstance(value, (list, tuple)) else (value,) * blocks

    for name, layout in UNET_VARIANTS.items():
        blocks = len(layout["block_out_channels"])
        wanted = {"transformer_layers_per_block": 1, **layout}
        if all(
            per_block(config.get(key), blocks) == per_block(value, blocks)
            for key, value in wanted.items()
        ):
            return name
    raise ValueError(f"a UNet of none of the demo layouts ({', '.join(UNET_VARIANTS)})")


def build_text_encoder(tokenizer: Any) -> Any:
    from transformers import CLIPTextConfig, CLIPTextModel

    return CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
            hidden_size=TEXT_WIDTH,
            intermediate_size=4 * TEXT_WIDTH,
            layer_norm_eps=1e-5,
            num_attention_heads=4,
            num_hidden_layers=3,
            vocab_size=len(tokenizer),
            max_position_embeddings=tokenizer.model_max_length,
        )
    )


def build_controlnet(unet: Any) -> Any:
    """A ControlNet copied from ``unet``, whose guide embedding takes a 128 px guide down to
    the UNet's latent size (one stride-2 convolution per halving)."""
    from diffusers import ControlNetModel

    halvings = _halvings(IMAGE_SIZE // int(unet.config.sample_size))
    channels = (16, 32, 64, 128)[: halvings + 1]
    return ControlNetModel.from_unet(unet, conditioning_embedding_out_channels=channels)
