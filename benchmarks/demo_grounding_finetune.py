"""Does the grounding term teach the shipped demo UNet which shape's words go where?

    python benchmarks/demo_grounding_finetune.py [--steps 600] [--weights 0,0.1] [--cases 50]
        [--first-case 0] [--work build/demo-grounding-finetune] [--base "name=value,..."]
        [--start-from PIPELINE]

Each arm fine-tunes the shipped UNet and text encoder (fp16 read back as fp32) for
``--steps`` more steps through the real UNet stage (``train_stages.train_unet``, resumed from a
checkpoint seeded with the shipped weights as weights and EMA; a fresh optimizer; a cosine at
the region phase's rate; plain batches with ``grounding_weight`` = the arm's weight). The arm
with weight 0 is the control: the same fine-tune without the term. Each arm prints:

* how grounded the cross-attention is: the mean share of each shape phrase's attention that
  falls inside its shape, over every layer, on 64 training scenes at three noise levels
  (what the term pulls up);
* the eval's prompt figures on ``--cases`` held-out captions, with shape kind split by one
  shape against two to four (as ``demo_recipe_ablation.py`` prints them).

With ``--base kind_map_weight=W`` each arm also carries the kind-map term
(``train_kind_map``) with a fresh head. The encoded scenes are ``demo_recipe_ablation.py``'s
(``build/demo-recipe-ablation``; made there when missing). Every arm resumes from its checkpoints, so a stopped run goes on.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))


def attention_inside(unet, text, data, scenes: int = 64) -> float:  # noqa: ANN001
    """The mean share of each shape phrase's cross-attention inside its shape."""
    import numpy as np
    import torch
    from diffusers import DDPMScheduler

    from f1studio.demo import architecture
    from f1studio.demo.train_grounding import inside_shares, probed_cross_attention, shape_masks

    scheduler = DDPMScheduler.from_config(architecture.SCHEDULER_CONFIG)
    scenes = min(scenes, data["latents"].shape[0])
    idx_np = np.arange(scenes)
    idx = torch.from_numpy(idx_np)
    latents = data["latents"][idx].float()
    masks = shape_masks(idx_np, latents.shape[-1])
    groups = data["text_groups"][idx]
    shares = []
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        states = text(data["ids"][idx])[0]
        for t_value in (250, 500, 800):
            noise = torch.randn(latents.shape, generator=generator)
            t = torch.full((scenes,), t_value)
            with probed_cross_attention(unet) as maps:
                unet(scheduler.add_noise(latents, noise, t), t, states)
            captioned = torch.ones(scenes, dtype=torch.bool)
            shares.append(inside_shares(maps, groups, masks, captioned))
    return float(torch.cat(shares).mean())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--weights", default="0,0.1")
    parser.add_argument(
        "--base", default="", help="overrides of the full run's settings (name=value,...)"
    )
    parser.add_argument(
        "--region-every",
        type=int,
        default=10**9,
        help="every N-th fine-tune batch is seen through regional attention, as in the "
        "recipe's region phase (default: none, plain batches only)",
    )
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--first-case", type=int, default=0)
    parser.add_argument(
        "--start-from",
        type=Path,
        default=None,
        help="the pipeline folder whose UNet and text encoder each arm goes on from "
        "(default: the shipped model's); e.g. an earlier shipped model taken from git history",
    )
    parser.add_argument("--work", type=Path, default=Path("build/demo-grounding-finetune"))
    parser.add_argument("--data", type=Path, default=Path("build/demo-recipe-ablation"))
    args = parser.parse_args(argv)

    import torch
    from demo_recipe_ablation import figures_row, parse_arm, prompt_figures
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTokenizer

    from f1studio.demo import architecture, checkpoints
    from f1studio.demo.model import DEMO_ROOT
    from f1studio.demo.train_data import encode_dataset
    from f1studio.demo.train_export import demo_pipeline
    from f1studio.demo.train_kind_map import kind_map_head
    from f1studio.demo.train_loop import Log
    from f1studio.demo.train_settings import FULL
    from f1studio.demo.train_stages import train_unet

    torch.set_num_threads(FULL.threads)
    args.work.mkdir(parents=True, exist_ok=True)
    log = Log(args.work / "finetune.log")
    shipped = DEMO_ROOT / "pipeline"
    start_from = args.start_from or shipped
    vae = AutoencoderKL.from_pretrained(str(shipped / "vae")).float().eval()
    tokenizer = CLIPTokenizer.from_pretrained(str(shipped / "tokenizer"))
    base = parse_arm(args.base, FULL)
    args.data.mkdir(parents=True, exist_ok=True)
    data = encode_dataset(base, vae, tokenizer, args.data, log)

    def shipped_parts():  # noqa: ANN202
        unet = UNet2DConditionModel.from_pretrained(str(start_from / "unet")).float()
        text = CLIPTextModel.from_pretrained(str(start_from / "text_encoder")).float()
        return unet, text

    unet, text = shipped_parts()
    rows = [f"start: attention inside its shape {attention_inside(unet, text, data):.1%}"]
    log(rows[0])
    start = base.unet_steps + base.region_steps
    for weight in (float(w) for w in args.weights.split(",")):
        # the fine-tune is a second region-style cycle after the shipped run's last step:
        # every ``--region-every``-th batch regional (by default only its first), the others
        # plain, with the term
        settings = replace(
            base,
            unet_variant=architecture.variant_of(unet.config),  # the starting model's layout
            unet_steps=start,
            region_steps=args.steps,
            grounding_steps=0,  # the term on every plain batch of this one phase
            low_noise_steps=0,
            region_every=args.region_every,
            grounding_weight=weight,
        )
        work = args.work / f"weight-{weight:g}"
        checkpoint = work / "unet-stage" / "checkpoint"
        unet, text = shipped_parts()
        if not (checkpoint / "state.json").is_file():
            groups = [
                {"params": list(unet.parameters())},
                {"params": list(text.parameters()), "lr_scale": settings.text_lr_factor},
            ]
            modules = {"unet": unet, "text_encoder": text, "ema_unet": unet, "ema_text": text}
            if settings.kind_map_weight > 0:  # a fresh kind-map head (--base kind_map_weight=…)
                torch.manual_seed(settings.seed + 2)
                modules["kind_head"] = kind_map_head(unet, settings.kind_map_level)
                groups.append({"params": list(modules["kind_head"].parameters())})
            optimizer = torch.optim.AdamW(groups, lr=settings.unet_lr, weight_decay=1e-2)
            checkpoints.save(checkpoint, modules, optimizer, start, {})
        began = time.monotonic()
        unet, text = train_unet(settings, work, log, data, tokenizer, text)
        minutes = (time.monotonic() - began) / 60
        folder = work / "pipeline"
        if not (folder / "model_index.json").is_file():
            demo_pipeline(vae, text.eval(), tokenizer, unet.eval()).save_pretrained(
                str(folder), safe_serialization=True
            )
        inside = attention_inside(unet.eval(), text.eval(), data)
        p = prompt_figures(folder, args.cases, args.first_case)
        row = (
            f"grounding_weight {weight:g}: {minutes:5.1f} min  attention inside its shape "
            f"{inside:.1%}  {figures_row(p)}"
        )
        log(row)
        rows.append(row)
    print(f"grounding fine-tune: {args.steps} steps from the shipped model, {args.cases} cases")
    for row in rows:
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
