"""Building blocks shared by the UNet families (SD1.5 and SDXL): text conditioning as the loop
sees it, the VAE as their pipelines use it, inpaint and ControlNet preparation.

Every function follows the arithmetic of diffusers' StableDiffusion and StableDiffusionXL
pipelines (which agree on all of it), so the loop in ``unet_loop.py`` reproduces them for the
same model, scheduler and seed.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from f1studio.engine.differential import Differential, latent_strengths
from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.inpaint import feather_inward, inpaint_condition
from f1studio.engine.regional import RegionalAttnProcessor
from f1studio.engine.request import ControlSpec, GenerationRequest


@dataclass
class TextConditioning:
    """What the UNet (and every ControlNet) sees of the prompts, batched [negative, positive]
    when classifier-free guidance is on. SD1.5 has the hidden states alone; SDXL adds the
    second encoder's pooled embedding and its micro-conditioning time ids."""

    embeds: Any  # (batch, tokens, width)
    regional: RegionalAttnProcessor | None = None
    pooled: Any = None  # SDXL: (batch, projection)
    time_ids: Any = None  # SDXL: (batch, 6), or (batch, 5) with an aesthetic score

    @property
    def added(self) -> dict[str, Any] | None:
        """``added_cond_kwargs`` for the UNet and ControlNets (None on SD1.5)."""
        if self.pooled is None:
            return None
        return {"text_embeds": self.pooled, "time_ids": self.time_ids}


@dataclass
class Control:
    spec: ControlSpec | None  # None: the inpaint ControlNet (weight 1 on every step, everywhere)
    model: Any
    image: Any  # tensor (batch, 3, H, W) in 0..1 (-1 in an inpaint ControlNet's hole)
    masks: dict[tuple[int, int], Any] = field(default_factory=dict)  # region by residual size

    def scale_at(self, step: int, total: int) -> float:
        return 1.0 if self.spec is None else self.spec.scale_at(step, total)

    def region_at(self, like: Any) -> Any:
        """The guide's region mask at the size of residual ``like`` (1, 1, h, w), area-averaged
        as regional prompts are; None when the guide acts everywhere."""
        if self.spec is None or self.spec.mask is None:
            return None
        h, w = like.shape[-2:]
        if (h, w) not in self.masks:
            import cv2
            import torch

            mask = self.spec.mask.array().astype(np.float32) / 255.0
            small = cv2.resize(mask, (w, h), interpolation=cv2.INTER_AREA)
            tensor = torch.from_numpy(np.ascontiguousarray(small))[None, None]
            self.masks[(h, w)] = tensor.to(device=like.device, dtype=like.dtype)
        return self.masks[(h, w)]

    def weighted(self, residuals: list[Any], cfg: bool) -> list[Any]:
        """``residuals`` (the down blocks' then the middle block's) weighted by the guide's
        region and its balance (``ControlSpec.residual_scales``); as they are when the guide
        is balanced and acts everywhere. A step without classifier-free guidance (``cfg``
        False: guidance 1 or below) has no negative half for a guide leaning toward itself
        to leave, so there its residuals stay at the guide's weight: fading them alone would
        make "the guide is more important" follow the guide less than balanced does (the
        demo model's few-step LoRA, 8 live steps, a hand-drawn edge guide at weight 1.2 and
        Mode 0.5: edge F1 0.776 faded, 0.833 not, 0.809 balanced)."""
        if self.spec is None or (self.spec.mask is None and self.spec.balance == 0.0):
            return residuals
        if cfg or self.spec.balance < 0:
            scales, uncond = self.spec.residual_scales(len(residuals))
        else:  # toward the guide with no negative half to take it from: as at its weight
            scales, uncond = [1.0] * len(residuals), 1.0
        out = []
        for residual, scale in zip(residuals, scales, strict=True):
            if scale != 1.0:
                residual = residual * scale
            if cfg and uncond != 1.0:  # the batch is [negative, positive]
                half = residual.shape[0] // 2
                residual = torch_cat([residual[:half] * uncond, residual[half:]])
            region = self.region_at(residual)
            out.append(residual if region is None else residual * region)
        return out


def torch_cat(parts: list[Any]) -> Any:
    import torch

    return torch.cat(parts)


@dataclass
class Inpaint:
    pixel_mask: np.ndarray  # float32 HxW 0..1 (feathered inward)
    latent_mask: Any  # tensor (1, 1, h, w)
    image_latents: Any
    noise: Any
    unet_extra: Any | None  # (mask, masked image latents) for 9-channel inpainting UNets


def pil(array: np.ndarray) -> Any:
    """An RGB PIL image of an RGB(A) or grey uint8 array."""
    from PIL import Image

    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    return Image.fromarray(np.ascontiguousarray(array[:, :, :3]), "RGB")


def pair(negative: Any, positive: Any, do_cfg: bool) -> Any:
    """The [negative, positive] batch of classifier-free guidance, or the positive alone."""
    import torch

    return torch.cat([negative, positive]) if do_cfg else positive


def guidance_embedding(pipe: Any, guidance_scale: float, device: Any, dtype: Any) -> Any:
    """The guidance-scale embedding of UNets distilled with one (``time_cond_proj_dim``, LCM
    models), else None."""
    dim = pipe.unet.config.time_cond_proj_dim
    if dim is None:
        return None
    import torch

    w = torch.tensor(guidance_scale - 1).repeat(1)
    return pipe.get_guidance_scale_embedding(w, embedding_dim=dim).to(device=device, dtype=dtype)


# --- the VAE ---------------------------------------------------------------------------------


def _latent_stats(vae: Any, device: Any, dtype: Any) -> tuple[Any, Any] | None:
    import torch

    mean = getattr(vae.config, "latents_mean", None)
    std = getattr(vae.config, "latents_std", None)
    if mean is None or std is None:
        return None
    shape = (1, len(mean), 1, 1)
    return (
        torch.tensor(mean).view(shape).to(device, dtype),
        torch.tensor(std).view(shape).to(device, dtype),
    )


def vae_encode(pipe: Any, image: Any, generator: Any, dtype: Any) -> Any:
    """Scaled latents of ``image`` (-1..1), sampled with ``generator`` as the pipelines do."""
    from diffusers.pipelines.stable_diffusion.pipeline_stable_diffusion_img2img import (
        retrieve_latents,
    )

    vae = pipe.vae
    latents = retrieve_latents(vae.encode(image.to(vae.dtype)), generator=generator).to(dtype)
    stats = _latent_stats(vae, latents.device, dtype)
    if stats is not None:
        return (latents - stats[0]) * vae.config.scaling_factor / stats[1]
    return vae.config.scaling_factor * latents


def vae_decode(pipe: Any, latents: Any) -> np.ndarray:
    """RGB float 0..1 (H, W, 3) from scaled latents, as the pipelines decode."""
    vae = pipe.vae
    latents = latents.to(vae.dtype)
    stats = _latent_stats(vae, latents.device, latents.dtype)
    if stats is not None:
        latents = latents * stats[1] / vae.config.scaling_factor + stats[0]
    else:
        latents = latents / vae.config.scaling_factor
    image = vae.decode(latents, return_dict=False)[0]
    return pipe.image_processor.postprocess(image, output_type="np")[0]


# --- inpainting ------------------------------------------------------------------------------


def prepare_inpaint(
    pipe: Any,
    req: GenerationRequest,
    init_px: np.ndarray,
    generator: Any,
    device: Any,
    dtype: Any,
    do_cfg: bool,
) -> Inpaint:
    """The inpaint mask (feathered inward for the composite, area-averaged to the latent grid
    for masked re-noising), the init image's latents and the noise; on 9-channel inpainting
    UNets also the hard mask and the masked image's latents they take as extra input."""
    import torch
    import torch.nn.functional as F
    from diffusers.utils.torch_utils import randn_tensor

    assert req.inpaint is not None
    pixel_mask = feather_inward(req.inpaint.mask.array(), req.inpaint.feather)
    image = pipe.image_processor.preprocess(pil(init_px)).to(device=device, dtype=dtype)
    image_latents = vae_encode(pipe, image, generator, dtype)
    noise = randn_tensor(image_latents.shape, generator=generator, device=device, dtype=dtype)
    h, w = image_latents.shape[-2:]
    mask_t = torch.from_numpy(pixel_mask)[None, None].to(device=device, dtype=dtype)
    latent_mask = F.adaptive_avg_pool2d(mask_t, (h, w))
    extra = None
    if pipe.unet.config.in_channels == 9:
        hard = (mask_t >= 0.5).to(dtype)
        masked_latents = vae_encode(pipe, image * (1 - hard), generator, dtype)
        small = F.interpolate(hard, size=(h, w))
        reps = 2 if do_cfg else 1
        extra = (torch.cat([small] * reps), torch.cat([masked_latents] * reps))
    return Inpaint(pixel_mask, latent_mask, image_latents, noise, extra)


def prepare_differential(
    pipe: Any, req: GenerationRequest, init_px: np.ndarray, noise: Any, seed: int, dtype: Any
) -> Differential:
    """The request's strength map on the latent grid with the init image's latents, encoded
    with a generator of their own (so the run draws the noise a plain render draws)."""
    import torch

    assert req.strength_map is not None
    image = pipe.image_processor.preprocess(pil(init_px)).to(device=noise.device, dtype=dtype)
    image_latents = vae_encode(pipe, image, torch.Generator("cpu").manual_seed(seed), dtype)
    strengths = latent_strengths(req.strength_map.array(), tuple(image_latents.shape[-2:]))
    return Differential.of(strengths, req.steps, False, image_latents, noise)


def everything_masked(
    pipe: Any, req: GenerationRequest, generator: Any, device: Any, dtype: Any, do_cfg: bool
) -> tuple[Any, Any]:
    """What a 9-channel inpainting UNet sees when the whole canvas is regenerated (text to
    image or img2img on an inpainting model): a full mask and the latents of an image that
    is masked everywhere (all 0, mid-grey), as its inpaint pipeline makes for a full mask."""
    import torch

    image = torch.zeros((1, 3, req.height, req.width), device=device, dtype=dtype)
    masked_latents = vae_encode(pipe, image, generator, dtype)
    mask = torch.ones((1, 1, *masked_latents.shape[-2:]), device=device, dtype=dtype)
    reps = 2 if do_cfg else 1
    return torch.cat([mask] * reps), torch.cat([masked_latents] * reps)


# --- ControlNets -----------------------------------------------------------------------------


def check_controlnet(
    unet: Any, controlnet: Any, what: str, ref: str | None, family_label: str
) -> None:
    """A ControlNet made for another family fails with a plain message, not a shape error
    (``what``: whose it is, "the edge guide's")."""
    ours, theirs = unet.config, controlnet.config
    fits = theirs.get("cross_attention_dim") == ours.cross_attention_dim and theirs.get(
        "addition_embed_type"
    ) == ours.get("addition_embed_type")
    if not fits:
        name = Path(ref or "").name or "ControlNet"
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{what} ControlNet {name} was not made for this "
            f"{family_label} model (it belongs to another family): choose one of the "
            f"{family_label} ControlNets",
        )


def prepare_controls(
    pipe: Any,
    req: GenerationRequest,
    controlnets: dict[str, Any],
    device: Any,
    do_cfg: bool,
    family_label: str,
) -> list[Control]:
    """Each guide's ControlNet (checked against the UNet) and its image as the pipelines
    preprocess it."""
    import torch
    from diffusers.image_processor import VaeImageProcessor

    if not req.controls:
        return []
    processor = VaeImageProcessor(
        vae_scale_factor=pipe.vae_scale_factor, do_convert_rgb=True, do_normalize=False
    )
    out = []
    for spec in req.controls:
        model = controlnets[spec.model or ""]  # the runner loaded one for every guide
        what = f"the {spec.kind.value} guide's"
        check_controlnet(pipe.unet, model, what, spec.model, family_label)
        image = processor.preprocess(pil(spec.image.array()), req.height, req.width)
        image = image.to(dtype=torch.float32).to(device=device, dtype=model.dtype)
        if do_cfg:
            image = torch.cat([image] * 2)
        out.append(Control(spec, model, image))
    return out


def inpaint_control(
    pipe: Any,
    req: GenerationRequest,
    init_px: np.ndarray,
    controlnets: dict[str, Any],
    device: Any,
    do_cfg: bool,
    family_label: str,
) -> Control | None:
    """The request's inpaint ControlNet with its control image (the canvas with the painted
    mask at -1; with a strength map, the pixels it re-makes fully), or None when the request
    has none."""
    import torch

    if req.inpaint is not None and req.inpaint.controlnet is not None:
        ref, hole = req.inpaint.controlnet, req.inpaint.mask.array()
    elif req.strength_map is not None and req.strength_map_controlnet is not None:
        ref, hole = req.strength_map_controlnet, req.strength_map.array() == 255
    else:
        return None
    model = controlnets[ref]  # the runner loaded it with the guides' ones
    check_controlnet(pipe.unet, model, "the inpaint", ref, family_label)
    cond = inpaint_condition(init_px, hole)
    image = torch.from_numpy(cond).permute(2, 0, 1)[None].to(device=device, dtype=model.dtype)
    if do_cfg:
        image = torch.cat([image] * 2)
    return Control(None, model, image)


class _SameHint:
    """Stands in for a ControlNet's hint encoder (``controlnet_cond_embedding``) during one
    render: the guide images do not change between steps, so each is encoded once (the hint
    encoder works at full pixel size: 40% of a demo ControlNet's evaluation)."""

    def __init__(self, encoder: Any) -> None:
        self.encoder = encoder
        self.seen: list[tuple[Any, Any]] = []  # (the image tensor, its encoding)

    def __call__(self, image: Any) -> Any:
        for known, encoded in self.seen:
            if known is image:
                return encoded
        encoded = self.encoder(image)
        self.seen.append((image, encoded))
        return encoded


@contextmanager
def hints_encoded_once(controls: list[Control]) -> Iterator[None]:
    """Within the block each ControlNet of ``controls`` encodes each guide image once; the
    models (kept in the cache between renders) get their own encoders back after it."""
    swapped: list[Any] = []
    try:
        for model in {id(c.model): c.model for c in controls}.values():
            encoder = getattr(model, "controlnet_cond_embedding", None)
            if encoder is None or isinstance(encoder, _SameHint):
                continue
            # set on the instance (bypassing nn.Module's registry): the module stays registered
            object.__setattr__(model, "controlnet_cond_embedding", _SameHint(encoder))
            swapped.append(model)
        yield
    finally:
        for model in swapped:  # the registered module shows again
            object.__delattr__(model, "controlnet_cond_embedding")


def control_residuals(
    controls: list[Control],
    model_in: Any,
    t: Any,
    text: TextConditioning,
    step: int,
    total: int,
    cfg: bool = False,
) -> tuple[Any, Any]:
    """The summed ControlNet residuals of this step (None, None without an active guide),
    each guide's weighted by its region and balance (``cfg``: the batch is [negative, positive]).

    A ControlNet outside its active steps has scale 0: diffusers still runs it and adds zeros,
    which leaves every number as it is, so it is skipped here."""
    down, mid = None, None
    for c in controls:
        scale = c.scale_at(step, total)
        if scale == 0.0:
            continue
        d, m = c.model(
            model_in,
            t,
            encoder_hidden_states=text.embeds,
            controlnet_cond=c.image,
            conditioning_scale=scale,
            guess_mode=False,
            added_cond_kwargs=text.added,
            return_dict=False,
        )
        *d, m = c.weighted([*d, m], cfg=cfg)
        if down is None:
            down, mid = list(d), m
        else:
            down = [a + b for a, b in zip(down, d, strict=True)]
            mid = mid + m
    return down, mid


def step_kwargs(scheduler: Any, generator: Any) -> dict[str, Any]:
    """``eta`` and ``generator`` for schedulers whose step takes them (as the pipelines pass)."""
    params = set(inspect.signature(scheduler.step).parameters)
    kwargs: dict[str, Any] = {}
    if "eta" in params:
        kwargs["eta"] = 0.0
    if "generator" in params:
        kwargs["generator"] = generator
    return kwargs
