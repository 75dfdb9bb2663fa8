"""What every training stage shares: the log, the learning-rate schedule, seeded noise, the
resumable step loop (checkpoints through :mod:`f1studio.demo.checkpoints`) and an EMA."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from f1studio.demo import checkpoints
from f1studio.demo.train_settings import TrainSettings


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


def autocast(settings: TrainSettings) -> Any:
    """The forward passes' precision: bfloat16 autocast when the settings ask for it."""
    import torch

    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=settings.bf16_autocast)


def lr_factor(step: int, total: int, warmup: int) -> float:
    """Linear warm-up, then a cosine from 1 down to 0.1 of the base rate."""
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def set_lr(optimizer: Any, base: float, factor: float) -> None:
    """Every parameter group's rate: ``base * factor``, times the group's ``lr_scale``."""
    for group in optimizer.param_groups:
        group["lr"] = base * factor * group.get("lr_scale", 1.0)


def generator(seed: int, stage: int, step: int) -> Any:
    """The torch generator of one step of one stage (a function of the seed alone)."""
    import torch

    return torch.Generator().manual_seed(seed * 1_000_003 + stage * 100_003 + step)


def to_tensor(images: list[np.ndarray]) -> Any:
    """uint8 HxWx3 images as one float batch in [-1, 1], channels first."""
    import torch

    arr = np.stack(images).astype(np.float32) / 127.5 - 1.0
    return torch.from_numpy(arr).permute(0, 3, 1, 2).contiguous()


def run_steps(
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


class Ema:
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


def noisy(
    settings: TrainSettings,
    scheduler: Any,
    latents: Any,
    stage: int,
    step: int,
    high_noise_share: float = 0.0,
    ceiling: int | None = None,
    shift: float = 1.0,
) -> tuple[Any, Any, Any]:
    """Noised ``latents`` at random timesteps below ``ceiling`` (default
    ``settings.max_timestep``), with the noise and the timesteps; a share
    ``high_noise_share`` of them drawn from ``settings.high_noise_from`` up (none when that
    is above the ceiling). With ``shift`` other than 1 the uniformly drawn timesteps (not the
    high-noise share) move to where the signal-to-noise ratio is ``shift`` times theirs
    (:func:`shifted_timesteps`; above 1 less noise, below 1 more, never past the ceiling)."""
    import torch

    gen = generator(settings.seed, stage, step)
    noise = torch.randn(latents.shape, generator=gen)
    if ceiling is None:
        ceiling = settings.max_timestep
    total = min(scheduler.config.num_train_timesteps, ceiling)
    t = torch.randint(0, total, (latents.shape[0],), generator=gen)
    if shift != 1.0:
        t = shifted_timesteps(scheduler, t, shift).clamp(max=total - 1)
    if high_noise_share > 0 and settings.high_noise_from < total:
        high = torch.randint(settings.high_noise_from, total, t.shape, generator=gen)
        t = torch.where(torch.rand(t.shape, generator=gen) < high_noise_share, high, t)
    return scheduler.add_noise(latents, noise, t), noise, t


def shifted_timesteps(scheduler: Any, t: Any, shift: float) -> Any:
    """For each timestep of ``t``, the first timestep whose signal-to-noise ratio is at most
    ``shift`` times its own: uniform timesteps drawn through this train as a schedule whose
    SNR is ``shift`` times the scheduler's would (the usual resolution shift of a noise
    schedule; at 4, half of the draws fall below t 303 instead of 500). The scheduler, and
    so every sampler, stays as it is."""
    import torch

    alpha = scheduler.alphas_cumprod.double()
    snr = alpha / (1 - alpha)
    return torch.searchsorted(-snr, -(snr[t] * shift))  # snr falls as t rises


def target(scheduler: Any, latents: Any, noise: Any, t: Any) -> Any:
    """What the UNet learns to predict: the velocity for v-prediction, else the noise."""
    if scheduler.config.prediction_type == "v_prediction":
        return scheduler.get_velocity(latents, noise, t)
    return noise


def loss_weights(settings: TrainSettings, scheduler: Any, t: Any) -> Any:
    """Min-SNR weights for epsilon prediction; v-prediction's plain loss already balances
    the noise levels (and a min-SNR weight would drop the zero-SNR step entirely)."""
    import torch

    if scheduler.config.prediction_type == "v_prediction":
        return torch.ones(t.shape)
    alpha = scheduler.alphas_cumprod[t]
    snr = alpha / (1 - alpha)
    return torch.clamp(snr, max=settings.min_snr_gamma) / snr
