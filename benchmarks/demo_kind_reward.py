"""Does a shape-kind classifier's judgement, as a loss, teach the demo UNet shape kinds?

    python benchmarks/demo_kind_reward.py [--weights 0,0.05] [--steps 600] [--t-range 200,800]
        [--cases 200] [--first-case 50] [--work build/demo-kind-reward]

Two parts, each kept in ``--work`` so that a rerun skips what is done:

1. **A crop classifier.** Each visible shape's box (its visible pixels' bounding square, grown
   by 30% and 2 px) is resampled to 32x32 (differentiably) and read with the shape's colour by
   a small CNN that says circle, square or triangle. It learns from the autoencoder's round
   trips of ``--classifier-scenes`` training scenes (boxes jittered in place and scale, a fifth
   of the crops blurred) and prints its accuracy on 300 held-out scenes: as drawn, as round
   trips, and as round trips blurred by 1.5 px.
2. **A fine-tune per weight** of the shipped UNet and text encoder (fp16 read back as fp32),
   ``--steps`` steps of plain batches (caption dropout, timesteps as the main cycle draws them,
   AdamW at ``--lr`` with a 50-step warm-up and a cosine to 0, no EMA). On captioned rows
   noised to a timestep in ``--t-range``, up to ``--rows`` a step, the UNet's predicted clean
   latent is decoded and the frozen classifier's cross-entropy for each shape's caption kind
   is added, times the weight. Weight 0 is the control: the same fine-tune without the term.

Each arm is then scored by the eval's prompt test (the eval's own shape fit, which knows
nothing of the classifier) on ``--cases`` held-out captions from ``--first-case``.
docs/eval/kind-probes.md has what it found.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

KINDS = ("circle", "square", "triangle")
CROP = 32  # the classifier's crop, pixels a side


def crop_classifier():  # noqa: ANN201
    """The CNN: a 32x32 crop and its shape's colour (-1..1) -> circle / square / triangle."""
    import torch
    from torch import nn

    class CropNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()

            def conv(i: int, o: int, stride: int = 1) -> nn.Module:
                return nn.Sequential(
                    nn.Conv2d(i, o, 3, stride=stride, padding=1), nn.GroupNorm(8, o), nn.SiLU()
                )

            widths = [(7, 32, 1), (32, 32, 1), (32, 64, 2), (64, 64, 1), (64, 128, 2)]
            self.body = nn.Sequential(*(conv(*w) for w in [*widths, (128, 128, 1)]))
            self.head = nn.Linear(256, len(KINDS))

        def forward(self, crop, colour):  # noqa: ANN001, ANN202
            plane = colour[:, :, None, None].expand_as(crop)
            likeness = torch.exp(-((crop - plane) ** 2).sum(1, keepdim=True) / 0.25)
            features = self.body(torch.cat([crop, plane, likeness], 1))
            return self.head(torch.cat([features.mean((2, 3)), features.amax((2, 3))], 1))

    return CropNet()


def shape_boxes(indices, seed: int, min_pixels: int = 30):  # noqa: ANN001, ANN201
    """Per visible shape of the scenes ``indices`` (of ``seed``): its row in ``indices``, its
    box (centre x, y and half side, in -1..1 units of the picture), colour and kind."""
    import numpy as np
    import torch

    from f1studio.demo.world import COLORS, generate

    rows, boxes, colours, kinds = [], [], [], []
    for row, index in enumerate(indices):
        scene, rendered, _ = generate(int(index), seed)
        size = rendered.image.shape[0]
        for shape, mask in zip(scene.shapes, rendered.masks, strict=True):
            ys, xs = np.nonzero(mask)
            if len(ys) < min_pixels:
                continue
            half = max(xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min()) / 2 * 1.3 + 2
            cx, cy = (xs.min() + xs.max() + 1) / 2, (ys.min() + ys.max() + 1) / 2
            boxes.append([cx / size * 2 - 1, cy / size * 2 - 1, half / size * 2])
            rows.append(row)
            colours.append(np.array(COLORS[shape.color], np.float32) / 127.5 - 1)
            kinds.append(KINDS.index(shape.kind))
    if not rows:
        none = torch.zeros(0, dtype=torch.long)
        return none, torch.zeros(0, 3), torch.zeros(0, 3), none
    return (
        torch.tensor(rows),
        torch.tensor(boxes, dtype=torch.float32),
        torch.from_numpy(np.stack(colours)),
        torch.tensor(kinds),
    )


def crops(pictures, boxes):  # noqa: ANN001, ANN201
    """A CROPxCROP bilinear resample of each box of its picture (differentiable)."""
    import torch
    import torch.nn.functional as F

    theta = torch.zeros(boxes.shape[0], 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = boxes[:, 2]
    theta[:, :, 2] = boxes[:, :2]
    grid = F.affine_grid(theta, [boxes.shape[0], 3, CROP, CROP], align_corners=False)
    return F.grid_sample(pictures, grid, padding_mode="border", align_corners=False)


def blur(x, sigma: float):  # noqa: ANN001, ANN201
    """A separable Gaussian blur of a (N, C, H, W) batch."""
    import torch
    import torch.nn.functional as F

    if sigma <= 0:
        return x
    r = int(3 * sigma) + 1
    k = torch.exp(-(torch.arange(-r, r + 1, dtype=torch.float32) ** 2) / (2 * sigma**2))
    c = x.shape[1]
    k = (k / k.sum()).repeat(c, 1, 1, 1)
    x = F.conv2d(F.pad(x, (r, r, 0, 0), mode="replicate"), k.view(c, 1, 1, -1), groups=c)
    return F.conv2d(F.pad(x, (0, 0, r, r), mode="replicate"), k.view(c, 1, -1, 1), groups=c)


def decode(vae, latents):  # noqa: ANN001, ANN201
    return vae.decode(latents / vae.config.scaling_factor).sample


def train_classifier(work: Path, data, vae, scenes: int, steps: int, log):  # noqa: ANN001, ANN201
    import numpy as np
    import torch

    torch.manual_seed(0)
    net = crop_classifier()
    path = work / "crop_classifier.safetensors"
    if path.is_file():
        from safetensors.torch import load_file

        net.load_state_dict(load_file(str(path)))
        return net.eval()
    scenes = min(scenes, data["latents"].shape[0])
    with torch.no_grad():
        pictures = torch.cat(
            [decode(vae, data["latents"][b : b + 200].float()) for b in range(0, scenes, 200)]
        ).clamp(-1, 1)
    rows, boxes, colours, kinds = shape_boxes(range(scenes), 0)
    log(f"classifier: {len(rows)} shapes of {scenes} round trips")
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    rng = np.random.default_rng(0)
    batch = 128
    for step in range(steps):
        for group in opt.param_groups:
            warm = min(1.0, (step + 1) / 100)
            group["lr"] = 2e-3 * warm * 0.5 * (1 + np.cos(np.pi * step / steps))
        pick = torch.from_numpy(rng.integers(0, len(rows), batch))
        box = boxes[pick].clone()
        box[:, :2] += (
            torch.from_numpy(rng.normal(0, 0.08, (batch, 2)).astype(np.float32)) * box[:, 2:]
        )
        box[:, 2] *= torch.from_numpy(np.exp(rng.normal(0, 0.12, batch)).astype(np.float32))
        x = crops(pictures[rows[pick]], box)
        sigma = float(rng.choice([0, 0, 0.7, 1.2, 2.0]))  # picture pixels, about
        x = blur(x, sigma * CROP / (box[:, 2].mean().item() * 64))
        loss = torch.nn.functional.cross_entropy(net(x, colours[pick]), kinds[pick])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 200 == 0 or step == steps - 1:
            log(f"classifier: step {step + 1}/{steps} loss {loss.item():.3f}")
    from safetensors.torch import save_file

    save_file(net.state_dict(), str(path))
    return net.eval()


def held_out_accuracy(net, vae, scenes: int) -> str:  # noqa: ANN001
    import numpy as np
    import torch

    from f1studio.demo.world import HELD_OUT_SEED, generate

    images = [generate(i, HELD_OUT_SEED)[1].image for i in range(scenes)]
    rows, boxes, colours, kinds = shape_boxes(range(scenes), HELD_OUT_SEED)
    parts = []
    with torch.no_grad():
        drawn = torch.from_numpy(np.stack(images).astype(np.float32) / 127.5 - 1)
        drawn = drawn.permute(0, 3, 1, 2)
        trips = vae.decode(vae.encode(drawn).latent_dist.mean).sample.clamp(-1, 1)
        for name, pictures in (("drawn", drawn), ("round trips", trips)):
            right = net(crops(pictures[rows], boxes), colours).argmax(1) == kinds
            parts.append(f"{name} {right.float().mean():.1%}")
        right = net(crops(blur(trips, 1.5)[rows], boxes), colours).argmax(1) == kinds
        parts.append(f"round trips blurred 1.5 px {right.float().mean():.1%}")
    return f"classifier on {len(rows)} shapes of {scenes} held-out scenes: " + ", ".join(parts)


def fine_tune(args, weight: float, data, vae, net, tokenizer, folder: Path, log) -> float:  # noqa: ANN001
    """One arm; returns its minutes."""
    import numpy as np
    import torch
    from diffusers import DDPMScheduler, UNet2DConditionModel
    from transformers import CLIPTextModel

    from f1studio.demo import architecture
    from f1studio.demo.model import DEMO_ROOT
    from f1studio.demo.train_data import drop_captions, empty_ids
    from f1studio.demo.train_export import demo_pipeline
    from f1studio.demo.train_loop import noisy, target

    base = args.settings
    shipped = DEMO_ROOT / "pipeline"
    unet = UNet2DConditionModel.from_pretrained(str(shipped / "unet")).float().train()
    text = CLIPTextModel.from_pretrained(str(shipped / "text_encoder")).float().train()
    scheduler = DDPMScheduler.from_config(architecture.SCHEDULER_CONFIG)
    alphas = scheduler.alphas_cumprod
    groups = [
        {"params": list(unet.parameters()), "scale": 1.0},
        {"params": list(text.parameters()), "scale": base.text_lr_factor},
    ]
    opt = torch.optim.AdamW(groups, lr=args.lr, weight_decay=1e-2)
    empty = empty_ids(tokenizer)
    t_low, t_high = (int(v) for v in args.t_range.split(","))
    n = data["latents"].shape[0]
    began = time.monotonic()
    for step in range(args.steps):
        for group in opt.param_groups:
            cosine = 0.5 * (1 + np.cos(np.pi * step / args.steps))
            group["lr"] = args.lr * group["scale"] * min(1.0, (step + 1) / 50) * cosine
        rng = np.random.default_rng([base.seed, 77, step])
        idx_np = rng.integers(0, n, size=base.unet_batch)
        idx = torch.from_numpy(idx_np)
        clean = data["latents"][idx].float()
        noised, noise, t = noisy(base, scheduler, clean, 77, step, base.high_noise_share)
        ids = drop_captions(data["ids"][idx], empty, base.caption_dropout, rng)
        pred = unet(noised, t, text(ids)[0]).sample
        loss = torch.nn.functional.mse_loss(pred, target(scheduler, clean, noise, t))
        term = torch.zeros(())
        captioned = (ids == data["ids"][idx]).all(dim=1)
        chosen = (captioned & (t >= t_low) & (t <= t_high)).nonzero().flatten()[: args.rows]
        if weight > 0 and len(chosen):
            a = alphas[t[chosen]].sqrt()[:, None, None, None]
            s = (1 - alphas[t[chosen]]).sqrt()[:, None, None, None]
            x0 = a * noised[chosen] - s * pred[chosen]  # v-prediction's clean latent
            rows, boxes, colours, kinds = shape_boxes(idx_np[chosen.numpy()], 0)
            if len(rows):
                pictures = decode(vae, x0)
                logits = net(crops(pictures[rows], boxes), colours)
                term = torch.nn.functional.cross_entropy(logits, kinds)
                loss = loss + weight * term
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(unet.parameters(), 1.0)
        opt.step()
        if step % 20 == 0 or step == args.steps - 1:
            rate = (time.monotonic() - began) / (step + 1)
            log(
                f"weight {weight:g}: step {step + 1}/{args.steps} loss {loss.item():.4f} "
                f"kind term {term.item():.3f} {rate:.2f}s/step"
            )
    demo_pipeline(vae, text.eval(), tokenizer, unet.eval()).save_pretrained(
        str(folder), safe_serialization=True
    )
    return (time.monotonic() - began) / 60


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", default="0,0.05")
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--t-range", default="200,800", help="timesteps that get the term")
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--rows", type=int, default=8, help="rows a step decodes for the term")
    parser.add_argument("--classifier-scenes", type=int, default=12000)
    parser.add_argument("--classifier-steps", type=int, default=3000)
    parser.add_argument("--check-scenes", type=int, default=300)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--first-case", type=int, default=50)
    parser.add_argument(
        "--base", default="", help="overrides of the full run's settings (name=value,...)"
    )
    parser.add_argument("--work", type=Path, default=Path("build/demo-kind-reward"))
    parser.add_argument("--data", type=Path, default=Path("build/demo-recipe-ablation"))
    args = parser.parse_args(argv)

    import torch
    from demo_recipe_ablation import figures_row, parse_arm, prompt_figures
    from diffusers import AutoencoderKL
    from transformers import CLIPTokenizer

    from f1studio.demo.model import DEMO_ROOT
    from f1studio.demo.train_data import encode_dataset
    from f1studio.demo.train_loop import Log
    from f1studio.demo.train_settings import FULL

    args.settings = parse_arm(args.base, FULL)
    torch.set_num_threads(FULL.threads)
    args.work.mkdir(parents=True, exist_ok=True)
    args.data.mkdir(parents=True, exist_ok=True)
    log = Log(args.work / "kind_reward.log")
    shipped = DEMO_ROOT / "pipeline"
    vae = AutoencoderKL.from_pretrained(str(shipped / "vae")).float().eval().requires_grad_(False)
    tokenizer = CLIPTokenizer.from_pretrained(str(shipped / "tokenizer"))
    data = encode_dataset(args.settings, vae, tokenizer, args.data, log)
    net = train_classifier(
        args.work, data, vae, args.classifier_scenes, args.classifier_steps, log
    ).requires_grad_(False)
    rows = [held_out_accuracy(net, vae, args.check_scenes)]
    log(rows[0])
    for weight in (float(w) for w in args.weights.split(",")):
        folder = args.work / f"weight-{weight:g}" / "pipeline"
        minutes = 0.0
        if not (folder / "model_index.json").is_file():
            minutes = fine_tune(args, weight, data, vae, net, tokenizer, folder, log)
        p = prompt_figures(folder, args.cases, args.first_case)
        rows.append(f"kind term weight {weight:g}: {minutes:5.1f} min  {figures_row(p)}")
        log(rows[-1])
    print(f"kind reward fine-tune: {args.steps} steps from the shipped model")
    for row in rows:
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
