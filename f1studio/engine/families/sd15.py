"""Stable Diffusion 1.5 family: text-to-image, img2img, inpaint, multi-ControlNet and regions.

One denoising loop covers every combination. It follows the same arithmetic as diffusers'
StableDiffusion (ControlNet, Img2Img) pipelines, step for step and in the same order of
random draws, so a plain render equals the reference pipeline for the same seed.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from f1studio.engine.adaptive import Settling, settled_latents
from f1studio.engine.families.base import (
    JobCancelled,
    LoadedModel,
    ModelFamily,
    StepCallback,
)
from f1studio.engine.inpaint import composite_inpaint, feather_inward
from f1studio.engine.previews import SD15_LATENT_RGB, latent_preview, predicted_x0
from f1studio.engine.regional import (
    RegionalAttnProcessor,
    RegionWeights,
    region_texts,
    regional_attention,
)
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


class SD15Adapter:
    family = ModelFamily.SD15

    def load_pipeline(self, location, dtype, allow_pickle, inpainting, config) -> Any:
        from f1studio.engine.families.sd15_loading import load_sd15

        return load_sd15(location, dtype, allow_pickle, inpainting, config)

    def load_controlnet(self, location, dtype, allow_pickle, config) -> Any:
        from f1studio.engine.families.sd15_loading import load_sd15_controlnet

        return load_sd15_controlnet(location, dtype, allow_pickle, config)

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
    def _render(self, req, model, controlnets, seed, on_step, should_stop) -> np.ndarray:  # noqa: C901
        import torch
        from diffusers.utils.torch_utils import randn_tensor

        pipe = model.pipe
        device = torch.device(model.device)
        generator = torch.Generator("cpu").manual_seed(seed)
        do_cfg = req.guidance_scale > 1.0
        embeds, regional = self._encode(pipe, req, device, do_cfg)
        dtype = embeds.dtype

        scheduler = make_scheduler(req.scheduler, pipe.scheduler.config)
        scheduler.set_timesteps(req.steps, device=device)
        timesteps = scheduler.timesteps
        denoise = req.inpaint.strength if req.inpaint is not None else req.strength
        init_px = req.init_image.array() if req.init_image is not None else None
        if init_px is not None and denoise < 1.0:
            init_steps = min(int(req.steps * denoise), req.steps)
            t_start = max(req.steps - init_steps, 0)
            timesteps = scheduler.timesteps[t_start * scheduler.order :]
            if hasattr(scheduler, "set_begin_index"):
                scheduler.set_begin_index(t_start * scheduler.order)
            if len(timesteps) == 0:  # strength so low that nothing is denoised
                return np.ascontiguousarray(init_px[:, :, :3])

        vae_scale = pipe.vae_scale_factor
        shape = (
            1,
            pipe.vae.config.latent_channels,
            req.height // vae_scale,
            req.width // vae_scale,
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
            init_latents = self._encode_image(pipe, image, generator)
            noise = randn_tensor(
                init_latents.shape, generator=generator, device=device, dtype=dtype
            )
            latents = scheduler.add_noise(init_latents, noise, timesteps[:1])
        else:
            latents = randn_tensor(shape, generator=generator, device=device, dtype=dtype)
            latents = latents * scheduler.init_noise_sigma

        controls = self._prepare_controls(pipe, req, controlnets, device, do_cfg)
        unet_extra = inpaint.unet_extra if inpaint is not None else None
        if unet_extra is None and pipe.unet.config.in_channels == 9:
            # an inpainting model asked for a whole picture: everything is "masked"
            unet_extra = self._whole_canvas_extra(pipe, latents, generator, do_cfg)
        step_kwargs = self._step_kwargs(scheduler, generator)
        total = len(timesteps)
        alphas = scheduler.alphas_cumprod.to("cpu")
        settling = Settling(req.auto_steps, total)
        prediction = scheduler.config.get("prediction_type", "epsilon")
        factors = getattr(pipe, "f1_latent_rgb", None)
        if factors is None:
            factors = SD15_LATENT_RGB

        models_with_text = [pipe.unet] + [c.model for c in controls]
        context = regional_attention(models_with_text, regional) if regional else _nothing()
        with context:
            for i, t in enumerate(timesteps):
                if should_stop():
                    raise JobCancelled(i)
                model_in = torch.cat([latents] * 2) if do_cfg else latents
                model_in = scheduler.scale_model_input(model_in, t)
                down, mid = self._control_residuals(controls, model_in, t, embeds, i, total)
                unet_in = model_in
                if unet_extra is not None:
                    unet_in = torch.cat([model_in, *unet_extra], dim=1)
                noise_pred = pipe.unet(
                    unet_in,
                    t,
                    encoder_hidden_states=embeds,
                    down_block_additional_residuals=down,
                    mid_block_additional_residual=mid,
                    return_dict=False,
                )[0]
                if do_cfg:
                    uncond, cond = noise_pred.chunk(2)
                    noise_pred = uncond + req.guidance_scale * (cond - uncond)
                x0 = predicted_x0(model_in[-1:], noise_pred, t, alphas, prediction)
                preview = latent_preview(model_in[-1:] if x0 is None else x0, factors)
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

        image = pipe.vae.decode(
            latents / pipe.vae.config.scaling_factor, return_dict=False, generator=generator
        )[0]
        out = pipe.image_processor.postprocess(image, output_type="np", do_denormalize=[True])[0]
        rgb = (out * 255).round().astype(np.uint8)
        if inpaint is not None and init_px is not None:
            rgb = composite_inpaint(init_px[:, :, :3], rgb, inpaint.pixel_mask)
        return rgb

    # ------------------------------------------------------------------------------------
    def _encode(self, pipe, req: GenerationRequest, device, do_cfg: bool):
        import torch

        if not req.regions:
            pos, neg = pipe.encode_prompt(
                req.prompt, device, 1, do_cfg, negative_prompt=req.negative_prompt or None
            )
            return (torch.cat([neg, pos]) if do_cfg else pos), None
        pos_texts, neg_texts = region_texts(req.prompt, req.negative_prompt, req.regions)
        pos_parts, neg_parts = [], []
        for p, n in zip(pos_texts, neg_texts, strict=True):
            pe, ne = pipe.encode_prompt(p, device, 1, do_cfg, negative_prompt=n or None)
            pos_parts.append(pe)
            neg_parts.append(ne)
        pos = torch.cat(pos_parts, dim=1)
        embeds = torch.cat([torch.cat(neg_parts, dim=1), pos]) if do_cfg else pos
        vae_scale = pipe.vae_scale_factor
        weights = RegionWeights.build(
            req.regions, req.height // vae_scale, req.width // vae_scale, device, pos.dtype
        )
        return embeds, RegionalAttnProcessor(weights, chunks=len(pos_texts))

    @staticmethod
    def _encode_image(pipe, image, generator):
        from diffusers.pipelines.stable_diffusion.pipeline_stable_diffusion_img2img import (
            retrieve_latents,
        )

        latents = retrieve_latents(pipe.vae.encode(image), generator=generator)
        return pipe.vae.config.scaling_factor * latents

    def _prepare_inpaint(self, pipe, req, init_px, generator, device, dtype, do_cfg) -> _Inpaint:
        import torch
        import torch.nn.functional as F
        from diffusers.utils.torch_utils import randn_tensor

        pixel_mask = feather_inward(req.inpaint.mask.array(), req.inpaint.feather)
        image = pipe.image_processor.preprocess(_pil(init_px)).to(device=device, dtype=dtype)
        image_latents = self._encode_image(pipe, image, generator)
        noise = randn_tensor(image_latents.shape, generator=generator, device=device, dtype=dtype)
        h, w = image_latents.shape[-2:]
        mask_t = torch.from_numpy(pixel_mask)[None, None].to(device=device, dtype=dtype)
        latent_mask = F.adaptive_avg_pool2d(mask_t, (h, w))
        extra = None
        if pipe.unet.config.in_channels == 9:
            hard = (mask_t >= 0.5).to(dtype)
            masked = image * (1 - hard)
            masked_latents = self._encode_image(pipe, masked, generator)
            small = F.interpolate(hard, size=(h, w))
            reps = 2 if do_cfg else 1
            extra = (torch.cat([small] * reps), torch.cat([masked_latents] * reps))
        return _Inpaint(pixel_mask, latent_mask, image_latents, noise, extra)

    def _whole_canvas_extra(self, pipe, latents, generator, do_cfg):
        """Mask and masked-image latents for a 9-channel model rendering the whole canvas."""
        import torch

        h, w = latents.shape[-2:]
        scale = pipe.vae_scale_factor
        grey = torch.zeros(1, 3, h * scale, w * scale, device=latents.device, dtype=latents.dtype)
        masked_latents = self._encode_image(pipe, grey, generator)
        mask = torch.ones(1, 1, h, w, device=latents.device, dtype=latents.dtype)
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
            image = processor.preprocess(_pil(spec.image.array()), req.height, req.width)
            image = image.to(dtype=torch.float32).to(device=device, dtype=model.dtype)
            if do_cfg:
                image = torch.cat([image] * 2)
            out.append(_Control(spec, model, image))
        return out

    @staticmethod
    def _control_residuals(controls, model_in, t, embeds, step, total):
        down, mid = None, None
        for c in controls:
            scale = c.spec.scale_at(step, total)
            if scale == 0.0:
                continue
            d, m = c.model(
                model_in,
                t,
                encoder_hidden_states=embeds,
                controlnet_cond=c.image,
                conditioning_scale=scale,
                guess_mode=False,
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


class _nothing:  # noqa: N801
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
