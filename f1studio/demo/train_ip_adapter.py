"""Train an IP-Adapter for the shapes-world demo model, so reference pictures steer it.

    python -m f1studio.demo.train_ip_adapter [--model f1studio/resources/models/shapes-world]
        [--work build/demo-ip-adapter] [--steps 1500] [--quick]

The demo model's UNet and text encoder stay frozen. What learns is what a published
IP-Adapter holds: a small CLIP vision encoder (``image_encoder/``, trained from scratch on the
world's pictures as the default ``CLIPImageProcessor`` prepares them), the image projection
(``image_proj``) and a key/value pair per cross-attention layer (``ip_adapter.N.to_k_ip`` /
``to_v_ip``, started from the layer's own ``to_k``/``to_v``). Each step shows the UNet a noised
training scene with its own picture as the reference and, half of the time, no caption: the
picture has to carry what the scene holds. The result is written in the published layout to
``MODEL/ip-adapter/`` (``ip-adapter.safetensors`` and ``image_encoder/``), which the engine
loads through diffusers' ``load_ip_adapter`` like any other. Deterministic for a seed; progress
in ``WORK/train.log``; a stopped run starts again (it takes minutes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

from f1studio.demo.model import DEMO_ROOT, IP_ADAPTER_FOLDER
from f1studio.demo.train_loop import Log, generator, lr_factor, set_lr, target
from f1studio.demo.world import TRAIN_SEED, generate
from f1studio.testing.tiny_ip_adapter import adapter_layers

WEIGHTS = "ip-adapter.safetensors"
TOKENS = 4  # image tokens of the standard adapter


def build_encoder() -> Any:
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    return CLIPVisionModelWithProjection(
        CLIPVisionConfig(
            hidden_size=64, intermediate_size=256, num_hidden_layers=3, num_attention_heads=4,
            image_size=224, patch_size=28, projection_dim=64,
        )
    )  # fmt: skip


def initial_state(unet: Any, encoder: Any, seed: int) -> dict[str, Any]:
    """The adapter's weights in the published layout: a random projection, and each
    cross-attention layer's image key/value started from its text key/value."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    cross = unet.config.cross_attention_dim
    embed = encoder.config.projection_dim
    state = {
        "image_proj.proj.weight": torch.randn(cross * TOKENS, embed, generator=gen) / embed**0.5,
        "image_proj.proj.bias": torch.zeros(cross * TOKENS),
        "image_proj.norm.weight": torch.ones(cross),
        "image_proj.norm.bias": torch.zeros(cross),
    }
    for key_id, attn in adapter_layers(unet):
        state[f"ip_adapter.{key_id}.to_k_ip.weight"] = attn.to_k.weight.detach().clone()
        state[f"ip_adapter.{key_id}.to_v_ip.weight"] = attn.to_v.weight.detach().clone()
    return state


def trained_state(unet: Any) -> dict[str, Any]:
    """The adapter's weights back out of a UNet that has it loaded (published layout)."""
    proj = unet.encoder_hid_proj.image_projection_layers[0]
    # diffusers' ImageProjection calls the published ``proj`` layer ``image_embeds``
    state = {
        "image_proj." + k.replace("image_embeds.", "proj.", 1): v
        for k, v in proj.state_dict().items()
    }
    for key_id, attn in adapter_layers(unet):
        processor = attn.processor
        state[f"ip_adapter.{key_id}.to_k_ip.weight"] = processor.to_k_ip[0].weight
        state[f"ip_adapter.{key_id}.to_v_ip.weight"] = processor.to_v_ip[0].weight
    return {k: v.detach().to("cpu").half().contiguous() for k, v in state.items()}


def train(
    model: Path,
    work: Path,
    steps: int,
    batch: int = 16,
    seed: int = 77,
    dataset: Path | None = None,
) -> Path:
    import torch
    from diffusers import DDPMScheduler, StableDiffusionPipeline
    from safetensors.torch import load_file, save_file
    from transformers import CLIPImageProcessor

    from f1studio.demo import architecture

    torch.manual_seed(seed)
    work.mkdir(parents=True, exist_ok=True)
    log = Log(work / "train.log")
    pipe = StableDiffusionPipeline.from_pretrained(
        str(model / "pipeline"), torch_dtype=torch.float32, safety_checker=None
    )
    unet, text_encoder, vae, tokenizer = pipe.unet, pipe.text_encoder, pipe.vae, pipe.tokenizer
    for module in (unet, text_encoder, vae):
        module.requires_grad_(False)
    encoder = build_encoder()
    with torch.inference_mode(False):
        nested: dict[str, dict[str, Any]] = {"image_proj": {}, "ip_adapter": {}}
        for name, tensor in initial_state(unet, encoder, seed).items():
            part, _, rest = name.partition(".")
            nested[part][rest] = tensor
        unet._load_ip_adapter_weights([nested])
    adapter = [
        p
        for n, p in unet.named_parameters()
        if "to_k_ip" in n or "to_v_ip" in n or n.startswith("encoder_hid_proj")
    ]
    for p in adapter:
        p.requires_grad_(True)
    params = adapter + list(encoder.parameters())
    optimizer = torch.optim.AdamW(params, lr=3e-4, weight_decay=1e-2)
    processor = CLIPImageProcessor()
    scheduler = DDPMScheduler.from_config(architecture.SCHEDULER_CONFIG)
    data = load_file(str(dataset or _dataset()))
    n = data["latents"].shape[0]
    empty = tokenizer([""], padding="max_length", max_length=tokenizer.model_max_length,
                      return_tensors="pt").input_ids  # fmt: skip
    log(f"ip-adapter: {steps} steps x {batch}, {sum(p.numel() for p in params)} weights learn")
    unet.train()
    encoder.train()
    for step in range(steps):
        set_lr(optimizer, 3e-4, lr_factor(step, steps, 50))
        rng = np.random.default_rng([seed, step])
        idx = rng.integers(0, n, size=batch)
        latents = data["latents"][torch.from_numpy(idx)].float()
        ids = data["ids"][torch.from_numpy(idx)].clone()
        drop = rng.random(batch) < 0.5  # no caption: the picture must carry the scene
        ids[torch.from_numpy(drop)] = empty[0]
        pictures = [generate(int(i), TRAIN_SEED)[1].image for i in idx]
        pixels = processor(images=pictures, return_tensors="pt").pixel_values
        gen = generator(seed, 9, step)
        noise = torch.randn(latents.shape, generator=gen)
        t = torch.randint(0, 1000, (batch,), generator=gen)
        noised = scheduler.add_noise(latents, noise, t)
        with torch.no_grad():
            states = text_encoder(ids)[0]
        embeds = encoder(pixels).image_embeds[:, None, :]
        pred = unet(noised, t, states, added_cond_kwargs={"image_embeds": [embeds]}).sample
        loss = (pred - target(scheduler, latents, noise, t)).pow(2).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        if step % 50 == 0 or step == steps - 1:
            log(f"ip-adapter: step {step}/{steps} loss {loss.item():.4f}")
    out = model / IP_ADAPTER_FOLDER
    out.mkdir(parents=True, exist_ok=True)
    save_file(trained_state(unet), str(out / WEIGHTS))
    encoder.half().save_pretrained(str(out / "image_encoder"), safe_serialization=True)
    record_training(model, steps, batch, seed, log.save_elapsed())
    log(f"ip-adapter: written to {out}")
    return out


def record_training(model: Path, steps: int, batch: int, seed: int, seconds: float) -> None:
    """Add the adapter's settings and time to the model's ``training.json``."""
    import json

    path = model / "training.json"
    info = json.loads(path.read_text("utf-8")) if path.is_file() else {}
    info["ip_adapter"] = {
        "trained_by": "python -m f1studio.demo.train_ip_adapter",
        "steps": steps,
        "batch": batch,
        "seed": seed,
        "seconds": round(seconds),
    }
    path.write_text(json.dumps(info, indent=2) + "\n", "utf-8")


def _dataset() -> Path:
    """The pre-encoded training scenes of the model's own run (``build/``), made by train.py."""
    for folder in (Path("build/shapes-world-training"), Path("build/sw-train-v3")):
        if (folder / "dataset.safetensors").is_file():
            return folder / "dataset.safetensors"
    raise SystemExit(
        "no pre-encoded dataset: run `python -m f1studio.demo.train --until vae` first "
        "(it writes build/shapes-world-training/dataset.safetensors)"
    )


def main(argv: list[str] | None = None) -> int:
    import torch

    parser = argparse.ArgumentParser(prog="python -m f1studio.demo.train_ip_adapter")
    parser.add_argument("--model", type=Path, default=DEMO_ROOT)
    parser.add_argument("--work", type=Path, default=Path("build/demo-ip-adapter"))
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument(
        "--dataset", type=Path, help="the pre-encoded scenes (default: the demo training's)"
    )
    parser.add_argument("--quick", action="store_true", help="a few steps (smoke test)")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    steps, batch = (3, 2) if args.quick else (args.steps, 16)
    train(args.model, args.work, steps, batch=batch, dataset=args.dataset)
    return 0


if __name__ == "__main__":
    sys.exit(main())
