"""Which UNet layout learns the shapes world's positions and kinds: a short ablation.

    python benchmarks/demo_ablation.py [--steps 500] [--scenes 6000] [--cases 32]
        [--variants v1,attn-all,deep] [--vae PATH] [--work DIR]

Each layout of :data:`f1studio.demo.architecture.UNET_VARIANTS` trains from scratch (UNet and
text encoder, the full run's learning rate and batch, a cosine over ``--steps``) on the same
pre-encoded scenes, then renders ``--cases`` held-out captions through the engine (20 steps,
dpmpp-2m, guidance 5). Prints per layout: seconds per step, the last 50 steps' mean loss, and
the eval's prompt figures (whole-caption adherence, shape colour found, kind right, position
right). The autoencoder is the shipped model's unless ``--vae`` names another; the layouts see
identical latents, so the autoencoder does not favour one.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _train_variant(variant: str, args: argparse.Namespace, data: dict, tokenizer) -> tuple:
    import numpy as np
    import torch
    from diffusers import DDPMScheduler

    from f1studio.demo import architecture
    from f1studio.demo.train_data import drop_captions, empty_ids
    from f1studio.demo.train_loop import lr_factor, noisy, set_lr, target
    from f1studio.demo.train_settings import FULL

    settings = replace(FULL, unet_steps=args.steps)
    torch.manual_seed(settings.seed + 2)
    unet = architecture.build_unet(variant)
    text_encoder = architecture.build_text_encoder(tokenizer)
    params = list(unet.parameters()) + list(text_encoder.parameters())
    optimizer = torch.optim.AdamW(params, lr=settings.unet_lr, weight_decay=1e-2)
    scheduler = DDPMScheduler.from_config(architecture.SCHEDULER_CONFIG)
    empty = empty_ids(tokenizer)
    n = data["latents"].shape[0]
    losses = []
    began = time.monotonic()
    for step in range(args.steps):
        set_lr(optimizer, settings.unet_lr, lr_factor(step, args.steps, settings.warmup))
        rng = np.random.default_rng([settings.seed, 2, step])
        idx = torch.from_numpy(rng.integers(0, n, size=settings.unet_batch))
        latents = data["latents"][idx].float()
        noised, noise, t = noisy(settings, scheduler, latents, 2, step)
        ids = drop_captions(data["ids"][idx], empty, settings.caption_dropout, rng)
        pred = unet(noised, t, text_encoder(ids)[0]).sample
        loss = (pred - target(scheduler, latents, noise, t)).pow(2).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        losses.append(loss.item())
        if (step + 1) % 100 == 0:
            print(f"  {variant}: step {step + 1}/{args.steps} loss {np.mean(losses[-100:]):.4f}")
    seconds = (time.monotonic() - began) / args.steps
    return unet, text_encoder, seconds, float(np.mean(losses[-50:]))


def _save_pipeline(folder: Path, vae, unet, text_encoder, tokenizer) -> None:
    from f1studio.demo.train_export import demo_pipeline

    demo_pipeline(vae, text_encoder, tokenizer, unet).save_pretrained(
        str(folder), safe_serialization=True
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--scenes", type=int, default=6000)
    parser.add_argument("--cases", type=int, default=32)
    parser.add_argument("--variants", default="v1,attn-all,deep")
    parser.add_argument("--vae", type=Path, default=None)
    parser.add_argument("--work", type=Path, default=Path("build/demo-ablation"))
    args = parser.parse_args()

    import torch
    from diffusers import AutoencoderKL
    from transformers import CLIPTokenizer

    from f1studio.demo.evaluate import EvalSettings, Figures, Renderer, eval_prompt
    from f1studio.demo.model import DEMO_ROOT
    from f1studio.demo.train_data import encode_dataset
    from f1studio.demo.train_loop import Log
    from f1studio.demo.train_settings import FULL
    from f1studio.demo.vocab import write_tokenizer

    torch.set_num_threads(FULL.threads)
    args.work.mkdir(parents=True, exist_ok=True)
    vae_path = args.vae or DEMO_ROOT / "pipeline" / "vae"
    vae = AutoencoderKL.from_pretrained(str(vae_path)).float().eval()
    write_tokenizer(args.work / "tokenizer")
    tokenizer = CLIPTokenizer.from_pretrained(str(args.work / "tokenizer"))
    log = Log(args.work / "ablation.log")
    data = encode_dataset(replace(FULL, scenes=args.scenes), vae, tokenizer, args.work, log)
    rows = []
    for variant in args.variants.split(","):
        unet, text_encoder, seconds, loss = _train_variant(variant, args, data, tokenizer)
        folder = args.work / variant
        _save_pipeline(folder, vae, unet.eval(), text_encoder.eval(), tokenizer)
        figures = Figures(EvalSettings(model=folder, cases=args.cases))
        eval_prompt(Renderer(figures.settings), figures)
        p = figures.prompt
        row = (
            f"{variant:9s} {seconds:5.2f} s/step  loss {loss:.4f}  adherence "
            f"{p['adherence']:.0%}  colour {p['shape_colour']:.0%}  kind {p['shape_kind']:.0%}"
            f"  position {p['shape_position']:.0%}  size {p.get('shape_size', float('nan')):.0%}"
        )
        log(row)
        rows.append(row)
    print(
        f"ablation: {args.steps} steps x batch {FULL.unet_batch}, {args.scenes} scenes, "
        f"{args.cases} held-out cases"
    )
    for row in rows:
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
