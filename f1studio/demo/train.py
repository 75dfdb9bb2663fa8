"""Train the shapes-world demo model from scratch on the CPU.

    python -m f1studio.demo.train --out f1studio/resources/models/shapes-world [--work DIR] [--quick]
        [--until vae|unet|controlnets]

Four stages, each resumable from its last checkpoint under ``--work`` (a rerun of the
same command continues where a stopped run left off): the autoencoder, the text encoder
alone learning to read captions (see train_text), then the UNet with the text encoder on
pre-encoded latents (ending with a region phase through the engine's regional attention and
a grounding phase that keeps each shape's words looking at that shape), then one ControlNet
per guide kind (edge, depth) trained mostly on hand-made guides, and an inpaint ControlNet.
Progress goes to ``WORK/train.log``. The result is a diffusers Stable Diffusion folder
(``pipeline/``) and two ControlNet folders, all fp16 safetensors, plus ``training.json``.
Everything is a function of the settings' seed (scenes from :data:`world.TRAIN_SEEDS`).
"""

# The stages live in train_stages, what they learn from in train_data, the shared step loop
# (log, learning rates, checkpoints, EMA, noise) in train_loop and the export in train_export.

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from f1studio.demo.train_data import encode_dataset
from f1studio.demo.train_export import export
from f1studio.demo.train_loop import Log
from f1studio.demo.train_settings import FULL, QUICK, TrainSettings, overridden
from f1studio.demo.train_stages import (
    CONTROLNET_KINDS,
    sharpen_decoder,
    train_controlnet,
    train_unet,
    train_vae,
)
from f1studio.demo.train_text import train_text_encoder

STAGES = ("vae", "text", "unet", "controlnets")


def train(
    out: Path, work: Path, settings: TrainSettings, echo: bool = True, until: str | None = None
) -> Path | None:
    """Train every stage (or stop after stage ``until``, without exporting) and export."""
    import torch
    from transformers import CLIPTokenizer

    from f1studio.demo.vocab import write_tokenizer

    work.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(settings.threads)
    log = Log(work / "train.log", echo=echo)
    (work / "settings.json").write_text(json.dumps(settings.to_dict(), indent=2), "utf-8")
    log(f"training the shapes-world model into {out} (work folder {work})")
    tok_dir = work / "tokenizer"
    if not (tok_dir / "vocab.json").is_file():
        write_tokenizer(tok_dir)
    tokenizer = CLIPTokenizer.from_pretrained(str(tok_dir))
    vae = sharpen_decoder(settings, work, log, train_vae(settings, work, log))
    log.save_elapsed()
    if until == "vae":
        return None
    data = encode_dataset(settings, vae, tokenizer, work, log)
    text_encoder = train_text_encoder(settings, work, log, data, tokenizer)
    log.save_elapsed()
    if until == "text":
        return None
    unet, text_encoder = train_unet(settings, work, log, data, tokenizer, text_encoder)
    log.save_elapsed()
    if until == "unet":
        return None
    controlnets: dict[str, Any] = {}
    for kind in CONTROLNET_KINDS:
        controlnets[kind] = train_controlnet(
            settings, work, log, kind, data, unet, text_encoder, tokenizer
        )
        log.save_elapsed()
    if until == "controlnets":
        return None
    seconds = log.save_elapsed()
    export(out, vae, unet, text_encoder, tokenizer, controlnets, settings, seconds)
    log(f"exported to {out} after {seconds / 60:.1f} min of training")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m f1studio.demo.train", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("f1studio/resources/models/shapes-world"))
    parser.add_argument("--work", type=Path, default=Path("build/shapes-world-training"))
    parser.add_argument(
        "--quick", action="store_true", help="a few steps of each stage (smoke test)"
    )
    parser.add_argument(
        "--until", choices=STAGES, help="stop after this stage (resume later without it)"
    )
    parser.add_argument(
        "--set",
        default="",
        metavar="NAME=VALUE,...",
        help="change settings of the recipe for this run, e.g. latent_factor=4,unet_variant="
        "outer32 (recorded in training.json; give the same to resume)",
    )
    args = parser.parse_args(argv)
    try:
        settings = overridden(QUICK if args.quick else FULL, args.set)
    except ValueError as exc:
        parser.error(str(exc))
    train(args.out, args.work, settings, until=args.until)
    return 0


if __name__ == "__main__":
    sys.exit(main())
