"""How fast one training step of the demo model's UNet (and a ControlNet) runs on this CPU, in
the precisions and compilers the recipe could use.

    python benchmarks/demo_train_speed.py [--steps 12] [--warmup 3] [--only unet,controlnet]
        [--variants fp32,bf16,bf16-channels-last,bf16-compile] [--layouts attn-all,tx2] [--batch 32]

Each variant builds the recipe's UNet (``architecture.build_unet``, in each of ``--layouts``, a
key of ``architecture.UNET_VARIANTS``; the recipe's by default) and text encoder from their
seeds and runs ``--steps`` optimizer steps on random batches shaped as the UNet stage's (32
latents of 4x16x16, or ``--batch``; 77 tokens; AdamW over UNet and text encoder, the
v-prediction MSE) and the ControlNet stage's (16 rows; the UNet frozen, the ControlNet and its
hint encoder training), after ``--warmup`` steps that are not timed (a compiled variant compiles
during them). Prints seconds per step for each. The step is the recipe's own shape and
optimizer, not its data pipeline: what the data takes comes on top, the same for every
variant. ``--only render`` times what a render costs instead: one UNet evaluation in fp32
without gradients, batch 2 (a guided step), in milliseconds (the variant's precision is
ignored).

A layout may end in ``@32``: the layout on a 32x32 latent, what a 4x autoencoder (three levels
instead of four) would give the same 128 px pictures; its ControlNet's guide embedding
downsamples 4x instead of 8x (``architecture.build_controlnet``). ``outer32`` is the layout
meant for it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

VARIANTS = ("fp32", "bf16", "bf16-channels-last", "bf16-compile")


def _timed(step: Callable[[], None], warmup: int, steps: int) -> float:
    for _ in range(warmup):
        step()
    began = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - began) / steps


def _prepare(module: Any, variant: str) -> Any:
    import torch

    if "channels-last" in variant:
        module = module.to(memory_format=torch.channels_last)
    if "compile" in variant:
        module = torch.compile(module)
    return module


def _unet(layout: str) -> tuple[Any, int]:
    """The UNet of ``layout`` (``NAME`` or ``NAME@32``: that layout on a 32x32 latent, a 4x
    autoencoder's) and its latent's side."""
    from f1studio.demo import architecture

    name, _, side = layout.partition("@")
    factor = architecture.IMAGE_SIZE // int(side) if side else 8
    return architecture.build_unet(name, factor), architecture.IMAGE_SIZE // factor


def unet_step(variant: str, layout: str, batch: int = 32) -> Callable[[], None]:
    import torch

    from f1studio.demo import architecture
    from f1studio.demo.vocab import write_tokenizer

    torch.manual_seed(0)
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / "f1studio-speed-tokenizer"
    write_tokenizer(folder)
    from transformers import CLIPTokenizer

    tokenizer = CLIPTokenizer.from_pretrained(str(folder))
    unet, side = _unet(layout)
    text = architecture.build_text_encoder(tokenizer)
    params = list(unet.parameters()) + list(text.parameters())
    optimizer = torch.optim.AdamW(params, lr=1e-4, weight_decay=1e-2)
    run_unet = _prepare(unet, variant)
    bf16 = variant != "fp32"
    latents = torch.randn(batch, 4, side, side)
    ids = torch.randint(0, tokenizer.vocab_size, (batch, 77))
    if "channels-last" in variant:
        latents = latents.to(memory_format=torch.channels_last)

    def step() -> None:
        t = torch.randint(0, 1000, (batch,))
        noise = torch.randn_like(latents)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            states = text(ids)[0]
            pred = run_unet(latents + noise, t, states).sample
        loss = (pred.float() - noise).pow(2).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()

    return step


def controlnet_step(variant: str, layout: str, batch: int = 16) -> Callable[[], None]:
    import torch

    from f1studio.demo import architecture

    torch.manual_seed(0)
    unet, side = _unet(layout)
    unet.requires_grad_(False)
    net = architecture.build_controlnet(unet)
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-4)
    run_unet, run_net = _prepare(unet, variant), _prepare(net, variant)
    bf16 = variant != "fp32"
    latents = torch.randn(batch, 4, side, side)
    hint = torch.rand(batch, 3, 128, 128)
    states = torch.randn(batch, 77, architecture.TEXT_WIDTH)
    if "channels-last" in variant:
        latents = latents.to(memory_format=torch.channels_last)
        hint = hint.to(memory_format=torch.channels_last)

    def step() -> None:
        t = torch.randint(0, 1000, (batch,))
        noise = torch.randn_like(latents)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            down, mid = run_net(latents + noise, t, states, controlnet_cond=hint, return_dict=False)
            pred = run_unet(
                latents + noise,
                t,
                states,
                down_block_additional_residuals=down,
                mid_block_additional_residual=mid,
            ).sample
        loss = (pred.float() - noise).pow(2).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step


def render_step(variant: str, layout: str, batch: int = 2) -> Callable[[], None]:
    import torch

    from f1studio.demo import architecture

    torch.manual_seed(0)
    unet, side = _unet(layout)
    unet.eval()
    latents = torch.randn(batch, 4, side, side)
    states = torch.randn(batch, 77, architecture.TEXT_WIDTH)

    def step() -> None:
        with torch.no_grad():
            unet(latents, 500, states)

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--only", default="unet,controlnet")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--layouts", default="", help="UNet layouts (default: the recipe's)")
    parser.add_argument(
        "--batch", type=int, default=32, help="rows of a UNet step (the recipe's 32)"
    )
    args = parser.parse_args()

    import torch

    from f1studio.demo.architecture import UNET_VARIANT, UNET_VARIANTS
    from f1studio.demo.train_settings import FULL

    torch.set_num_threads(FULL.threads)
    makers = {"unet": unet_step, "controlnet": controlnet_step, "render": render_step}
    layouts = args.layouts.split(",") if args.layouts else [UNET_VARIANT]
    every_layout = [*UNET_VARIANTS, *(f"{name}@32" for name in UNET_VARIANTS)]
    for names, known in ((layouts, every_layout), (args.variants.split(","), VARIANTS)):
        for name in names:
            if name not in known:
                raise SystemExit(f"unknown {name!r} (choose from {', '.join(known)})")
    for stage in args.only.split(","):
        variants = ["fp32"] if stage == "render" else args.variants.split(",")
        for layout in layouts:
            for variant in variants:
                began = time.perf_counter()
                try:
                    step = (
                        unet_step(variant, layout, args.batch)
                        if stage == "unet"
                        else makers[stage](variant, layout)
                    )
                    seconds = _timed(step, args.warmup, args.steps)
                except Exception as exc:  # a compiler missing or failing: say so, go on
                    print(f"{stage} {layout} {variant} failed: {type(exc).__name__}: {exc}"[:300])
                    continue
                total = time.perf_counter() - began
                figure = (
                    f"{seconds * 1000:.1f} ms/evaluation"
                    if stage == "render"
                    else f"{seconds:.3f} s/step"
                )
                print(
                    f"{stage:10s} {layout:11s} {variant:20s} {figure} "
                    f"({args.steps} timed, {total:.0f} s with warm-up)",
                    flush=True,
                )


if __name__ == "__main__":
    main()
