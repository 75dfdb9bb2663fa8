"""The three training stages of the demo model, each resumable from its last checkpoint:
the autoencoder, the UNet with the text encoder (ending with a region phase through the
engine's regional attention), and one ControlNet per guide kind on the frozen UNet."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np

from f1studio.demo import architecture
from f1studio.demo.train_contrast import contrast_loss, negative_captions
from f1studio.demo.train_data import (
    decoder_batch,
    drop_captions,
    empty_ids,
    guide_caption_ids,
    guide_image,
    inpaint_image,
    outline_cells,
    overlap_mask,
    overlapping_indices,
    region_batch,
    vae_batch,
)
from f1studio.demo.train_grounding import (
    all_shape_masks,
    grounding_loss,
    probed_cross_attention,
)
from f1studio.demo.train_kind_map import (
    kind_map_head,
    kind_map_loss,
    kind_shares,
    save_kind_head,
    saved_kind_head,
    up_block_output,
)
from f1studio.demo.train_loop import (
    Ema,
    Log,
    autocast,
    generator,
    loss_weights,
    lr_factor,
    noisy,
    run_steps,
    set_lr,
    target,
    to_tensor,
)
from f1studio.demo.train_settings import TrainSettings
from f1studio.demo.world import TRAIN_SEED, generate

GUIDE_KINDS = ("edge", "depth")
#: Every ControlNet the recipe trains, in order: one per guide kind, then the inpaint one.
CONTROLNET_KINDS = (*GUIDE_KINDS, "inpaint")


# -- stage 1: autoencoder ----------------------------------------------------------------


def gradient_loss(out: Any, x: Any) -> Any:
    """L1 between the vertical and horizontal neighbour differences of ``out`` and ``x``."""
    dy = (out[:, :, 1:] - out[:, :, :-1]) - (x[:, :, 1:] - x[:, :, :-1])
    dx = (out[..., 1:] - out[..., :-1]) - (x[..., 1:] - x[..., :-1])
    return dy.abs().mean() + dx.abs().mean()


def outline_band(x: Any, border: int = 4) -> Any:
    """(N, 1, H, W) 1.0 where a pixel's 3x3 neighbourhood holds more than one colour of ``x``
    (pictures in -1..1 with flat colours: the pixels on either side of every outline), and
    in the picture's outer ``border`` pixels, where a decoder's padding leaves specks."""
    import torch.nn.functional as F

    spread = F.max_pool2d(x, 3, 1, 1) + F.max_pool2d(-x, 3, 1, 1)
    band = spread.sum(dim=1, keepdim=True) > 0.05
    if border:
        band[..., :border, :] = True
        band[..., -border:, :] = True
        band[..., :border] = True
        band[..., -border:] = True
    return band.to(x.dtype)


def band_weighted_error(out: Any, x: Any, band_weight: float) -> Any:
    """Mean L1 + L2 pixel error, the :func:`outline_band`'s pixels counting ``1 + band_weight``
    times."""
    err = (out - x).abs() + (out - x).pow(2)
    if band_weight == 0:
        return err.mean()
    weight = 1.0 + band_weight * outline_band(x)
    return (weight * err).mean() / weight.mean()


def peak_error(out: Any, x: Any, pixels: int) -> Any:
    """The mean, over the batch, of each picture's ``pixels`` largest pixel errors (the
    largest channel error of a pixel): small where no pixel is far off, whatever the rest."""
    err = (out - x).abs().amax(dim=1).flatten(1)
    return err.topk(min(pixels, err.shape[1]), dim=1).values.mean()


def train_vae(settings: TrainSettings, work: Path, log: Log) -> Any:
    import torch
    from diffusers import AutoencoderKL

    final = work / "vae"
    if (final / "config.json").is_file():
        return AutoencoderKL.from_pretrained(str(final))
    torch.manual_seed(settings.seed)
    vae = architecture.build_vae(settings.latent_factor)
    optimizer = torch.optim.AdamW(vae.parameters(), lr=settings.vae_lr, weight_decay=0.0)
    total = settings.vae_steps + settings.vae_full_steps

    def step_fn(step: int) -> float:
        set_lr(optimizer, settings.vae_lr, lr_factor(step, total, settings.warmup))
        x = vae_batch(settings, step, full=step >= settings.vae_steps)
        posterior = vae.encode(x).latent_dist
        z = posterior.sample(generator=generator(settings.seed, 1, step))
        out = vae.decode(z).sample
        loss = (out - x).abs().mean() + (out - x).pow(2).mean()
        loss = loss + settings.vae_edge_weight * gradient_loss(out, x)
        loss = loss + settings.vae_kl_weight * posterior.kl().mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.item()

    run_steps("vae", work / "vae-stage", {"vae": vae}, optimizer, total, settings, log, step_fn)
    vae.eval()
    with torch.no_grad():
        sample = to_tensor([generate(i, TRAIN_SEED + 600_000)[1].image for i in range(64)])
        std = float(vae.encode(sample).latent_dist.mean.std())
    vae.register_to_config(scaling_factor=1.0 / std)
    vae.save_pretrained(str(final), safe_serialization=True)
    log(f"vae: done, latent std {std:.3f} -> scaling factor {1.0 / std:.4f}")
    return vae


def sharpen_decoder(settings: TrainSettings, work: Path, log: Log, vae: Any) -> Any:
    """Train the decoder on (whole pictures') latent means with the encoder frozen, so the
    latents the UNet learns from stay exactly as they are while the outlines come out
    sharper: every gradient of the picture counts ``decoder_edge_weight`` times, and the
    pixels along the outlines and the picture's edge ``1 + decoder_band_weight`` times."""
    import torch
    from diffusers import AutoencoderKL

    final = work / "vae-sharpened"
    if settings.decoder_steps == 0:
        return vae
    if (final / "config.json").is_file():
        return AutoencoderKL.from_pretrained(str(final))
    torch.manual_seed(settings.seed + 6)
    vae.requires_grad_(False)
    params = list(vae.decoder.parameters()) + list(vae.post_quant_conv.parameters())
    for p in params:
        p.requires_grad_(True)
    optimizer = torch.optim.AdamW(params, lr=settings.decoder_lr, weight_decay=0.0)

    def step_fn(step: int) -> float:
        set_lr(optimizer, settings.decoder_lr, lr_factor(step, settings.decoder_steps, 20))
        x = decoder_batch(settings, step)
        with torch.no_grad():
            z = vae.encode(x).latent_dist.mean
        out = vae.decode(z).sample
        loss = band_weighted_error(out, x, settings.decoder_band_weight)
        loss = loss + settings.decoder_edge_weight * gradient_loss(out, x)
        if settings.decoder_peak_weight:
            loss = loss + settings.decoder_peak_weight * peak_error(out, x, settings.peak_pixels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.item()

    run_steps(
        "decoder",
        work / "decoder-stage",
        {"decoder": vae.decoder, "post_quant_conv": vae.post_quant_conv},
        optimizer,
        settings.decoder_steps,
        settings,
        log,
        step_fn,
    )
    vae.requires_grad_(False)
    vae.eval()
    vae.save_pretrained(str(final), safe_serialization=True)
    log("decoder: done")
    return vae


# -- stage 2: UNet + text encoder --------------------------------------------------------


def unet_phases(settings: TrainSettings) -> list[tuple[int, float]]:
    """The UNet stage's cosine cycles in order, as (steps, peak rate): the main one, then
    the region and grounding phases and the low-noise phase's ``low_noise_cycles`` cycles (a
    phase of 0 steps is skipped)."""
    phases = [
        (settings.unet_steps, settings.unet_lr),
        (settings.region_steps, settings.region_lr),
        (settings.grounding_steps, settings.region_lr),
    ]
    phases += [(settings.low_noise_steps, settings.region_lr)] * settings.low_noise_cycles
    return [phase for phase in phases if phase[0] > 0]


def unet_lr(settings: TrainSettings, step: int) -> float:
    """The rate at ``step``: each phase warms up again and falls along its own cosine."""
    phases = unet_phases(settings)
    for number, (steps, rate) in enumerate(phases):
        if step < steps or number == len(phases) - 1:
            return rate * lr_factor(step, steps, settings.warmup)
        step -= steps
    raise ValueError("a UNet stage without steps")


def unet_stage_steps(settings: TrainSettings) -> int:
    """The UNet stage's steps: main, region, grounding and low-noise phases."""
    return sum(steps for steps, _ in unet_phases(settings))


def low_noise_phase_steps(settings: TrainSettings) -> int:
    """The low-noise phase's steps, all its cycles together."""
    return settings.low_noise_steps * settings.low_noise_cycles


def is_low_noise_step(settings: TrainSettings, step: int) -> bool:
    """Whether ``step`` is in the low-noise phase (the stage's last cycles)."""
    phase = low_noise_phase_steps(settings)
    return phase > 0 and step >= unet_stage_steps(settings) - phase


def timestep_ceiling(settings: TrainSettings, step: int) -> int:
    """The timesteps ``step`` draws lie below this."""
    if is_low_noise_step(settings, step):
        return min(settings.max_timestep, settings.low_noise_ceiling)
    return settings.max_timestep


def timestep_shift(settings: TrainSettings, step: int) -> float:
    """The shift of ``step``'s timesteps: the setting's, except in the low-noise cycles,
    whose own ceiling already says which noise levels they train."""
    return 1.0 if is_low_noise_step(settings, step) else settings.timestep_shift


def is_grounding_step(settings: TrainSettings, step: int) -> bool:
    """Whether this step's plain batch carries the grounding term: in the grounding phase,
    or at every step when the recipe has none (``grounding_steps`` 0)."""
    if settings.grounding_weight <= 0:
        return False
    return not settings.grounding_steps or step >= settings.unet_steps + settings.region_steps


def is_region_step(settings: TrainSettings, step: int) -> bool:
    """Whether the UNet sees this step's batch through regional attention."""
    phase = step - settings.unet_steps
    return phase >= 0 and phase % settings.region_every == 0


def train_unet(
    settings: TrainSettings,
    work: Path,
    log: Log,
    data: dict[str, Any],
    tokenizer: Any,
    text_encoder: Any,
) -> tuple[Any, Any]:
    """The UNet from scratch, with ``text_encoder`` (the text stage's) training on beside it
    at ``settings.text_lr_factor`` of the UNet's rate."""
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
    unet = architecture.build_unet(settings.unet_variant, settings.latent_factor)
    params = list(unet.parameters()) + list(text_encoder.parameters())
    groups: list[dict[str, Any]] = [
        {"params": list(unet.parameters())},
        {"params": list(text_encoder.parameters()), "lr_scale": settings.text_lr_factor},
    ]
    kind_head = None  # the kind-map term's head (train_kind_map), trained beside the UNet
    if settings.kind_map_weight > 0:
        kind_head = kind_map_head(unet, settings.kind_map_level)
        groups.append({"params": list(kind_head.parameters())})
        params += list(kind_head.parameters())
    optimizer = torch.optim.AdamW(
        groups,
        lr=settings.unet_lr,
        weight_decay=1e-2,
    )
    ema_unet = Ema(unet, settings.ema_decay)
    ema_text = Ema(text_encoder, settings.ema_decay)
    scheduler = DDPMScheduler.from_config(architecture.SCHEDULER_CONFIG)
    empty = empty_ids(tokenizer)
    n = data["latents"].shape[0]
    side = data["latents"].shape[-1]
    scene_masks: list[Any] = []  # every scene's shape masks, drawn at the first grounding step
    negatives: list[Any] = []  # every scene's kind-changed caption ids and changed shapes
    shares: list[Any] = []  # every scene's kind map, made at the first kind-map step
    outlines = outline_cells(np.arange(n), side) if settings.outline_weight > 0 else None

    def step_fn(step: int) -> float:
        set_lr(optimizer, unet_lr(settings, step), 1.0)
        grounding = None
        contrast = None
        kind_map = None
        rng = np.random.default_rng([settings.seed, 2, step])
        idx_np = rng.integers(0, n, size=settings.unet_batch)
        idx = torch.from_numpy(idx_np)
        noised, noise, t = noisy(
            settings,
            scheduler,
            data["latents"][idx].float(),
            2,
            step,
            settings.high_noise_share,
            ceiling=timestep_ceiling(settings, step),
            shift=timestep_shift(settings, step),
        )
        region_step = is_region_step(settings, step)
        watched: AbstractContextManager[list[Any]] = (
            up_block_output(unet, settings.kind_map_level)
            if kind_head is not None and not region_step
            else nullcontext([])
        )
        if region_step:
            ids, processor = region_batch(
                idx_np, tokenizer, rng, layout=settings.region_layout, latent=side
            )
            with autocast(settings):
                states = text_encoder(ids)[0]
                states = states.reshape(len(idx_np), -1, states.shape[-1])
                with regional_attention([unet], processor):
                    pred = unet(noised, t, states).sample
        else:
            ids = drop_captions(data["ids"][idx], empty, settings.caption_dropout, rng)
            with autocast(settings):
                states = text_encoder(ids)[0]
                if is_grounding_step(settings, step):
                    if not scene_masks:
                        scene_masks.append(all_shape_masks(n, side))
                    with probed_cross_attention(unet) as maps, watched as features:
                        pred = unet(noised, t, states).sample
                    captioned = (ids == data["ids"][idx]).all(dim=1) & (
                        t >= settings.grounding_from
                    )
                    masks = scene_masks[0][idx].float()
                    grounding = grounding_loss(maps, data["text_groups"][idx], masks, captioned)
                else:
                    with watched as features:
                        pred = unet(noised, t, states).sample
                if kind_head is not None:
                    if not shares:
                        shares.append(kind_shares(np.arange(n), side))
                    captioned = (ids == data["ids"][idx]).all(dim=1)
                    kind_map = kind_map_loss(kind_head, features[0], shares[0][idx], captioned)
                if settings.kind_contrast_weight > 0:
                    if not scene_masks:
                        scene_masks.append(all_shape_masks(n, side))
                    if not negatives:
                        negatives.extend(negative_captions(n, settings.seed, tokenizer))
                    rows = torch.nonzero((ids == data["ids"][idx]).all(dim=1)).flatten()
                    rows = rows[: settings.kind_contrast_rows]
                    negative_states = text_encoder(negatives[0][idx[rows]])[0]
                    negative_pred = unet(noised[rows], t[rows], negative_states).sample
                    contrast = (rows, negative_pred.float())
        pred = pred.float()
        wanted = target(scheduler, data["latents"][idx].float(), noise, t)
        error = (pred - wanted).pow(2)
        if contrast is not None:
            rows, negative_pred = contrast
            changed = negatives[1][idx[rows]]  # (rows, slots)
            masks = scene_masks[0][idx[rows]] & changed[:, :, None, None]
            kind_contrast = contrast_loss(
                error[rows],
                (negative_pred - wanted[rows]).pow(2),
                masks.any(dim=1),
                settings.kind_contrast_scale,
            )
        if outlines is None:
            per_sample = error.mean(dim=(1, 2, 3))
        else:
            weight = 1.0 + settings.outline_weight * outlines[idx].float()
            per_sample = (error * weight).mean(dim=(1, 2, 3)) / weight.mean(dim=(1, 2, 3))
        loss = (per_sample * loss_weights(settings, scheduler, t)).mean()
        if grounding is not None:
            loss = loss + settings.grounding_weight * grounding
        if contrast is not None:
            loss = loss + settings.kind_contrast_weight * kind_contrast
        if kind_map is not None:
            loss = loss + settings.kind_map_weight * kind_map
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
    if kind_head is not None:
        modules["kind_head"] = kind_head
    run_steps(
        "unet",
        work / "unet-stage",
        modules,
        optimizer,
        unet_stage_steps(settings),
        settings,
        log,
        step_fn,
        after,
    )
    ema_unet.module.save_pretrained(str(final / "unet"), safe_serialization=True)
    ema_text.module.save_pretrained(str(final / "text_encoder"), safe_serialization=True)
    if kind_head is not None:  # for the edge ControlNet's kind-map term; never exported
        save_kind_head(kind_head, final)
    log("unet: done (EMA weights kept)")
    return ema_unet.module, ema_text.module


# -- stage 3: ControlNets ----------------------------------------------------------------


def train_controlnet(
    settings: TrainSettings,
    work: Path,
    log: Log,
    kind: str,
    data: dict[str, Any],
    unet: Any,
    text_encoder: Any,
    tokenizer: Any,
) -> Any:
    import torch
    from diffusers import ControlNetModel, DDPMScheduler

    final = work / f"controlnet-{kind}"
    if (final / "config.json").is_file():
        return ControlNetModel.from_pretrained(str(final))
    stage = 3 + CONTROLNET_KINDS.index(kind)
    inpainting = kind == "inpaint"
    steps = settings.controlnet_steps_of(kind)
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
    empty = empty_ids(tokenizer)
    n = data["latents"].shape[0]
    focus = settings.depth_overlap_weight if kind == "depth" else 0.0
    share = settings.depth_overlap_share if kind == "depth" else 0.0
    overlapping = overlapping_indices(n) if share > 0 else None
    if overlapping is not None and overlapping.size == 0:
        overlapping = None  # no scene with an overlap to draw more of
    kind_head = None  # the UNet stage's kind-map head, for the edge ControlNet's term
    if kind == "edge" and settings.edge_kind_map_weight > 0:
        kind_head = saved_kind_head(work, unet, settings.kind_map_level)

    def step_fn(step: int) -> float:
        set_lr(
            optimizer,
            settings.controlnet_lr,
            lr_factor(step, steps, settings.warmup),
        )
        rng = np.random.default_rng([settings.seed, stage, step])
        idx_np = rng.integers(0, n, size=settings.controlnet_batch)
        if overlapping is not None:
            chosen = np.flatnonzero(rng.random(idx_np.shape[0]) < share)
            idx_np[chosen] = rng.choice(overlapping, size=chosen.size)
        idx = torch.from_numpy(idx_np)
        if inpainting:  # the picture with a hole, and its own caption
            holes = [inpaint_image(generate(int(i))[1], rng) for i in idx_np]
            cond = torch.from_numpy(np.stack(holes)).permute(0, 3, 1, 2)
            ids = drop_captions(data["ids"][idx], empty, settings.inpaint_caption_dropout, rng)
        else:
            scenes = [generate(int(i))[:2] for i in idx_np]
            guides = [guide_image(kind, scene, rendered, rng) for scene, rendered in scenes]
            cond = torch.from_numpy(np.stack(guides).astype(np.float32) / 255.0)
            cond = cond.permute(0, 3, 1, 2)
            shuffle = settings.depth_shuffled_order if kind == "depth" else 0.0
            ids = guide_caption_ids(
                data["ids"][idx], idx_np, tokenizer, rng, shuffle, settings.controlnet_reworded
            )
            ids = drop_captions(ids, empty, settings.controlnet_caption_dropout, rng)
        noised, noise, t = noisy(settings, scheduler, data["latents"][idx].float(), stage, step)
        watched: AbstractContextManager[list[Any]] = (
            up_block_output(unet, settings.kind_map_level)
            if kind_head is not None
            else nullcontext([])
        )
        with autocast(settings):
            with torch.no_grad():
                states = text_encoder(ids)[0]
            down, mid = controlnet(noised, t, states, controlnet_cond=cond, return_dict=False)
            with watched as features:
                pred = unet(
                    noised,
                    t,
                    states,
                    down_block_additional_residuals=down,
                    mid_block_additional_residual=mid,
                ).sample.float()
        wanted = target(scheduler, data["latents"][idx].float(), noise, t)
        error = (pred - wanted).pow(2)
        if focus > 0:
            shown = [scene for scene, _ in scenes]  # focus > 0: the depth guides' scenes
            weight = overlap_weights(shown, focus, tuple(error.shape[-2:]))
            per_sample = (error * weight).mean(dim=(1, 2, 3)) / weight.mean(dim=(1, 2, 3))
        else:
            per_sample = error.mean(dim=(1, 2, 3))
        loss = (per_sample * loss_weights(settings, scheduler, t)).mean()
        if kind_head is not None:
            every = torch.ones(len(idx_np), dtype=torch.bool)
            shares = kind_shares(idx_np, data["latents"].shape[-1])
            kind_map = kind_map_loss(kind_head, features[0], shares, every)
            loss = loss + settings.edge_kind_map_weight * kind_map
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.item()

    run_steps(
        f"controlnet-{kind}",
        work / f"controlnet-{kind}-stage",
        {"controlnet": controlnet},
        optimizer,
        steps,
        settings,
        log,
        step_fn,
    )
    controlnet.save_pretrained(str(final), safe_serialization=True)
    log(f"controlnet-{kind}: done")
    return controlnet


def overlap_weights(scenes: list[Any], weight: float, latent_size: tuple[int, int]) -> Any:
    """(N, 1, h, w) loss weights for ``scenes``: 1, plus ``weight`` times the share of each
    latent pixel where two differently coloured shapes overlap."""
    import torch

    size = architecture.IMAGE_SIZE
    masks = np.stack([overlap_mask(scene, size) for scene in scenes])
    pooled = torch.nn.functional.adaptive_avg_pool2d(
        torch.from_numpy(masks.astype(np.float32))[:, None], latent_size
    )
    return 1.0 + weight * pooled
