"""Train the demo model's few-step LoRA: live mode's renders in 4 steps without guidance.

    python -m f1studio.demo.train_few_step [--model f1studio/resources/models/shapes-world]
        [--work build/demo-few-step] [--pairs 8192] [--steps 500] [--quick]

At few steps the demo model loses what its 20-step renders get right (a 4-step render kept
about 70% of their prompt adherence, at the guidance that suits 4 steps best). This stage
distils the 20-step renders into a LoRA on the frozen UNet:

1. *Teacher pairs*: ``--pairs`` training captions (never the eval's held-out ones), each
   rendered from its own seeded noise ``z`` by the model itself as the eval renders it (20
   steps of DPM++ 2M, guidance 5), to the latent ``x0``. Written in batches under
   ``WORK/pairs/``; a stopped run keeps the batches it has.
2. *Student*: a LoRA on every linear and convolution layer of the UNet learns the velocity of
   the straight path between each pair (``x_t = a_t x0 + s_t z``, target ``a_t z - s_t x0``:
   rectified-flow "reflow" written for the model's v-prediction). Once the pairs' paths are
   straight, a step of the solver from anywhere on one lands on the same ``x0``, so 4 steps
   (or 2, or live mode's img2img steps) come out as the 20-step render would, and the
   guidance is already inside (the student renders at guidance 1: one UNet pass a step
   instead of two). Half the timesteps are drawn from the steps live mode runs.

The LoRA goes to ``MODEL/few-step/`` with ``few_step.json`` (the sampler, steps and guidance
it is meant for), which the window's live mode uses (:mod:`f1studio.model_library`). fp16
safetensors; deterministic for a seed; progress in ``WORK/train.log``; resumable.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from f1studio.demo.model import DEMO_ROOT, FEW_STEP_FOLDER, FEW_STEP_LORA, FEW_STEP_PRESET
from f1studio.demo.train_loop import Log, generator, lr_factor, run_steps, set_lr
from f1studio.demo.train_settings import TrainSettings
from f1studio.demo.world import TRAIN_SEED, generate

#: The UNet layers the LoRA adapts: attention, feed-forward, projections and convolutions.
TARGETS = (
    "to_q", "to_k", "to_v", "to_out.0", "proj_in", "proj_out", "ff.net.0.proj", "ff.net.2",
    "conv1", "conv2", "conv_shortcut", "time_emb_proj", "conv_in", "conv_out",
)  # fmt: skip
#: What the LoRA is for: the sampler, steps and guidance of its renders (``few_step.json``).
PRESET = {"scheduler": "dpmpp-2m", "steps": 4, "guidance": 1.0}
#: The teacher: how the eval renders (f1studio.demo.evaluate_base.EvalSettings).
TEACHER_STEPS = 20
TEACHER_GUIDANCE = 5.0
#: Timesteps the student sees more often: the 4- and 8-step trailing schedules (8 steps at
#: live mode's strength 0.65 run the last five of them).
GRID = (999, 874, 749, 624, 499, 374, 249, 124)
_STAGE = 11  # generator stream of the student's steps (train.py's stages use lower numbers)
#: The teacher's noise for the batch of pairs starting at ``i``: ``manual_seed(NOISE_SEED + i)``.
NOISE_SEED = 900_000


@dataclass(frozen=True)
class FewStepSettings:
    pairs: int = 8192
    steps: int = 500
    batch: int = 32
    lr: float = 5e-4
    rank: int = 16
    grid_share: float = 0.5
    warmup: int = 50
    seed: int = 1234
    teacher_batch: int = 32


QUICK = FewStepSettings(pairs=4, steps=3, batch=2, teacher_batch=2)


def teacher_pairs(pipe: Any, settings: FewStepSettings, work: Path, log: Log) -> dict[str, Any]:
    """The (noise, 20-step render) latent pairs of the first ``settings.pairs`` training
    captions, with their token ids; batches already written are read back."""
    import torch
    from safetensors.torch import load_file, save_file

    folder = work / "pairs"
    folder.mkdir(parents=True, exist_ok=True)
    parts = []
    for start in range(0, settings.pairs, settings.teacher_batch):
        path = folder / f"batch-{start:06d}.safetensors"
        if not path.is_file():
            index = list(range(start, min(start + settings.teacher_batch, settings.pairs)))
            captions = [generate(i, TRAIN_SEED)[2] for i in index]
            channels = pipe.unet.config.in_channels
            side = pipe.unet.config.sample_size
            gen = torch.Generator().manual_seed(NOISE_SEED + start)
            z = torch.randn((len(index), channels, side, side), generator=gen)
            with torch.no_grad():
                x0 = pipe(
                    prompt=captions,
                    latents=z.clone(),
                    num_inference_steps=TEACHER_STEPS,
                    guidance_scale=TEACHER_GUIDANCE,
                    output_type="latent",
                ).images
            ids = pipe.tokenizer(
                captions,
                padding="max_length",
                max_length=pipe.tokenizer.model_max_length,
                truncation=True,
                return_tensors="pt",
            ).input_ids
            save_file({"z": z, "x0": x0.float().contiguous(), "ids": ids}, str(path))
            log(f"few-step: teacher pairs {start + len(index)}/{settings.pairs}")
            log.save_elapsed()
        parts.append(load_file(str(path)))
    return {key: torch.cat([p[key] for p in parts]) for key in ("z", "x0", "ids")}


def add_lora(unet: Any, rank: int) -> list[Any]:
    """Put a fresh LoRA of ``rank`` on ``unet``'s :data:`TARGETS`; its trainable weights."""
    from peft import LoraConfig

    unet.requires_grad_(False)
    unet.add_adapter(
        LoraConfig(
            r=rank, lora_alpha=rank, init_lora_weights="gaussian", target_modules=list(TARGETS)
        )
    )
    return [p for p in unet.parameters() if p.requires_grad]


def train(model: Path, work: Path, settings: FewStepSettings) -> Path:
    import torch
    from diffusers import DDPMScheduler, StableDiffusionPipeline
    from peft.utils import get_peft_model_state_dict

    torch.manual_seed(settings.seed)
    work.mkdir(parents=True, exist_ok=True)
    log = Log(work / "train.log")
    pipe = StableDiffusionPipeline.from_pretrained(
        str(model / "pipeline"), torch_dtype=torch.float32, safety_checker=None
    )
    pipe.set_progress_bar_config(disable=True)
    data = teacher_pairs(pipe, settings, work, log)
    with torch.no_grad():
        states = torch.cat(
            [
                pipe.text_encoder(data["ids"][i : i + 256])[0]
                for i in range(0, len(data["ids"]), 256)
            ]
        )
    unet = pipe.unet
    params = add_lora(unet, settings.rank)
    optimizer = torch.optim.AdamW(params, lr=settings.lr, weight_decay=0.0)
    alphas = DDPMScheduler.from_config(pipe.scheduler.config).alphas_cumprod.float()
    grid = torch.tensor(GRID)
    n = len(data["z"])
    loop_settings = TrainSettings(seed=settings.seed, log_every=20, checkpoint_every=100)
    log(f"few-step: {settings.steps} steps x {settings.batch}, {sum(p.numel() for p in params)} "
        f"LoRA weights learn on {n} pairs")  # fmt: skip
    unet.train()

    def step_fn(step: int) -> float:
        set_lr(optimizer, settings.lr, lr_factor(step, settings.steps, settings.warmup))
        gen = generator(settings.seed, _STAGE + 1, step)
        rows = torch.randint(0, n, (settings.batch,), generator=gen)
        t = torch.randint(0, len(alphas), (settings.batch,), generator=gen)
        on_grid = torch.rand(settings.batch, generator=gen) < settings.grid_share
        picks = torch.randint(0, len(grid), (settings.batch,), generator=gen)
        t = torch.where(on_grid, grid[picks], t)
        a = alphas[t].sqrt().view(-1, 1, 1, 1)
        s = (1 - alphas[t]).sqrt().view(-1, 1, 1, 1)
        z, x0 = data["z"][rows], data["x0"][rows]
        pred = unet(a * x0 + s * z, t, states[rows]).sample
        loss = torch.nn.functional.mse_loss(pred, a * z - s * x0)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return float(loss.item())

    run_steps(
        "few-step", work / "student", {"unet": unet}, optimizer, settings.steps,
        loop_settings, log, step_fn,
    )  # fmt: skip
    out = model / FEW_STEP_FOLDER
    out.mkdir(parents=True, exist_ok=True)
    lora = {k: v.detach().half().contiguous() for k, v in get_peft_model_state_dict(unet).items()}
    StableDiffusionPipeline.save_lora_weights(
        str(out), unet_lora_layers=lora, weight_name=FEW_STEP_LORA, safe_serialization=True
    )
    (out / FEW_STEP_PRESET).write_text(json.dumps(PRESET, indent=2) + "\n", "utf-8")
    record_training(model, settings, log.save_elapsed())
    log(f"few-step: written to {out}")
    return out


def record_training(model: Path, settings: FewStepSettings, seconds: float) -> None:
    """Add the stage's settings and time to the model's ``training.json``."""
    from dataclasses import asdict

    path = model / "training.json"
    info = json.loads(path.read_text("utf-8")) if path.is_file() else {}
    info["few_step_lora"] = {
        "trained_by": "python -m f1studio.demo.train_few_step",
        "settings": asdict(settings),
        "teacher": {"steps": TEACHER_STEPS, "guidance": TEACHER_GUIDANCE},
        "preset": PRESET,
        "seconds": round(seconds),
    }
    path.write_text(json.dumps(info, indent=2) + "\n", "utf-8")


def main(argv: list[str] | None = None) -> int:
    import torch

    defaults = FewStepSettings()
    parser = argparse.ArgumentParser(prog="python -m f1studio.demo.train_few_step")
    parser.add_argument("--model", type=Path, default=DEMO_ROOT)
    parser.add_argument("--work", type=Path, default=Path("build/demo-few-step"))
    parser.add_argument("--pairs", type=int, default=defaults.pairs)
    parser.add_argument("--steps", type=int, default=defaults.steps)
    parser.add_argument("--quick", action="store_true", help="a few steps (smoke test)")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    settings = QUICK if args.quick else FewStepSettings(pairs=args.pairs, steps=args.steps)
    train(args.model, args.work, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
