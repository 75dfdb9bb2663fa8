"""The one denoising loop of the UNet families (SD1.5 and SDXL).

Text to image, img2img, inpaint (masked re-noising, or 9-channel inpainting UNets),
multi-ControlNet and regions, in every combination. It follows diffusers' StableDiffusion and
StableDiffusionXL (ControlNet, Img2Img, Inpaint) pipelines step for step and in the same order
of random draws, so a plain render equals the reference pipeline for the same seed.

A family says only what differs, in a :class:`UNetFamily`: its loaders, how the prompts become
:class:`TextConditioning`, how its VAE is prepared, and its preview colours.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from f1studio.engine.adaptive import Settling, settled_latents
from f1studio.engine.differential import Differential
from f1studio.engine.families.base import (
    JobCancelled,
    LoadedModel,
    ModelFamily,
    StepCallback,
    in_inference_mode,
)
from f1studio.engine.families.unet_adaptive import UNetRun, sample_unet
from f1studio.engine.families.unet_parts import (
    Inpaint,
    TextConditioning,
    control_residuals,
    everything_masked,
    guidance_embedding,
    hints_encoded_once,
    inpaint_control,
    pil,
    prepare_controls,
    prepare_differential,
    prepare_inpaint,
    step_kwargs,
    vae_decode,
    vae_encode,
)
from f1studio.engine.inpaint import composite_inpaint
from f1studio.engine.previews import latent_preview, predicted_x0
from f1studio.engine.references import prepare_references
from f1studio.engine.regional import regional_attention
from f1studio.engine.request import ADAPTIVE_SCHEDULER, GenerationRequest
from f1studio.engine.schedulers import make_scheduler
from f1studio.engine.tiny_vae import tiny_decode, tiny_preview


@dataclass(frozen=True)
class UNetFamily:
    """What one UNet family brings to the shared loop."""

    family: ModelFamily
    latent_rgb: np.ndarray  # latent -> RGB preview colours of the family's VAE
    load_pipeline: Callable[..., Any]  # (location, dtype, allow_pickle, inpainting, config)
    load_controlnet: Callable[..., Any]  # (location, dtype, allow_pickle, config)
    # (pipe, request, device, do_cfg) -> the prompts (and region chunks) as its UNet takes them
    encode_text: Callable[[Any, GenerationRequest, Any, bool], TextConditioning]
    prepare_pipe: Callable[[Any], None] = lambda pipe: None  # e.g. SDXL's fp32 VAE


class UNetAdapter:
    """The shared render of the UNet families; a family's adapter names its :class:`UNetFamily`."""

    parts: ClassVar[UNetFamily]
    flow_matching: ClassVar[bool] = False

    @property
    def family(self) -> ModelFamily:
        return self.parts.family

    def load_pipeline(
        self, location: str, dtype: Any, allow_pickle: bool, inpainting: bool, config: str | None
    ) -> Any:
        return self.parts.load_pipeline(location, dtype, allow_pickle, inpainting, config)

    def load_controlnet(
        self, location: str, dtype: Any, allow_pickle: bool, config: str | None
    ) -> Any:
        return self.parts.load_controlnet(location, dtype, allow_pickle, config)

    def steps_per_image(self, request: GenerationRequest) -> int:
        return request.steps_per_image(self.flow_matching)

    @in_inference_mode
    def render(
        self,
        req: GenerationRequest,
        model: LoadedModel,
        controlnets: dict[str, Any],
        seed: int,
        on_step: StepCallback,
        should_stop: Callable[[], bool],
    ) -> np.ndarray:
        import torch
        from diffusers.utils.torch_utils import randn_tensor

        pipe = model.pipe
        self.parts.prepare_pipe(pipe)
        device = torch.device(model.device)
        generator = torch.Generator("cpu").manual_seed(seed)
        do_cfg = req.guidance_scale > 1.0
        text = self.parts.encode_text(pipe, req, device, do_cfg)
        dtype = text.embeds.dtype
        references = prepare_references(req, pipe, device, do_cfg)
        unet_added = references.added(text.added) if references else text.added

        scheduler = make_scheduler(req.scheduler, pipe.scheduler.config)
        scheduler.set_timesteps(req.steps, device=device)
        begin = req.skipped_steps(self.flow_matching) * scheduler.order
        timesteps = scheduler.timesteps[begin:]
        if hasattr(scheduler, "set_begin_index"):
            scheduler.set_begin_index(begin)
        init_px = req.init_image.array() if req.init_image is not None else None
        if init_px is not None and len(timesteps) == 0:  # strength too low to denoise at all
            return np.ascontiguousarray(init_px[:, :, :3])

        inpaint: Inpaint | None = None
        if req.inpaint is not None and init_px is not None:
            inpaint = prepare_inpaint(pipe, req, init_px, generator, device, dtype, do_cfg)
            if req.starts_from_init:
                latents = scheduler.add_noise(inpaint.image_latents, inpaint.noise, timesteps[:1])
            else:
                latents = inpaint.noise * scheduler.init_noise_sigma
        elif init_px is not None and req.starts_from_init:
            image = pipe.image_processor.preprocess(pil(init_px)).to(device=device, dtype=dtype)
            init_latents = vae_encode(pipe, image, generator, dtype)
            noise = randn_tensor(
                init_latents.shape, generator=generator, device=device, dtype=dtype
            )
            latents = scheduler.add_noise(init_latents, noise, timesteps[:1])
        else:
            scale = pipe.vae_scale_factor
            shape = (1, pipe.vae.config.latent_channels, req.height // scale, req.width // scale)
            noise = randn_tensor(shape, generator=generator, device=device, dtype=dtype)
            latents = noise * scheduler.init_noise_sigma
        differential: Differential | None = None
        if req.strength_map is not None and init_px is not None:  # each pixel its strength
            differential = prepare_differential(pipe, req, init_px, noise, seed, dtype)
            noised = scheduler.add_noise(differential.image_latents, noise, timesteps[:1])
            latents = differential.hold(latents, 0, noised)

        unet_extra = inpaint.unet_extra if inpaint is not None else None
        if unet_extra is None and pipe.unet.config.in_channels == 9:
            unet_extra = everything_masked(pipe, req, generator, device, dtype, do_cfg)
        label = self.parts.family.label
        controls = prepare_controls(pipe, req, controlnets, device, do_cfg, label)
        if init_px is not None and (inpaint is not None or req.strength_map is not None):
            hole = inpaint_control(pipe, req, init_px, controlnets, device, do_cfg, label)
            controls += [hole] if hole is not None else []
        kwargs = step_kwargs(scheduler, generator)
        total = len(timesteps)
        alphas = scheduler.alphas_cumprod.to("cpu")
        prediction = scheduler.config.get("prediction_type", "epsilon")
        settling = Settling(req.auto_steps, total)
        timestep_cond = guidance_embedding(pipe, req.guidance_scale, device, dtype)
        tiny = model.tiny_vae
        factors = getattr(pipe, "f1_latent_rgb", None)
        if factors is None:  # a model folder may bring its own fitted preview colours
            factors = self.parts.latent_rgb
        # masked re-noising: models without inpainting channels keep the outside each step
        renoise = inpaint if inpaint is not None and inpaint.unet_extra is None else None

        models_with_text = [pipe.unet] + [c.model for c in controls]
        regional = text.regional
        context = (
            regional_attention(models_with_text, regional, references)
            if regional
            else nullcontext()
        )
        # a reference limited to a region, with no region prompts: diffusers' own IP masks
        attention_kwargs = None
        if references is not None and references.limited and not regional:
            attention_kwargs = {"ip_adapter_masks": references.diffusers_masks(dtype)}

        def guided(latents: Any, t: Any, i: int, count: int) -> tuple[Any, Any]:
            """One guided model evaluation at step ``i`` of ``count``: (model input, output)."""
            model_in = torch.cat([latents] * 2) if do_cfg else latents
            model_in = scheduler.scale_model_input(model_in, t)
            down, mid = control_residuals(controls, model_in, t, text, i, count, do_cfg)
            if references is not None:
                references.set_step(i, count)
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
                added_cond_kwargs=unet_added,
                cross_attention_kwargs=attention_kwargs,
                return_dict=False,
            )[0]
            if do_cfg:
                uncond, cond = noise_pred.chunk(2)
                noise_pred = uncond + req.guidance_scale * (cond - uncond)
            return model_in, noise_pred

        def preview_of(shown: Any) -> np.ndarray:
            return latent_preview(shown, factors) if tiny is None else tiny_preview(tiny, shown)

        with context, hints_encoded_once(controls):
            if req.scheduler == ADAPTIVE_SCHEDULER:  # error-controlled steps, its own loop
                latents = sample_unet(
                    UNetRun(scheduler, timesteps[0], prediction, req, guided, preview_of),
                    latents,
                    renoise,
                    on_step,
                    should_stop,
                    differential=differential,
                )
            else:
                for i, t in enumerate(timesteps):
                    if should_stop():
                        raise JobCancelled(i)
                    model_in, noise_pred = guided(latents, t, i, total)
                    x0 = predicted_x0(model_in[-1:], noise_pred, t, alphas, prediction)
                    preview = preview_of(model_in[-1:] if x0 is None else x0)
                    latents = scheduler.step(noise_pred, t, latents, **kwargs, return_dict=False)[0]
                    if renoise is not None:
                        keep = renoise.image_latents
                        if i < total - 1:
                            keep = scheduler.add_noise(
                                keep, renoise.noise, timesteps[i + 1 : i + 2]
                            )
                        m = renoise.latent_mask
                        latents = (1 - m) * keep + m * latents
                    if differential is not None:
                        held = differential.image_latents
                        if i < total - 1:
                            held = scheduler.add_noise(held, noise, timesteps[i + 1 : i + 2])
                        latents = differential.hold(latents, i + 1, held)
                    on_step(i + 1, total, preview)
                    if settling.settled(x0):  # steps: auto — the picture has stopped changing
                        latents = settled_latents(x0, latents, renoise)
                        if differential is not None:
                            latents = differential.settled(latents, i + 1)
                        break

        if req.fast_decode and tiny is not None:  # live: the tiny VAE makes the picture
            decoded = tiny_decode(tiny, latents)
        else:
            decoded = vae_decode(pipe, latents)
        rgb = (decoded * 255).round().astype(np.uint8)
        if inpaint is not None and init_px is not None:
            rgb = composite_inpaint(init_px[:, :, :3], rgb, inpaint.pixel_mask)
        return rgb
