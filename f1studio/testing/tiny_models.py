"""Deterministic tiny random-weight models for tests, benchmarks and smoke runs.

    python -m f1studio.testing.tiny_models OUT --family sd15|sdxl|flux [--seed 0]

writes ``OUT/pipeline`` (a diffusers pipeline of that family's architecture with its own small
tokenizers), ``OUT/controlnet-edge``, ``OUT/controlnet-depth`` and (sd15) ``OUT/depth-estimator``.
Everything is safetensors, built locally, no network. Latents are 1/8 of the image like the
real SD1.5 (a 256x256 image has a 32x32 latent).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from f1studio.engine.request import ControlKind

# The SD1.5 scheduler configuration (the published model's PNDM settings), so that
# schedulers built by name with ``from_config`` behave as they do on real checkpoints.
SD15_SCHEDULER = {
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "num_train_timesteps": 1000,
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "clip_sample": False,
    "trained_betas": None,
}

WORDS = [
    "a",
    "an",
    "the",
    "of",
    "on",
    "in",
    "at",
    "and",
    "with",
    "red",
    "green",
    "blue",
    "yellow",
    "black",
    "white",
    "orange",
    "purple",
    "pink",
    "car",
    "cat",
    "dog",
    "house",
    "tree",
    "sky",
    "sea",
    "mountain",
    "city",
    "street",
    "portrait",
    "photo",
    "painting",
    "sketch",
    "circle",
    "square",
    "triangle",
    "left",
    "right",
    "top",
    "bottom",
    "centre",
    "center",
    "background",
    "big",
    "small",
    "blurry",
    "ugly",
    "bad",
    "quality",
    "detailed",
    "sunset",
    "night",
    "day",
    "forest",
    "flower",
]


def _bytes_to_unicode() -> list[str]:
    """The reversible byte -> printable-character table used by byte-level BPE (CLIP, GPT-2)."""
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    codes = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            codes.append(256 + extra)
            extra += 1
    return [chr(c) for c in codes]


def _apply_merges(parts: list[str], ranks: dict[tuple[str, str], int]) -> list[str]:
    """Byte-pair encoding of one word's symbols: the lowest-ranked pair first, as CLIP's does."""
    while len(parts) > 1:
        pairs = [
            (ranks.get((a, b), len(ranks)), i)
            for i, (a, b) in enumerate(zip(parts, parts[1:], strict=False))
        ]
        rank, i = min(pairs)
        if rank == len(ranks):
            break
        parts = parts[:i] + [parts[i] + parts[i + 1]] + parts[i + 2 :]
    return parts


def write_clip_tokenizer(
    out: Path, words: tuple[str, ...] | list[str] = WORDS, whole_words: bool = False
) -> None:
    """A small CLIP BPE tokenizer: every byte, plus merges for ``words``.

    With ``whole_words`` every word of ``words`` is one token: each word's merges start from
    what the merges of the words before it already make of it (merges of different words
    otherwise compete, and a word like "triangle" ends up in six pieces)."""
    from transformers import CLIPTokenizer

    chars = _bytes_to_unicode()
    vocab: dict[str, int] = {}
    for c in chars:
        vocab[c] = len(vocab)
    for c in chars:
        vocab[c + "</w>"] = len(vocab)
    merges: list[str] = []
    ranks: dict[tuple[str, str], int] = {}
    for word in words:
        parts = list(word[:-1]) + [word[-1] + "</w>"]
        if whole_words:
            parts = _apply_merges(parts, ranks)
        while len(parts) > 1:
            ranks.setdefault((parts[0], parts[1]), len(ranks))
            merged = parts[0] + parts[1]
            merges.append(f"{parts[0]} {parts[1]}")
            vocab.setdefault(merged, len(vocab))
            parts = [merged] + parts[2:]
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    raw = out / "_raw"
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    unique = list(dict.fromkeys(merges))
    (raw / "merges.txt").write_text("#version: 0.2\n" + "\n".join(unique) + "\n", "utf-8")
    tok = CLIPTokenizer(str(raw / "vocab.json"), str(raw / "merges.txt"), model_max_length=77)
    tok.save_pretrained(str(out))
    for f in raw.iterdir():
        f.unlink()
    raw.rmdir()


def build_sd15_components(seed: int = 0, tokenizer_dir: Path | None = None) -> dict:
    """Tiny SD1.5-shaped components (UNet, VAE, CLIP text encoder, tokenizer, scheduler)."""
    import torch
    from diffusers import AutoencoderKL, PNDMScheduler, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(seed)
    unet = UNet2DConditionModel(
        sample_size=32,
        in_channels=4,
        out_channels=4,
        block_out_channels=(32, 64),
        layers_per_block=1,
        down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=8,
        norm_num_groups=8,
    )
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
    )
    if tokenizer_dir is None:
        raise ValueError("tokenizer_dir is required (the tokenizer is written to disk)")
    write_clip_tokenizer(tokenizer_dir)
    tokenizer = CLIPTokenizer.from_pretrained(str(tokenizer_dir))
    torch.manual_seed(seed + 2)
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
            hidden_size=32,
            intermediate_size=64,
            layer_norm_eps=1e-5,
            num_attention_heads=4,
            num_hidden_layers=2,
            vocab_size=len(tokenizer),
            max_position_embeddings=77,
        )
    )
    scheduler = PNDMScheduler.from_config(SD15_SCHEDULER)
    return {
        "unet": unet,
        "vae": vae,
        "text_encoder": text_encoder,
        "tokenizer": tokenizer,
        "scheduler": scheduler,
    }


def build_controlnet(unet, seed: int):
    """A ControlNet shaped for ``unet`` whose (normally zero) output convs are random, so the
    guide really changes the picture in tests."""
    import torch
    from diffusers import ControlNetModel

    torch.manual_seed(seed)
    cn = ControlNetModel.from_unet(unet, conditioning_embedding_out_channels=(8, 16, 16, 16))
    with torch.no_grad():
        for p in cn.parameters():
            p.add_(torch.randn_like(p) * 0.02)
        for block in list(cn.controlnet_down_blocks) + [cn.controlnet_mid_block]:
            block.weight.normal_(0.0, 0.3)
            block.bias.zero_()
    return cn


def build_sd15(out: Path, seed: int = 0) -> dict[str, Path]:
    """Write the tiny SD1.5 pipeline, two ControlNets and a depth estimator under ``out``."""
    import torch
    from diffusers import StableDiffusionPipeline

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    comps = build_sd15_components(seed, tokenizer_dir=out / "_tokenizer")
    pipe = StableDiffusionPipeline(
        **comps, safety_checker=None, feature_extractor=None, requires_safety_checker=False
    )
    # diffusers' TYPE_CHECKING imports type its pipelines as dummy classes without methods
    pipe.save_pretrained(str(out / "pipeline"), safe_serialization=True)  # type: ignore[attr-defined]
    for f in (out / "_tokenizer").iterdir():
        f.unlink()
    (out / "_tokenizer").rmdir()
    paths = {"pipeline": out / "pipeline"}
    for i, kind in enumerate(ControlKind):  # one ControlNet per guide kind
        cn = build_controlnet(comps["unet"], seed + 10 + i)
        cn.save_pretrained(str(out / f"controlnet-{kind.value}"), safe_serialization=True)
        paths[f"controlnet-{kind.value}"] = out / f"controlnet-{kind.value}"
    from f1studio.testing.tiny_depth import build_tiny_depth_estimator

    paths["depth-estimator"] = build_tiny_depth_estimator(out / "depth-estimator", seed=seed)
    del torch
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m f1studio.testing.tiny_models",
        description="Write deterministic tiny random-weight models (no network).",
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--family", choices=["sd15", "sdxl", "flux"], default="sd15")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.family == "sdxl":
        from f1studio.testing.tiny_sdxl import build_sdxl as build
    elif args.family == "flux":
        from f1studio.testing.tiny_flux import build_flux as build
    else:
        build = build_sd15
    paths = dict(build(args.out, args.seed))
    # what reference pictures use: an IP-Adapter (SD1.5, SDXL) or FLUX.1 Redux
    if args.family == "flux":
        from f1studio.testing.tiny_flux import TEXT_DIM
        from f1studio.testing.tiny_redux import build_redux

        paths["ip-adapter"] = build_redux(Path(args.out) / "ip-adapter", TEXT_DIM, args.seed)
        # and the XLabs FLUX.1 IP-Adapter: --ip-adapter takes either folder on FLUX.1
        from diffusers import FluxTransformer2DModel

        from f1studio.testing.tiny_flux_ip_adapter import build_flux_ip_adapter

        transformer = FluxTransformer2DModel.from_pretrained(str(paths["pipeline"] / "transformer"))
        paths["ip-adapter-xlabs"] = build_flux_ip_adapter(
            transformer, Path(args.out) / "ip-adapter-xlabs", args.seed
        )
    else:
        from diffusers import UNet2DConditionModel

        from f1studio.testing.tiny_ip_adapter import build_ip_adapter

        unet = UNet2DConditionModel.from_pretrained(str(paths["pipeline"] / "unet"))
        paths["ip-adapter"] = build_ip_adapter(unet, Path(args.out) / "ip-adapter", args.seed)
    for name, path in paths.items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
