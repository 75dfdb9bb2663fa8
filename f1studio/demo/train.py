"""Train the shapes-world demo model from scratch on the CPU.

    python -m f1studio.demo.train --out resources/models/shapes-world [--work DIR] [--quick]
        [--until vae|unet|controlnets]

Three stages, each resumable from its last checkpoint under ``--work`` (a rerun of the
same command continues where a stopped run left off): the autoencoder, then the UNet with
the text encoder on pre-encoded latents (ending with a region phase through the engine's
regional attention), then one ControlNet per guide kind (edge, depth).
Progress goes to ``WORK/train.log``. The result is a diffusers Stable Diffusion folder
(``pipeline/``) and two ControlNet folders, all fp16 safetensors, plus ``training.json``.
Everything is a function of the settings' seed (scenes from :data:`world.TRAIN_SEEDS`).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from f1studio.demo import architecture, checkpoints
from f1studio.demo.train_settings import FULL, QUICK, TrainSettings
from f1studio.demo.world import TRAIN_SEED, caption, generate

GUIDE_KINDS = ("edge", "depth")


class Log:
    """Appends timestamped lines to ``train.log`` (and echoes them), and keeps the training
    time of all runs in ``elapsed.json`` beside it (saved at every checkpoint, so the time
    of a stopped run still counts)."""

    def __init__(self, path: Path, echo: bool = True) -> None:
        self.path = path
        self.echo = echo
        self.start = time.monotonic()
        self._elapsed_file = path.with_name("elapsed.json")
        self._previous = (
            float(json.loads(self._elapsed_file.read_text())["seconds"])
            if self._elapsed_file.is_file()
            else 0.0
        )

    def save_elapsed(self) -> float:
        """Write and return the training seconds of every run so far, this one included."""
        total = self._previous + time.monotonic() - self.start
        self._elapsed_file.write_text(json.dumps({"seconds": total}), "utf-8")
        return total

    def __call__(self, message: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} +{time.monotonic() - self.start:7.0f}s {message}"
        with self.path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
        if self.echo:
            print(line, flush=True)


def _lr_factor(step: int, total: int, warmup: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def _set_lr(optimizer: Any, base: float, factor: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = base * factor


def _generator(seed: int, stage: int, step: int) -> Any:
    import torch

    return torch.Generator().manual_seed(seed * 1_000_003 + stage * 100_003 + step)


def _to_tensor(images: list[np.ndarray]) -> Any:
    import torch

    arr = np.stack(images).astype(np.float32) / 127.5 - 1.0
    return torch.from_numpy(arr).permute(0, 3, 1, 2).contiguous()


def _loop(
    name: str,
    stage_dir: Path,
    modules: dict[str, Any],
    optimizer: Any,
    total: int,
    settings: TrainSettings,
    log: Log,
    step_fn: Callable[[int], float],
    after_step: Callable[[int], None] | None = None,
) -> None:
    """Run ``step_fn(step)`` (returns the loss) from the last checkpoint to ``total``."""
    resumed = checkpoints.load(stage_dir / "checkpoint", modules, optimizer)
    start = resumed[0] if resumed else 0
    if start:
        log(f"{name}: resuming at step {start}/{total}")
    losses: list[float] = []
    began = time.monotonic()
    for step in range(start, total):
        losses.append(step_fn(step))
        if after_step is not None:
            after_step(step)
        done = step + 1
        if done % settings.log_every == 0 or done == total:
            rate = (time.monotonic() - began) / (done - start)
            log(
                f"{name}: step {done}/{total} loss {np.mean(losses[-settings.log_every :]):.4f} "
                f"{rate:.2f}s/step, {rate * (total - done) / 60:.1f} min left"
            )
        if done % settings.checkpoint_every == 0 or done == total:
            checkpoints.save(stage_dir / "checkpoint", modules, optimizer, done, {})
            log.save_elapsed()


class _Ema:
    """Exponential moving average of a module's parameters (with the usual warm-up)."""

    def __init__(self, module: Any, decay: float) -> None:
        import copy

        self.module = copy.deepcopy(module).requires_grad_(False)
        self.decay = decay
        self.source = module

    def update(self, step: int) -> None:
        import torch

        decay = min(self.decay, (1 + step) / (10 + step))
        with torch.no_grad():
            for ema, p in zip(self.module.parameters(), self.source.parameters(), strict=True):
                ema.lerp_(p.detach(), 1 - decay)


# -- stage 1: autoencoder ----------------------------------------------------------------


def _vae_batch(settings: TrainSettings, step: int, full: bool) -> Any:
    rng = np.random.default_rng([settings.seed, 1, step])
    images = []
    for i in range(settings.vae_batch):
        image = generate(step * settings.vae_batch + i, TRAIN_SEED + 500_000)[1].image
        if not full:
            y, x = rng.integers(0, architecture.IMAGE_SIZE - 64 + 1, size=2)
            image = image[y : y + 64, x : x + 64]
        images.append(image)
    return _to_tensor(images)


def train_vae(settings: TrainSettings, work: Path, log: Log) -> Any:
    import torch
    from diffusers import AutoencoderKL

    final = work / "vae"
    if (final / "config.json").is_file():
        return AutoencoderKL.from_pretrained(str(final))
    torch.manual_seed(settings.seed)
    vae = architecture.build_vae()
    optimizer = torch.optim.AdamW(vae.parameters(), lr=settings.vae_lr, weight_decay=0.0)
    total = settings.vae_steps + settings.vae_full_steps

    def step_fn(step: int) -> float:
        _set_lr(optimizer, settings.vae_lr, _lr_factor(step, total, settings.warmup))
        x = _vae_batch(settings, step, full=step >= settings.vae_steps)
        posterior = vae.encode(x).latent_dist
        z = posterior.sample(generator=_generator(settings.seed, 1, step))
        out = vae.decode(z).sample
        loss = (out - x).abs().mean() + (out - x).pow(2).mean()
        loss = loss + settings.vae_kl_weight * posterior.kl().mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.item()

    _loop("vae", work / "vae-stage", {"vae": vae}, optimizer, total, settings, log, step_fn)
    vae.eval()
    with torch.no_grad():
        sample = _to_tensor([generate(i, TRAIN_SEED + 600_000)[1].image for i in range(64)])
        std = float(vae.encode(sample).latent_dist.mean.std())
    vae.register_to_config(scaling_factor=1.0 / std)
    vae.save_pretrained(str(final), safe_serialization=True)
    log(f"vae: done, latent std {std:.3f} -> scaling factor {1.0 / std:.4f}")
    return vae


# -- stage 2: UNet + text encoder --------------------------------------------------------


def _dataset(settings: TrainSettings, vae: Any, tokenizer: Any, work: Path, log: Log) -> dict:
    """Latents (already scaled) and token ids of ``settings.scenes`` training scenes."""
    import torch
    from safetensors.torch import load_file, save_file

    path = work / "dataset.safetensors"
    if path.is_file():
        return load_file(str(path))
    latents = []
    captions = []
    chunk = 64
    vae.eval()
    with torch.no_grad():
        for begin in range(0, settings.scenes, chunk):
            items = [generate(i) for i in range(begin, min(settings.scenes, begin + chunk))]
            captions.extend(item[2] for item in items)
            x = _to_tensor([item[1].image for item in items])
            latents.append(vae.encode(x).latent_dist.mean * vae.config.scaling_factor)
            if (begin // chunk) % 50 == 0:
                log(f"dataset: encoded {begin + len(items)}/{settings.scenes} scenes")
    ids = token_ids(tokenizer, captions)
    data = {"latents": torch.cat(latents).contiguous(), "ids": ids.contiguous()}
    save_file(data, str(path))
    return data


def token_ids(tokenizer: Any, texts: list[str]) -> Any:
    """Token ids (len(texts), model_max_length), padded and truncated as the pipeline does."""
    return tokenizer(
        texts,
        padding="max_length",
        max_length=tokenizer.model_max_length,
        truncation=True,
        return_tensors="pt",
    ).input_ids


def _empty_ids(tokenizer: Any) -> Any:
    return token_ids(tokenizer, [""])


def _noisy(settings: TrainSettings, scheduler: Any, latents: Any, stage: int, step: int):
    import torch

    gen = _generator(settings.seed, stage, step)
    noise = torch.randn(latents.shape, generator=gen)
    t = torch.randint(0, scheduler.config.num_train_timesteps, (latents.shape[0],), generator=gen)
    return scheduler.add_noise(latents, noise, t), noise, t


def _target(scheduler: Any, latents: Any, noise: Any, t: Any) -> Any:
    if scheduler.config.prediction_type == "v_prediction":
        return scheduler.get_velocity(latents, noise, t)
    return noise


def _loss_weights(settings: TrainSettings, scheduler: Any, t: Any) -> Any:
    """Min-SNR weights for epsilon prediction; v-prediction's plain loss already balances
    the noise levels (and a min-SNR weight would drop the zero-SNR step entirely)."""
    import torch

    if scheduler.config.prediction_type == "v_prediction":
        return torch.ones(t.shape)
    alpha = scheduler.alphas_cumprod[t]
    snr = alpha / (1 - alpha)
    return torch.clamp(snr, max=settings.min_snr_gamma) / snr


def _drop_captions(ids: Any, empty: Any, p: float, rng: np.random.Generator) -> Any:
    import torch

    drop = torch.from_numpy(rng.random(ids.shape[0]) < p)
    return torch.where(drop[:, None], empty.expand_as(ids), ids)


#: Region batches pad every scene to this many text chunks (up to three shapes + global).
REGION_CHUNKS = 4


def _unet_lr(settings: TrainSettings, step: int) -> float:
    """Two cosine cycles: the main one, then a lower one for the region phase."""
    if step < settings.unet_steps:
        return settings.unet_lr * _lr_factor(step, settings.unet_steps, settings.warmup)
    phase = step - settings.unet_steps
    return settings.region_lr * _lr_factor(phase, settings.region_steps, settings.warmup)


def _is_region_step(settings: TrainSettings, step: int) -> bool:
    phase = step - settings.unet_steps
    return phase >= 0 and phase % settings.region_every == 0


def region_batch(
    indices: np.ndarray, tokenizer: Any, rng: np.random.Generator, device: Any = "cpu"
) -> tuple[Any, Any]:
    """Token ids (B * REGION_CHUNKS, L) and the engine's regional attention processor for
    training scenes ``indices``: every shape's visible mask is a region whose prompt is a
    caption of that shape alone; the global prompt is the whole caption or empty."""
    import torch

    from f1studio.engine.regional import (
        RegionalAttnProcessor,
        RegionWeights,
        attention_sizes,
        chunk_weights,
        region_texts,
    )
    from f1studio.engine.request import Pixels, RegionSpec

    texts: list[str] = []
    per_size: dict[tuple[int, int], list[np.ndarray]] = {}
    latent = architecture.IMAGE_SIZE // 8
    sizes = list(dict.fromkeys(attention_sizes(latent, latent)))
    for index in indices:
        scene, rendered, full = generate(int(index))
        regions = [
            RegionSpec(
                mask=Pixels.of(np.ascontiguousarray(mask)),
                prompt=caption(replace(scene, shapes=(shape,))),
            )
            for shape, mask in zip(scene.shapes, rendered.masks, strict=True)
        ]
        prompt = full if rng.random() < 0.5 else ""
        positive, _ = region_texts(prompt, "", regions)
        padding = REGION_CHUNKS - len(positive)
        texts.extend(positive[:-1] + [""] * padding + positive[-1:])
        for h, w in sizes:
            weights = chunk_weights(regions, h, w)
            pad = np.zeros((padding, h, w), np.float32)
            per_size.setdefault((h, w), []).append(
                np.concatenate([weights[:-1], pad, weights[-1:]])
            )
    by_tokens = {}
    for (h, w), stacked in per_size.items():
        arr = np.stack(stacked, axis=1).reshape(REGION_CHUNKS, len(indices), 1, h * w, 1)
        by_tokens[h * w] = torch.from_numpy(arr).to(device)
    active = {n: [(c, None) for c in range(REGION_CHUNKS)] for n in by_tokens}
    ids = token_ids(tokenizer, texts)
    processor = RegionalAttnProcessor(RegionWeights(by_tokens, active), REGION_CHUNKS)
    return ids, processor


def train_unet(settings: TrainSettings, work: Path, log: Log, data: dict, tokenizer: Any):
    import torch
    from diffusers import DDPMScheduler, UNet2DConditionModel
    from transformers import CLIPTextModel

    from f1studio.engine.regional import regional_attention

    final = work / "unet"
    if (final / "unet" / "config.json").is_file():
        return (
            UNet2DConditionModel.from_pretrained(str(final / "unet")),
            CLIPTextModel.from_pretrained(str(final / "text_encoder")),
        )
    torch.manual_seed(settings.seed + 2)
    unet = architecture.build_unet()
    text_encoder = architecture.build_text_encoder(tokenizer)
    params = list(unet.parameters()) + list(text_encoder.parameters())
    optimizer = torch.optim.AdamW(params, lr=settings.unet_lr, weight_decay=1e-2)
    ema_unet = _Ema(unet, settings.ema_decay)
    ema_text = _Ema(text_encoder, settings.ema_decay)
    scheduler = DDPMScheduler.from_config(architecture.SCHEDULER_CONFIG)
    empty = _empty_ids(tokenizer)
    n = data["latents"].shape[0]

    def step_fn(step: int) -> float:
        _set_lr(optimizer, _unet_lr(settings, step), 1.0)
        rng = np.random.default_rng([settings.seed, 2, step])
        idx_np = rng.integers(0, n, size=settings.unet_batch)
        idx = torch.from_numpy(idx_np)
        noisy, noise, t = _noisy(settings, scheduler, data["latents"][idx].float(), 2, step)
        if _is_region_step(settings, step):
            ids, processor = region_batch(idx_np, tokenizer, rng)
            states = text_encoder(ids)[0]
            states = states.reshape(len(idx_np), -1, states.shape[-1])
            with regional_attention([unet], processor):
                pred = unet(noisy, t, states).sample
        else:
            ids = _drop_captions(data["ids"][idx], empty, settings.caption_dropout, rng)
            states = text_encoder(ids)[0]
            pred = unet(noisy, t, states).sample
        target = _target(scheduler, data["latents"][idx].float(), noise, t)
        per_sample = (pred - target).pow(2).mean(dim=(1, 2, 3))
        loss = (per_sample * _loss_weights(settings, scheduler, t)).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        return loss.item()

    def after(step: int) -> None:
        ema_unet.update(step)
        ema_text.update(step)

    modules = {
        "unet": unet,
        "text_encoder": text_encoder,
        "ema_unet": ema_unet.module,
        "ema_text": ema_text.module,
    }
    _loop(
        "unet",
        work / "unet-stage",
        modules,
        optimizer,
        settings.unet_steps + settings.region_steps,
        settings,
        log,
        step_fn,
        after,
    )
    ema_unet.module.save_pretrained(str(final / "unet"), safe_serialization=True)
    ema_text.module.save_pretrained(str(final / "text_encoder"), safe_serialization=True)
    log("unet: done (EMA weights kept)")
    return ema_unet.module, ema_text.module


# -- stage 3: ControlNets ----------------------------------------------------------------


def guide_image(kind: str, rendered: Any, image_canny: bool) -> np.ndarray:
    """The RGB control image a user's guide layer would give for a rendered scene."""
    import cv2

    if kind == "edge":
        edges = cv2.Canny(rendered.image, 100, 200) if image_canny else rendered.edges
        grey = edges
    else:
        grey = rendered.depth
    return np.repeat(grey[:, :, None], 3, axis=2)


def train_controlnet(
    settings: TrainSettings,
    work: Path,
    log: Log,
    kind: str,
    data: dict,
    unet: Any,
    text_encoder: Any,
    tokenizer: Any,
) -> Any:
    import torch
    from diffusers import ControlNetModel, DDPMScheduler

    final = work / f"controlnet-{kind}"
    if (final / "config.json").is_file():
        return ControlNetModel.from_pretrained(str(final))
    stage = 3 + GUIDE_KINDS.index(kind)
    torch.manual_seed(settings.seed + stage)
    controlnet = architecture.build_controlnet(unet)
    if settings.controlnet_hint_init_std > 0:
        torch.nn.init.normal_(
            controlnet.controlnet_cond_embedding.conv_out.weight,
            std=settings.controlnet_hint_init_std,
        )
    unet.requires_grad_(False)
    text_encoder.requires_grad_(False)
    optimizer = torch.optim.AdamW(
        controlnet.parameters(), lr=settings.controlnet_lr, weight_decay=0
    )
    scheduler = DDPMScheduler.from_config(architecture.SCHEDULER_CONFIG)
    empty = _empty_ids(tokenizer)
    n = data["latents"].shape[0]

    def step_fn(step: int) -> float:
        _set_lr(
            optimizer,
            settings.controlnet_lr,
            _lr_factor(step, settings.controlnet_steps, settings.warmup),
        )
        rng = np.random.default_rng([settings.seed, stage, step])
        idx_np = rng.integers(0, n, size=settings.controlnet_batch)
        idx = torch.from_numpy(idx_np)
        guides = [
            guide_image(kind, generate(int(i))[1], image_canny=bool(rng.random() < 0.5))
            for i in idx_np
        ]
        cond = torch.from_numpy(np.stack(guides).astype(np.float32) / 255.0).permute(0, 3, 1, 2)
        ids = _drop_captions(data["ids"][idx], empty, settings.controlnet_caption_dropout, rng)
        noisy, noise, t = _noisy(settings, scheduler, data["latents"][idx].float(), stage, step)
        with torch.no_grad():
            states = text_encoder(ids)[0]
        down, mid = controlnet(noisy, t, states, controlnet_cond=cond, return_dict=False)
        pred = unet(
            noisy,
            t,
            states,
            down_block_additional_residuals=down,
            mid_block_additional_residual=mid,
        ).sample
        target = _target(scheduler, data["latents"][idx].float(), noise, t)
        per_sample = (pred - target).pow(2).mean(dim=(1, 2, 3))
        loss = (per_sample * _loss_weights(settings, scheduler, t)).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.item()

    _loop(
        f"controlnet-{kind}",
        work / f"controlnet-{kind}-stage",
        {"controlnet": controlnet},
        optimizer,
        settings.controlnet_steps,
        settings,
        log,
        step_fn,
    )
    controlnet.save_pretrained(str(final), safe_serialization=True)
    log(f"controlnet-{kind}: done")
    return controlnet


# -- export ------------------------------------------------------------------------------


def fit_latent_rgb(vae: Any, samples: int = 256) -> list[list[float]]:
    """Least-squares latent -> RGB factors (4 rows + a bias row) for cheap live previews:
    each latent pixel against the mean colour of the image block it covers."""
    import torch

    images = [generate(i, TRAIN_SEED + 700_000)[1].image for i in range(samples)]
    with torch.no_grad():
        latents = vae.encode(_to_tensor(images).to(vae.dtype)).latent_dist.mean.float()
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
procedural shapes world (`f1studio/demo/world.py`): 128×128 pictures of one to three flat
circles, squares and triangles in eight colours on plain or two-tone backgrounds, with an edge
ControlNet and a depth ControlNet. It only knows that world's words, e.g. "a large red circle
on the left and a small blue square at the top right, on a yellow background".

- `pipeline/`: diffusers Stable Diffusion 1.5-layout folder (AutoencoderKL, CLIP text encoder
  with its own tokenizer, UNet), fp16 safetensors; `latent_rgb.json` colours live previews.
- `controlnet-edge/`, `controlnet-depth/`: ControlNets for edge and depth guides.
- `training.json`: the exact settings and the training time.

F1 Studio uses it when no other model is chosen. `f1studio eval` measures how well it obeys
prompts, regions, guides and inpaint masks.
"""


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
    from diffusers import DPMSolverMultistepScheduler, StableDiffusionPipeline

    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    pipe = StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=DPMSolverMultistepScheduler.from_config(architecture.SCHEDULER_CONFIG),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    factors = fit_latent_rgb(vae)
    pipe.to(torch.float16)
    pipe.save_pretrained(str(tmp / "pipeline"), safe_serialization=True)
    (tmp / "pipeline" / "latent_rgb.json").write_text(json.dumps(factors) + "\n", "utf-8")
    (tmp / "README.md").write_text(MODEL_README, encoding="utf-8")
    for kind, controlnet in controlnets.items():
        controlnet.to(torch.float16).save_pretrained(
            str(tmp / f"controlnet-{kind}"), safe_serialization=True
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


STAGES = ("vae", "unet", "controlnets")


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
    vae = train_vae(settings, work, log)
    log.save_elapsed()
    if until == "vae":
        return None
    data = _dataset(settings, vae, tokenizer, work, log)
    unet, text_encoder = train_unet(settings, work, log, data, tokenizer)
    log.save_elapsed()
    if until == "unet":
        return None
    controlnets = {}
    for kind in GUIDE_KINDS:
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
    parser.add_argument("--out", type=Path, default=Path("resources/models/shapes-world"))
    parser.add_argument("--work", type=Path, default=Path("build/shapes-world-training"))
    parser.add_argument(
        "--quick", action="store_true", help="a few steps of each stage (smoke test)"
    )
    parser.add_argument(
        "--until", choices=STAGES, help="stop after this stage (resume later without it)"
    )
    args = parser.parse_args(argv)
    train(args.out, args.work, QUICK if args.quick else FULL, until=args.until)
    return 0


if __name__ == "__main__":
    sys.exit(main())
