"""FLUX.1 family: text-to-image, img2img, inpaint (Fill models or masked re-noising), edge/depth
and union ControlNets, regions, previews and cancel, in one denoising loop.

The loop follows diffusers' FluxPipeline, FluxImg2ImgPipeline, FluxControlNetPipeline and
FluxFillPipeline step for step and in the same order of random draws (guides, then the init
image, then the noise, then Fill's masked image), so a plain render equals the reference
pipeline for the same seed.

Guidance: ``request.guidance_scale`` drives the distilled guidance embedding of dev (and Fill)
models; schnell has none and ignores it. FLUX.1 does no classifier-free guidance, so the
negative prompt is not used.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np

from f1studio.engine.adaptive import Settling, settled_latents
from f1studio.engine.attention import swapped_attention
from f1studio.engine.differential import Differential, latent_strengths
from f1studio.engine.families.base import (
    JobCancelled,
    LoadedModel,
    ModelFamily,
    StepCallback,
    in_inference_mode,
)
from f1studio.engine.families.flux_adaptive import FlowRun, sample_flow
from f1studio.engine.families.flux_loading import default_steps, flux_variant, text_tokens
from f1studio.engine.families.flux_parts import (
    Canvas,
    control_residuals,
    encode_image,
    encode_prompt,
    fill_condition,
    image_ids,
    latent_preview,
    pack,
    pil,
    prepare_controls,
    preview_factors,
    unpack,
)
from f1studio.engine.flux_ip_adapter import (
    RegionalWithReferences,
    drop_flux_ip_adapter,
    is_flux_ip_adapter,
    prepare_flux_ip_adapter,
)
from f1studio.engine.inpaint import composite_inpaint, feather_inward
from f1studio.engine.lora_regions import joint_text
from f1studio.engine.redux import prepare_redux
from f1studio.engine.regional_flux import RegionalFluxAttnProcessor
from f1studio.engine.request import ADAPTIVE_SCHEDULER, GenerationRequest
from f1studio.engine.schedulers import make_scheduler, set_flow_timesteps
from f1studio.engine.tiny_vae import tiny_decode, tiny_preview

__all__ = ["FluxAdapter", "default_steps", "flux_variant", "text_tokens"]


@dataclass
class _Inpaint:
    pixel_mask: np.ndarray  # float32 HxW 0..1 (feathered inward), canvas size
    latent_mask: Any  # packed (1, tokens, 4C) for masked re-noising; None on Fill models
    image_latents: Any  # packed init latents


class FluxAdapter:
    family = ModelFamily.FLUX

    def load_pipeline(self, location, dtype, allow_pickle, inpainting, config) -> Any:
        from f1studio.engine.families.flux_loading import load_flux

        return load_flux(location, dtype, allow_pickle, config)

    def load_controlnet(self, location, dtype, allow_pickle, config) -> Any:
        from f1studio.engine.families.flux_loading import load_flux_controlnet

        return load_flux_controlnet(location, dtype, allow_pickle, config)

    flow_matching = True

    @staticmethod
    def steps_per_image(request: GenerationRequest) -> int:
        """Denoising steps of one image: FluxImg2ImgPipeline's rule for img2img and partial
        inpaint (see :meth:`GenerationRequest.skipped_steps`)."""
        return request.steps_per_image(flow_matching=True)

    @in_inference_mode
    def render(  # noqa: C901
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
        device = torch.device(model.device)
        generator = torch.Generator("cpu").manual_seed(seed)
        fill = flux_variant(pipe) == "fill"
        canvas = Canvas.of(req, grid=pipe.vae_scale_factor * 2)
        lh = 2 * (canvas.height // (pipe.vae_scale_factor * 2))
        lw = 2 * (canvas.width // (pipe.vae_scale_factor * 2))
        tokens = (lh // 2, lw // 2)
        prompt = encode_prompt(pipe, req, canvas, device, text_tokens(pipe), tokens)
        dtype = prompt.embeds.dtype
        # reference pictures: the XLabs IP-Adapter or FLUX.1 Redux, as the setting names
        adapter = redux = None
        if any(r.weight > 0 for r in req.references) and is_flux_ip_adapter(req.ip_adapter or ""):
            adapter = prepare_flux_ip_adapter(req, pipe.transformer, device, dtype, tokens)
        else:
            drop_flux_ip_adapter(pipe.transformer)
            redux = prepare_redux(req, device, dtype, tokens)

        scheduler = make_scheduler(req.scheduler, pipe.scheduler.config)
        set_flow_timesteps(scheduler, req.steps, tokens[0] * tokens[1], device)
        begin = req.skipped_steps(flow_matching=True) * scheduler.order
        timesteps = scheduler.timesteps[begin:]
        scheduler.set_begin_index(begin)
        init_px = req.init_image.array() if req.init_image is not None else None
        if init_px is not None and len(timesteps) == 0:  # strength too low to denoise at all
            return np.ascontiguousarray(init_px[:, :, :3])
        sigmas = scheduler.sigmas

        controls = prepare_controls(pipe, req, canvas, controlnets, generator, device)
        image = image_latents = None
        if canvas.init is not None:
            image = pipe.image_processor.preprocess(
                pil(canvas.init), height=canvas.height, width=canvas.width
            ).to(dtype=torch.float32)
            if req.is_img2img or req.inpaint is not None or fill:
                image_latents = encode_image(pipe, image.to(device=device, dtype=dtype), generator)
            elif req.strength_map is not None:  # its own generator: the noise of a plain render
                own = torch.Generator("cpu").manual_seed(seed)
                image_latents = encode_image(pipe, image.to(device=device, dtype=dtype), own)
        # FluxPipeline: transformer inputs / 4; FluxFillPipeline: the VAE's latent channels
        channels = (
            pipe.vae.config.latent_channels if fill else pipe.transformer.config.in_channels // 4
        )
        noise = randn_tensor((1, channels, lh, lw), generator=generator, device=device, dtype=dtype)
        latents = noise
        if image_latents is not None:
            sigma = sigmas.to(device=device, dtype=dtype)[begin]
            latents = sigma * noise + (1.0 - sigma) * image_latents
        latents = pack(latents)
        noise = pack(noise)
        differential = None
        if req.strength_map is not None and image_latents is not None:  # each pixel its strength
            differential = self._differential(req, canvas, image_latents, noise, lh, lw)
            s0 = sigmas[begin].to(device=device, dtype=dtype)
            latents = differential.hold(
                latents, 0, s0 * noise + (1.0 - s0) * differential.image_latents
            )

        inpaint = self._inpaint(req, canvas, image_latents, lh, lw, fill, device, dtype)
        # masked re-noising: models without Fill conditioning keep the outside each step
        renoise = inpaint if inpaint is not None and inpaint.latent_mask is not None else None
        fill_cond = None
        if fill:
            hard = np.ones((canvas.height, canvas.width), bool)
            if canvas.inpaint_mask is not None:
                hard = canvas.inpaint_mask > 127
            base = image if image is not None else torch.zeros(1, 3, canvas.height, canvas.width)
            fill_cond = fill_condition(pipe, base.to(device), hard, generator, dtype)

        guidance = None
        if pipe.transformer.config.guidance_embeds:
            guidance = torch.full([1], req.guidance_scale, device=device, dtype=torch.float32)
            guidance = guidance.expand(1)
        img_ids = image_ids(*tokens, device, dtype)
        factors = preview_factors(pipe.vae)
        tiny = model.tiny_vae
        total = len(timesteps)
        settling = Settling(req.auto_steps, total)
        models = [pipe.transformer] + [c.model for c in controls]
        limited = redux is not None and any(s.mask is not None for s in redux.specs)
        processor = RegionalFluxAttnProcessor(prompt.layout) if prompt.layout or limited else None
        context = (
            swapped_attention(
                models,
                lambda name, current: (
                    RegionalWithReferences(processor, current)
                    if adapter is not None and hasattr(current, "to_k_ip")
                    else processor
                ),
            )
            if processor is not None
            else nullcontext()
        )

        def velocity_at(latents: Any, t: Any, i: int, count: int) -> Any:
            """One model evaluation at step ``i`` of ``count`` (references, guides, Fill)."""
            embeds, text_ids = prompt.embeds, prompt.text_ids
            if redux is not None:  # the references active at this step lead the text
                embeds, text_ids, layout = redux.at(
                    i, count, prompt.embeds, prompt.text_ids, prompt.layout
                )
                if processor is not None:
                    processor.layout = layout
            if adapter is not None:  # each IP-Adapter reference's scale at this step
                adapter.set_step(i, count)
            timestep = t.expand(1).to(latents.dtype) / 1000
            residuals = control_residuals(
                controls,
                i,
                count,
                dict(
                    latents=latents,
                    timestep=timestep,
                    guidance_value=req.guidance_scale,
                    device=device,
                    pooled=prompt.pooled,
                    embeds=embeds,
                    text_ids=text_ids,
                    img_ids=img_ids,
                ),
            )
            hidden = latents if fill_cond is None else torch.cat((latents, fill_cond), dim=2)
            velocity = pipe.transformer(
                hidden_states=hidden,
                timestep=timestep,
                guidance=guidance,
                pooled_projections=prompt.pooled,
                encoder_hidden_states=embeds,
                txt_ids=text_ids,
                img_ids=img_ids,
                joint_attention_kwargs={} if adapter is None else adapter.kwargs(),
                return_dict=False,
                **residuals,
            )[0]
            return velocity

        def preview_of(x0: Any) -> np.ndarray:
            shown = unpack(x0, lh, lw)
            return latent_preview(shown, factors) if tiny is None else tiny_preview(tiny, shown)

        with context, joint_text(prompt.spans):
            if req.scheduler == ADAPTIVE_SCHEDULER:  # error-controlled steps, its own loop
                latents = sample_flow(
                    FlowRun(scheduler, begin, tokens[0] * tokens[1], req, velocity_at, preview_of),
                    latents,
                    noise,
                    renoise,
                    on_step,
                    should_stop,
                    differential=differential,
                )
            else:
                for i, t in enumerate(timesteps):
                    if should_stop():
                        raise JobCancelled(i)
                    velocity = velocity_at(latents, t, i, total)
                    x0 = latents - sigmas[begin + i].to(latents.dtype) * velocity
                    preview = preview_of(x0)
                    latents = scheduler.step(velocity, t, latents, return_dict=False)[0]
                    if renoise is not None:
                        keep = renoise.image_latents
                        if i < total - 1:  # the original, noised to the next step's level
                            s = sigmas[begin + i + 1].to(device=device, dtype=dtype)
                            keep = s * noise + (1.0 - s) * keep
                        m = renoise.latent_mask
                        latents = (1 - m) * keep + m * latents
                    if differential is not None:
                        held = differential.image_latents
                        if i < total - 1:
                            s = sigmas[begin + i + 1].to(device=device, dtype=dtype)
                            held = s * noise + (1.0 - s) * held
                        latents = differential.hold(latents, i + 1, held)
                    on_step(i + 1, total, preview)
                    if settling.settled(x0):  # steps: auto — the picture has stopped changing
                        latents = settled_latents(x0, latents, renoise)
                        if differential is not None:
                            latents = differential.settled(latents, i + 1)
                        break

        latents = unpack(latents, lh, lw)
        if req.fast_decode and tiny is not None:  # live: the tiny VAE makes the picture
            out = tiny_decode(tiny, latents)
        else:
            latents = latents / pipe.vae.config.scaling_factor + pipe.vae.config.shift_factor
            decoded = pipe.vae.decode(latents, return_dict=False)[0]
            out = pipe.image_processor.postprocess(decoded, output_type="np")[0]
        rgb = (out * 255).round().astype(np.uint8)[: req.height, : req.width]
        if inpaint is not None and init_px is not None:
            rgb = composite_inpaint(init_px[:, :, :3], rgb, inpaint.pixel_mask)
        return np.ascontiguousarray(rgb)

    @staticmethod
    def _differential(req, canvas, image_latents, noise, lh, lw) -> Differential:  # noqa: ANN001
        """The strength map (padded as the canvas is) on the packed latent grid."""
        assert req.strength_map is not None
        pad = ((0, canvas.height - req.height), (0, canvas.width - req.width))
        strengths = latent_strengths(np.pad(req.strength_map.array(), pad, mode="edge"), (lh, lw))
        channels = image_latents.shape[1]
        return Differential.of(
            strengths,
            req.steps,
            True,
            pack(image_latents),
            noise,
            shape=lambda t: pack(t[None, None].expand(1, channels, lh, lw).contiguous()),
        )

    @staticmethod
    def _inpaint(req, canvas, image_latents, lh, lw, fill, device, dtype) -> _Inpaint | None:
        """The inpaint mask: feathered inward for the final composite and, on models without
        Fill conditioning, area-averaged to the latent grid for masked re-noising."""
        import torch
        import torch.nn.functional as F

        if req.inpaint is None:
            return None
        pixel_mask = feather_inward(req.inpaint.mask.array(), req.inpaint.feather)
        latent_mask = None
        if not fill:
            padded = feather_inward(canvas.inpaint_mask, req.inpaint.feather)
            mask_t = torch.from_numpy(padded)[None, None].to(device=device, dtype=dtype)
            small = F.adaptive_avg_pool2d(mask_t, (lh, lw))
            latent_mask = pack(small.expand(1, image_latents.shape[1], lh, lw).contiguous())
        return _Inpaint(pixel_mask, latent_mask, pack(image_latents))
