"""SDXL family: text-to-image, img2img, inpaint, multi-ControlNet and regions.

One denoising loop covers every combination, like the SD1.5 adapter. It follows diffusers'
StableDiffusionXL (ControlNet, Img2Img) pipelines step for step and in the same order of random
draws: the context is both text encoders' hidden states side by side, the pooled embedding of
the second encoder and the micro-conditioning time ids go in as ``added_cond_kwargs`` (to the
ControlNets too), and the VAE runs in fp32 when its configuration asks for it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from f1studio.engine.adaptive import Settling, settled_latents
from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.families.base import (
    JobCancelled,
    LoadedModel,
    ModelFamily,
    StepCallback,
)
from f1studio.engine.families.sdxl_parts import (
    SDXL_LATENT_RGB,
    TextConditioning,
    encode_text,
    guidance_embedding,
    prepare_vae,
    vae_decode,
    vae_encode,
)
from f1studio.engine.inpaint import composite_inpaint, feather_inward
from f1studio.engine.previews import latent_preview, predicted_x0
from f1studio.engine.regional import regional_attention
from f1studio.engine.request import ControlSpec, GenerationRequest
from f1studio.engine.schedulers import make_scheduler


@dataclass
class _Control:
    spec: ControlSpec
    model: Any
    image: Any  # tensor (batch, 3, H, W) in 0..1


@dataclass
class _Inpaint:
    pixel_mask: np.ndarray  # float32 HxW 0..1 (feathered inward)
    latent_mask: Any  # tensor (1, 1, h, w)
    image_latents: Any
    noise: Any
    unet_extra: Any | None  # (mask, masked image latents) for 9-channel inpainting UNets


def _pil(array: np.ndarray) -> Any:
    from PIL import Image

    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    return Image.fromarray(np.ascontiguousarray(array[:, :, :3]), "RGB")


class SDXLAdapter:
    family = ModelFamily.SDXL

    def load_pipeline(self, location, dtype, allow_pickle, inpainting, config) -> Any:
        from f1studio.engine.families.sdxl_loading import load_sdxl

        return load_sdxl(location, dtype, allow_pickle, inpainting, config)

    def load_controlnet(self, location, dtype, allow_pickle, config) -> Any:
        from f1studio.engine.families.sdxl_loading import load_sdxl_controlnet

        return load_sdxl_controlnet(location, dtype, allow_pickle, config)

    def render(
        self,
        request: GenerationRequest,
        model: LoadedModel,
        controlnets: dict[str, Any],
        seed: int,
        on_step: StepCallback,
        should_stop: Callable[[], bool],
    ) -> np.ndarray:
        import torch

        with torch.inference_mode():
            return self._render(request, model, controlnets, seed, on_step, should_stop)

    # ------------------------------------------------------------------------------------
    def _render(self, req, model, controlnets, seed, on_step, should_stop) -> np.ndarray:
        import torch
        from diffusers.utils.torch_utils import randn_tensor

        pipe = model.pipe
        prepare_vae(pipe)
        device = torch.device(model.device)
        generator = torch.Generator("cpu").manual_seed(seed)
        do_cfg = req.guidance_scale > 1.0
        text = encode_text(pipe, req, device, do_cfg)
        dtype = text.embeds.dtype

        scheduler = make_scheduler(req.scheduler, pipe.scheduler.config)
        scheduler.set_timesteps(req.steps, device=device)
        timesteps = scheduler.timesteps
        denoise = req.inpaint.strength if req.inpaint is not None else req.strength
        init_px = req.init_image.array() if req.init_image is not None else None
        begin = 0
        if init_px is not None and denoise < 1.0:
            init_steps = min(int(req.steps * denoise), req.steps)
            begin = max(req.steps - init_steps, 0) * scheduler.order
            timesteps = scheduler.timesteps[begin:]
            if len(timesteps) == 0:  # strength so low that nothing is denoised
                return np.ascontiguousarray(init_px[:, :, :3])
        if hasattr(scheduler, "set_begin_index"):
            scheduler.set_begin_index(begin)

        shape = (
            1,
            pipe.vae.config.latent_channels,
            req.height // pipe.vae_scale_factor,
            req.width // pipe.vae_scale_factor,
        )
        inpaint: _Inpaint | None = None
        if req.inpaint is not None:
            inpaint = self._prepare_inpaint(pipe, req, init_px, generator, device, dtype, do_cfg)
            if denoise >= 1.0:
                latents = inpaint.noise * scheduler.init_noise_sigma
            else:
                latents = scheduler.add_noise(inpaint.image_latents, inpaint.noise, timesteps[:1])
        elif init_px is not None and denoise < 1.0:
            image = pipe.image_processor.preprocess(_pil(init_px)).to(device=device, dtype=dtype)
            init_latents = vae_encode(pipe, image, generator, dtype)
            noise = randn_tensor(
                init_latents.shape, generator=generator, device=device, dtype=dtype
            )
            latents = scheduler.add_noise(init_latents, noise, timesteps[:1])
        else:
            latents = randn_tensor(shape, generator=generator, device=device, dtype=dtype)
            latents = latents * scheduler.init_noise_sigma

        unet_extra = inpaint.unet_extra if inpaint is not None else None
        if unet_extra is None and pipe.unet.config.in_channels == 9:
            unet_extra = self._everything_masked(pipe, req, generator, device, dtype, do_cfg)
        controls = self._prepare_controls(pipe, req, controlnets, device, do_cfg)
        step_kwargs = self._step_kwargs(scheduler, generator)
        total = len(timesteps)
        alphas = scheduler.alphas_cumprod.to("cpu")
        prediction = scheduler.config.get("prediction_type", "epsilon")
        settling = Settling(req.auto_steps, total)
        timestep_cond = guidance_embedding(pipe, req.guidance_scale, device, dtype)

        # each model once: two guides may share a ControlNet
        models_with_text = list(
            {id(m): m for m in [pipe.unet] + [c.model for c in controls]}.values()
        )
        regional = text.regional
        context = regional_attention(models_with_text, regional) if regional else _nothing()
        with context:
            for i, t in enumerate(timesteps):
                if should_stop():
                    raise JobCancelled(i)
                model_in = torch.cat([latents] * 2) if do_cfg else latents
                model_in = scheduler.scale_model_input(model_in, t)
                down, mid = self._control_residuals(controls, model_in, t, text, i, total)
                unet_in = model_in
                if unet_extra is not None:
                    unet_in = torch.cat([model_in, *unet_extra], dim=1)
                noise_pred = pipe.unet(
                    unet_in,
                    t,
                    encoder_hidden_states=text.embeds,
                    timestep_cond=timestep_cond,
                    down_block_additional_residuals=down,
                    mid_block_additional_residual=mid,
                    added_cond_kwargs=text.added,
                    return_dict=False,
                )[0]
                if do_cfg:
                    uncond, cond = noise_pred.chunk(2)
                    noise_pred = uncond + req.guidance_scale * (cond - uncond)
                x0 = predicted_x0(model_in[-1:], noise_pred, t, alphas, prediction)
                preview = latent_preview(model_in[-1:] if x0 is None else x0, SDXL_LATENT_RGB)
                latents = scheduler.step(noise_pred, t, latents, **step_kwargs, return_dict=False)[
                    0
                ]
                masked_renoise = inpaint is not None and inpaint.unet_extra is None
                if masked_renoise:
                    keep = inpaint.image_latents
                    if i < total - 1:
                        keep = scheduler.add_noise(keep, inpaint.noise, timesteps[i + 1 : i + 2])
                    m = inpaint.latent_mask
                    latents = (1 - m) * keep + m * latents
                on_step(i + 1, total, preview)
                if settling.settled(x0):  # steps: auto — the picture has stopped changing
                    latents = settled_latents(x0, latents, inpaint if masked_renoise else None)
                    break

        out = vae_decode(pipe, latents)
        rgb = (out * 255).round().astype(np.uint8)
        if inpaint is not None and init_px is not None:
            rgb = composite_inpaint(init_px[:, :, :3], rgb, inpaint.pixel_mask)
        return rgb

    # ------------------------------------------------------------------------------------
    def _prepare_inpaint(self, pipe, req, init_px, generator, device, dtype, do_cfg) -> _Inpaint:
        import torch
        import torch.nn.functional as F
        from diffusers.utils.torch_utils import randn_tensor

        pixel_mask = feather_inward(req.inpaint.mask.array(), req.inpaint.feather)
        image = pipe.image_processor.preprocess(_pil(init_px)).to(device=device, dtype=dtype)
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
        return _Inpaint(pixel_mask, latent_mask, image_latents, noise, extra)

    @staticmethod
    def _everything_masked(pipe, req, generator, device, dtype, do_cfg) -> tuple[Any, Any]:
        """What a 9-channel inpainting UNet sees when the whole canvas is regenerated (text to
        image or img2img on an inpainting model): a full mask and the latents of an image that
        is masked everywhere (all 0, mid-grey), as its inpaint pipeline makes for a full mask."""
        import torch

        image = torch.zeros((1, 3, req.height, req.width), device=device, dtype=dtype)
        masked_latents = vae_encode(pipe, image, generator, dtype)
        mask = torch.ones((1, 1, *masked_latents.shape[-2:]), device=device, dtype=dtype)
        reps = 2 if do_cfg else 1
        return torch.cat([mask] * reps), torch.cat([masked_latents] * reps)

    def _prepare_controls(self, pipe, req, controlnets, device, do_cfg) -> list[_Control]:
        import torch
        from diffusers.image_processor import VaeImageProcessor

        if not req.controls:
            return []
        processor = VaeImageProcessor(
            vae_scale_factor=pipe.vae_scale_factor, do_convert_rgb=True, do_normalize=False
        )
        out = []
        for spec in req.controls:
            model = controlnets[spec.model]
            _check_controlnet(pipe.unet, model, spec)
            image = processor.preprocess(_pil(spec.image.array()), req.height, req.width)
            image = image.to(dtype=torch.float32).to(device=device, dtype=model.dtype)
            if do_cfg:
                image = torch.cat([image] * 2)
            out.append(_Control(spec, model, image))
        return out

    @staticmethod
    def _control_residuals(controls, model_in, t, text: TextConditioning, step, total):
        # A ControlNet outside its active steps has scale 0: diffusers still runs it and adds
        # zeros, which leaves every number as it is, so it is skipped here.
        down, mid = None, None
        for c in controls:
            scale = c.spec.scale_at(step, total)
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
            if down is None:
                down, mid = list(d), m
            else:
                down = [a + b for a, b in zip(down, d, strict=True)]
                mid = mid + m
        return down, mid

    @staticmethod
    def _step_kwargs(scheduler, generator) -> dict[str, Any]:
        params = set(inspect.signature(scheduler.step).parameters)
        kwargs: dict[str, Any] = {}
        if "eta" in params:
            kwargs["eta"] = 0.0
        if "generator" in params:
            kwargs["generator"] = generator
        return kwargs


def _check_controlnet(unet: Any, controlnet: Any, spec: ControlSpec) -> None:
    """A ControlNet made for another family fails with a plain message, not a shape error."""
    ours, theirs = unet.config, controlnet.config
    fits = theirs.get("cross_attention_dim") == ours.cross_attention_dim and theirs.get(
        "addition_embed_type"
    ) == ours.get("addition_embed_type")
    if not fits:
        name = Path(spec.model or "").name or "ControlNet"
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"the {spec.kind.value} guide's ControlNet {name} was not made for this SDXL model "
            "(an SD1.5 ControlNet?): choose an SDXL ControlNet",
        )


class _nothing:  # noqa: N801
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
