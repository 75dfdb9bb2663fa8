"""Writing the trained demo model: fp16 diffusers folders, latent-preview colours, a README
and ``training.json`` (an older export is replaced only once the new one is complete)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from f1studio.demo import architecture
from f1studio.demo.model import GUIDE_DEFAULTS
from f1studio.demo.train_loop import to_tensor
from f1studio.demo.train_settings import TrainSettings
from f1studio.demo.vocab import demo_vocabulary
from f1studio.demo.world import TRAIN_SEED, generate
from f1studio.engine.vocabulary import write_vocabulary


def fit_latent_rgb(vae: Any, samples: int = 256) -> list[list[float]]:
    """Least-squares latent -> RGB factors (4 rows + a bias row) for cheap live previews:
    each latent pixel against the mean colour of the image block it covers."""
    import torch

    images = [generate(i, TRAIN_SEED + 700_000)[1].image for i in range(samples)]
    with torch.no_grad():
        latents = vae.encode(to_tensor(images).to(vae.dtype)).latent_dist.mean.float()
    latents = latents * vae.config.scaling_factor
    n, c, h, w = latents.shape
    x = latents.permute(0, 2, 3, 1).reshape(-1, c).numpy()
    x = np.concatenate([x, np.ones((len(x), 1), np.float32)], axis=1)
    blocks = np.stack(images).astype(np.float32) / 127.5 - 1.0
    size = blocks.shape[1] // h
    y = blocks.reshape(n, h, size, w, size, 3).mean(axis=(2, 4)).reshape(-1, 3)
    factors, *_ = np.linalg.lstsq(x, y, rcond=None)
    return [[round(float(v), 5) for v in row] for row in factors]


MODEL_README = """# Shapes world — F1 Studio's demo model

A small Stable Diffusion model trained from scratch by `python -m f1studio.demo.train` on the
procedural shapes world (`f1studio/demo/world.py`): 128×128 pictures of one to four flat
circles, squares and triangles in eight colours, at any size, position and rotation, on plain
or two-tone backgrounds, with an edge ControlNet and a depth ControlNet trained mostly on
guides as a person makes them (outlines drawn with the mouse, depth painted with a soft
brush). It only knows that world's words, e.g. "a large red circle on the left and a small
blue square at the top right, on a yellow background" (sizes: small, medium, large; places:
the cells of a 3×3 grid).

- `pipeline/`: diffusers Stable Diffusion 1.5-layout folder (AutoencoderKL, CLIP text encoder
  with its own tokenizer, UNet), fp16 safetensors; `latent_rgb.json` colours live previews;
  `vocabulary.json` lists the words it knows and a few it reads as them ("middle" as
  "centre"); F1 Studio leaves any other word out of the prompt.
- `controlnet-edge/`, `controlnet-depth/`: ControlNets for edge and depth guides.
- `controlnet-inpaint/`: an inpaint ControlNet (it sees the picture with the masked part at
  -1, as ControlNet 1.1's inpaint model does); F1 Studio adds it to every inpaint render.
- `guide_defaults.json`: the Weight and Mode a new edge or depth guide layer starts with in
  F1 Studio (toward the guide: the prompt's guidance then pulls toward the guide as well).
- `training.json`: the exact settings and the training time.

F1 Studio uses it when no other model is chosen. `f1studio eval` measures how well it obeys
prompts, regions, guides and inpaint masks.
"""


def demo_pipeline(vae: Any, text_encoder: Any, tokenizer: Any, unet: Any) -> Any:
    """The diffusers Stable Diffusion pipeline of the demo model's parts (DPM-Solver++)."""
    from diffusers import DPMSolverMultistepScheduler, StableDiffusionPipeline

    return StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=DPMSolverMultistepScheduler.from_config(architecture.SCHEDULER_CONFIG),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )


def scale_controlnet_output(controlnet: Any, scale: float) -> None:
    """Scale what ``controlnet`` adds to the UNet by ``scale`` (its zero convolutions'
    weights and biases), in place: the same as rendering with conditioning scale ``scale``."""
    import torch

    with torch.no_grad():
        for conv in [*controlnet.controlnet_down_blocks, controlnet.controlnet_mid_block]:
            conv.weight.mul_(scale)
            if conv.bias is not None:
                conv.bias.mul_(scale)


def export(
    out: Path,
    vae: Any,
    unet: Any,
    text_encoder: Any,
    tokenizer: Any,
    controlnets: dict[str, Any],
    settings: TrainSettings,
    seconds: float,
) -> None:
    """Write the fp16 diffusers folders (replacing an older export only once complete)."""
    import torch

    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    pipe = demo_pipeline(vae, text_encoder, tokenizer, unet)
    factors = fit_latent_rgb(vae)
    pipe.to(torch.float16)
    pipe.save_pretrained(str(tmp / "pipeline"), safe_serialization=True)
    (tmp / "pipeline" / "latent_rgb.json").write_text(json.dumps(factors) + "\n", "utf-8")
    write_vocabulary(tmp / "pipeline", demo_vocabulary())
    (tmp / "README.md").write_text(MODEL_README, encoding="utf-8")
    for kind, controlnet in controlnets.items():
        scale_controlnet_output(controlnet, settings.export_scale_of(kind))
        controlnet.to(torch.float16).save_pretrained(
            str(tmp / f"controlnet-{kind}"), safe_serialization=True
        )
    (tmp / GUIDE_DEFAULTS).write_text(
        json.dumps(settings.guide_defaults(), indent=2) + "\n", encoding="utf-8"
    )
    info = {
        "name": "Shapes world (F1 Studio demo model)",
        "family": "sd15",
        "trained_by": "python -m f1studio.demo.train",
        "training_seconds": round(seconds),
        "settings": settings.to_dict(),
    }
    (tmp / "training.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
