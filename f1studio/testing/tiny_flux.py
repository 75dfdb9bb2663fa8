"""A deterministic tiny random-weight FLUX.1 pipeline for tests, benchmarks and smoke runs.

    python -m f1studio.testing.tiny_models OUT --family flux [--seed 0]

writes, all safetensors and built locally without a network:

- ``OUT/pipeline``: a FluxPipeline ("dev": the transformer has a guidance embedding) with a tiny
  CLIP text encoder, a tiny T5 encoder whose Unigram tokenizer is built here from a short word
  list, a FLUX-style 16-channel VAE (1/8 downsampling, shift and scaling factors, no quant
  convs) and FLUX.1-dev's flow-matching scheduler configuration (dynamic shifting);
- ``OUT/pipeline-schnell``: the same without a guidance embedding and with schnell's scheduler;
- ``OUT/pipeline-fill``: a FluxFillPipeline (the transformer also reads the masked image and
  the mask, as FLUX.1 Fill does);
- ``OUT/controlnet-edge``, ``OUT/controlnet-depth``: FluxControlNetModels; ``OUT/controlnet-union``:
  a union FluxControlNetModel (``num_mode`` set). Their normally zero output layers are random,
  so a guide really changes the picture.

A 256x256 image has a 32x32x16 latent, packed into 16x16 = 256 image tokens of 64 channels.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from f1studio.testing.tiny_models import WORDS, write_clip_tokenizer

# FLUX.1-dev's and FLUX.1-schnell's published scheduler settings.
FLUX_DEV_SCHEDULER = {
    "num_train_timesteps": 1000,
    "shift": 3.0,
    "use_dynamic_shifting": True,
    "base_shift": 0.5,
    "max_shift": 1.15,
    "base_image_seq_len": 256,
    "max_image_seq_len": 4096,
}
FLUX_SCHNELL_SCHEDULER = {**FLUX_DEV_SCHEDULER, "shift": 1.0, "use_dynamic_shifting": False}

# FLUX.1's VAE latent statistics.
FLUX_VAE_SHIFT = 0.1159
FLUX_VAE_SCALE = 0.3611

TEXT_DIM = 32  # CLIP hidden size = pooled projection; T5 d_model = joint attention dim
T5_MAX_LENGTH = 64  # the tiny T5 tokenizer's model_max_length (real FLUX.1: 512)
HEADS, HEAD_DIM = 2, 16
ROPE_AXES = (4, 6, 6)  # sums to HEAD_DIM, like FLUX.1's (16, 56, 56) sums to 128
VAE_SCALE = 8
LATENT_CHANNELS = 16
UNION_MODES = 10


def write_t5_tokenizer(out: Path, words: list[str] | tuple[str, ...] = WORDS) -> None:
    """A T5-style SentencePiece-Unigram tokenizer (``<pad>`` 0, ``</s>`` 1, ``<unk>`` 2) whose
    vocabulary is ``words`` plus single letters, so any lowercase text tokenizes."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab: list[tuple[str, float]] = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    vocab += [(f"▁{w}", -3.0 - 0.01 * i) for i, w in enumerate(dict.fromkeys(words))]
    letters = "abcdefghijklmnopqrstuvwxyz0123456789,.-"
    vocab += [(c, -8.0) for c in letters] + [(f"▁{c}", -8.5) for c in letters]
    first: dict[str, float] = {}
    for piece, score in vocab:
        first.setdefault(piece, score)  # first one wins
    vocab = list(first.items())
    tok = Tokenizer(models.Unigram(vocab, unk_id=2, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.WhitespaceSplit(),
            pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True),
        ]
    )
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single=["$A", "</s>"], pair=["$A", "</s>", "$B", "</s>"], special_tokens=[("</s>", 1)]
    )
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        model_max_length=T5_MAX_LENGTH,
    )
    wrapped.save_pretrained(str(out))
    # Load it as the T5 tokenizer FLUX.1 declares (T5TokenizerFast reads tokenizer.json).
    config_file = out / "tokenizer_config.json"
    config = json.loads(config_file.read_text("utf-8"))
    config["tokenizer_class"] = "T5TokenizerFast"
    config["extra_ids"] = 0
    config_file.write_text(json.dumps(config, indent=2), "utf-8")


def _transformer(seed: int, guidance: bool, in_channels: int) -> Any:
    import torch
    from diffusers import FluxTransformer2DModel

    torch.manual_seed(seed)
    model = FluxTransformer2DModel(
        patch_size=1,
        in_channels=in_channels,
        out_channels=4 * LATENT_CHANNELS,
        num_layers=1,
        num_single_layers=1,
        attention_head_dim=HEAD_DIM,
        num_attention_heads=HEADS,
        joint_attention_dim=TEXT_DIM,
        pooled_projection_dim=TEXT_DIM,
        guidance_embeds=guidance,
        axes_dims_rope=ROPE_AXES,
    )
    # With default initialisation the text barely moves a random transformer's output (the
    # modulation gates are small): larger gates, values and sharper attention make prompts and
    # regions matter clearly, as they do in a trained model.
    with torch.no_grad():
        # diffusers' TYPE_CHECKING imports type its models as dummy classes without methods
        for name, p in model.named_parameters():  # type: ignore[attr-defined]
            if name.endswith(
                ("norm1.linear.weight", "norm1_context.linear.weight", "norm.linear.weight")
            ):
                p.mul_(6.0)
            elif name.endswith(("attn.to_v.weight", "attn.add_v_proj.weight")):
                p.mul_(3.0)
            elif name.endswith(
                ("norm_q.weight", "norm_k.weight", "norm_added_q.weight", "norm_added_k.weight")
            ):
                p.mul_(2.0)
    return model


def _vae(seed: int) -> Any:
    import torch
    from diffusers import AutoencoderKL

    torch.manual_seed(seed)
    return AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        block_out_channels=(8, 16, 16, 16),
        layers_per_block=1,
        latent_channels=LATENT_CHANNELS,
        norm_num_groups=8,
        sample_size=256,
        scaling_factor=FLUX_VAE_SCALE,
        shift_factor=FLUX_VAE_SHIFT,
        use_quant_conv=False,
        use_post_quant_conv=False,
        force_upcast=True,
        mid_block_add_attention=True,
    )


def _text_encoders(seed: int, folder: Path) -> dict[str, Any]:
    import torch

    # transformers 5 exports T5TokenizerFast only as a lazy alias its typing lacks
    from transformers import (  # type: ignore[attr-defined]
        CLIPTextConfig,
        CLIPTextModel,
        CLIPTokenizer,
        T5Config,
        T5EncoderModel,
        T5TokenizerFast,
    )

    write_clip_tokenizer(folder / "clip")
    write_t5_tokenizer(folder / "t5")
    tokenizer = CLIPTokenizer.from_pretrained(str(folder / "clip"))
    tokenizer_2 = T5TokenizerFast.from_pretrained(str(folder / "t5"))
    torch.manual_seed(seed)
    clip = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
            hidden_size=TEXT_DIM,
            intermediate_size=64,
            layer_norm_eps=1e-5,
            num_attention_heads=4,
            num_hidden_layers=2,
            vocab_size=len(tokenizer),
            max_position_embeddings=77,
        )
    )
    torch.manual_seed(seed + 1)
    t5 = T5EncoderModel(
        T5Config(
            vocab_size=len(tokenizer_2),
            d_model=TEXT_DIM,
            d_kv=8,
            d_ff=64,
            num_layers=2,
            num_heads=4,
            relative_attention_num_buckets=8,
            relative_attention_max_distance=32,
            feed_forward_proj="gated-gelu",
            dropout_rate=0.0,
            pad_token_id=0,
            eos_token_id=1,
            # transformers 5 types the config's fields only; other keywords are kept as-is
            decoder_start_token_id=0,  # type: ignore[call-arg]
            is_encoder_decoder=False,
            use_cache=False,
        )
    )
    return {
        "text_encoder": clip,
        "tokenizer": tokenizer,
        "text_encoder_2": t5,
        "tokenizer_2": tokenizer_2,
    }


def _controlnet(seed: int, num_mode: int | None = None) -> Any:
    import torch
    from diffusers import FluxControlNetModel

    torch.manual_seed(seed)
    cn = FluxControlNetModel(
        patch_size=1,
        in_channels=4 * LATENT_CHANNELS,
        num_layers=1,
        num_single_layers=1,
        attention_head_dim=HEAD_DIM,
        num_attention_heads=HEADS,
        joint_attention_dim=TEXT_DIM,
        pooled_projection_dim=TEXT_DIM,
        guidance_embeds=True,
        axes_dims_rope=ROPE_AXES,
        num_mode=num_mode,
    )
    with torch.no_grad():  # the zero-initialised layers get weights, so a guide steers
        # diffusers' TYPE_CHECKING imports type its models as dummy classes without attributes
        layers = [*cn.controlnet_blocks, *cn.controlnet_single_blocks]  # type: ignore[attr-defined]
        layers.append(cn.controlnet_x_embedder)  # type: ignore[attr-defined]
        for layer in layers:
            layer.weight.normal_(0.0, 0.3)
            layer.bias.zero_()
    return cn


def _fix_model_index(folder: Path) -> None:
    """Name the T5 tokenizer the way FLUX.1 repositories do (T5TokenizerFast)."""
    index_file = folder / "model_index.json"
    index = json.loads(index_file.read_text("utf-8"))
    index["tokenizer_2"] = ["transformers", "T5TokenizerFast"]
    index_file.write_text(json.dumps(index, indent=2), "utf-8")


def build_flux(out: Path, seed: int = 0) -> dict[str, Path]:
    """Write the tiny FLUX.1 pipelines and ControlNets under ``out``; return their paths."""
    from diffusers import FlowMatchEulerDiscreteScheduler, FluxFillPipeline, FluxPipeline

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    scratch = out / "_tokenizers"
    texts = _text_encoders(seed + 2, scratch)
    vae = _vae(seed + 1)
    packed = 4 * LATENT_CHANNELS
    variants = {
        "pipeline": (FluxPipeline, True, packed, FLUX_DEV_SCHEDULER),
        "pipeline-schnell": (FluxPipeline, False, packed, FLUX_SCHNELL_SCHEDULER),
        # Fill reads [noisy latents; masked-image latents; the 8x8 mask patches] per token
        "pipeline-fill": (
            FluxFillPipeline,
            True,
            2 * packed + 4 * VAE_SCALE**2,
            FLUX_DEV_SCHEDULER,
        ),
    }
    paths: dict[str, Path] = {}
    for name, (cls, guidance, in_channels, scheduler) in variants.items():
        pipe = cls(
            transformer=_transformer(seed, guidance, in_channels),
            vae=vae,
            scheduler=FlowMatchEulerDiscreteScheduler.from_config(scheduler),
            **texts,
        )
        # diffusers' TYPE_CHECKING imports type its pipelines as dummy classes without methods
        pipe.save_pretrained(str(out / name), safe_serialization=True)  # type: ignore[attr-defined]
        _fix_model_index(out / name)
        paths[name] = out / name
    shutil.rmtree(scratch)
    for i, (kind, modes) in enumerate((("edge", None), ("depth", None), ("union", UNION_MODES))):
        cn = _controlnet(seed + 10 + i, modes)
        cn.save_pretrained(str(out / f"controlnet-{kind}"), safe_serialization=True)
        paths[f"controlnet-{kind}"] = out / f"controlnet-{kind}"
    return paths
