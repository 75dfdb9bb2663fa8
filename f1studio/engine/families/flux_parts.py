"""Pieces of the FLUX.1 render: latent packing, prompts (plain and regional), guides, Fill
conditioning, canvas padding and previews. The arithmetic follows diffusers' Flux pipelines
(same operations in the same order) so renders match them; the code is our own."""

from __future__ import annotations

import itertools
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from f1studio.engine.lora_regions import text_chunk
from f1studio.engine.regional import region_texts
from f1studio.engine.regional_flux import JointLayout, split_text_budget, token_weights
from f1studio.engine.request import ControlSpec, GenerationRequest, Pixels, RegionSpec


# --- latents ---------------------------------------------------------------------------------
def pack(latents: Any) -> Any:
    """(B, C, h, w) -> (B, h/2 * w/2, 4C): each 2x2 latent patch becomes one image token."""
    b, c, h, w = latents.shape
    x = latents.view(b, c, h // 2, 2, w // 2, 2).permute(0, 2, 4, 1, 3, 5)
    return x.reshape(b, (h // 2) * (w // 2), c * 4)


def unpack(tokens: Any, h: int, w: int) -> Any:
    """(B, h/2 * w/2, 4C) -> (B, C, h, w), the inverse of :func:`pack`."""
    b, _, channels = tokens.shape
    x = tokens.view(b, h // 2, w // 2, channels // 4, 2, 2).permute(0, 3, 1, 4, 2, 5)
    return x.reshape(b, channels // 4, h, w)


def image_ids(tokens_h: int, tokens_w: int, device: Any, dtype: Any) -> Any:
    """Rotary position ids (row, column) of the image tokens."""
    import torch

    ids = torch.zeros(tokens_h, tokens_w, 3)
    ids[..., 1] = ids[..., 1] + torch.arange(tokens_h)[:, None]
    ids[..., 2] = ids[..., 2] + torch.arange(tokens_w)[None, :]
    return ids.reshape(tokens_h * tokens_w, 3).to(device=device, dtype=dtype)


def encode_image(pipe: Any, image: Any, generator: Any) -> Any:
    """Sampled VAE latents, shifted and scaled into FLUX.1's latent space."""
    latents = pipe.vae.encode(image).latent_dist.sample(generator)
    return (latents - pipe.vae.config.shift_factor) * pipe.vae.config.scaling_factor


def pil(array: np.ndarray) -> Any:
    from PIL import Image

    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    return Image.fromarray(np.ascontiguousarray(array[:, :, :3]), "RGB")


# --- the canvas, padded to FLUX.1's 16-pixel grid ----------------------------------------------
@dataclass
class Canvas:
    """The request's images padded to a multiple of 16 pixels (edge pixels repeated; the
    inpaint mask padded with 0, so the padding is never regenerated)."""

    height: int
    width: int
    init: np.ndarray | None
    inpaint_mask: np.ndarray | None
    regions: tuple[RegionSpec, ...]
    guides: tuple[np.ndarray, ...]

    @classmethod
    def of(cls, req: GenerationRequest, grid: int = 16) -> Canvas:
        h = -(-req.height // grid) * grid
        w = -(-req.width // grid) * grid
        pad = ((0, h - req.height), (0, w - req.width))

        def edge(a: np.ndarray) -> np.ndarray:
            if a.shape[:2] == (h, w):
                return a
            return np.pad(a, pad + ((0, 0),) * (a.ndim - 2), mode="edge")

        init = edge(req.init_image.array()) if req.init_image is not None else None
        mask = np.pad(req.inpaint.mask.array(), pad) if req.inpaint is not None else None
        regions = tuple(
            RegionSpec(Pixels.of(edge(r.mask.array())), r.prompt, r.negative_prompt, r.weight)
            for r in req.regions
        )
        guides = tuple(edge(c.image.array()) for c in req.controls)
        return cls(h, w, init, mask, regions, guides)


# --- prompts -----------------------------------------------------------------------------------
@dataclass
class Prompt:
    embeds: Any  # T5 tokens (1, T, D)
    pooled: Any  # CLIP pooled (1, P)
    text_ids: Any  # (T, 3) zeros
    layout: JointLayout | None  # regional attention, or None for a plain prompt
    # (chunk, T5 length) of each chunk side by side, chunk = region index (len(regions): the
    # global prompt); for region LoRAs (lora_regions.joint_text)
    spans: tuple[tuple[int, int], ...] = ()


def encode_prompt(
    pipe: Any, req: GenerationRequest, canvas: Canvas, device: Any, budget: int, tokens: tuple
) -> Prompt:
    """The prompt (FLUX.1 has no negative prompt: its guidance is distilled, not CFG).

    With regions the text side holds one T5 chunk per region ("global, region") and the global
    prompt's chunk. The global chunk is exactly the plain prompt (``budget`` tokens), so pixels
    in no region see what a plain render shows them; the region chunks hold their own tokens
    and share one more ``budget`` of padding. The CLIP pooled embedding is the global prompt's;
    with an empty global prompt it is the chunks' embeddings mixed by the area each governs. A
    chunk that reaches no image token is left out, and when one chunk governs every token
    fully the job is simply that chunk's plain prompt.
    """
    import torch

    def encode(text: str, length: int, chunk: int = len(req.regions)) -> tuple:
        with text_chunk(chunk):  # a region's LoRAs act on its own text only
            return pipe.encode_prompt(
                text, device=device, num_images_per_prompt=1, max_sequence_length=length
            )

    if not req.regions:
        embeds, pooled, text_ids = encode(req.prompt, budget)
        return Prompt(embeds, pooled, text_ids, None)
    texts, _ = region_texts(req.prompt, "", canvas.regions)
    weights = token_weights(canvas.regions, *tokens)
    active = [c for c in range(len(texts)) if weights[c].max() > 0]
    if len(active) == 1 and np.all(weights[active[0]] == 1.0):
        embeds, pooled, text_ids = encode(texts[active[0]], budget, active[0])
        return Prompt(embeds, pooled, text_ids, None, ((active[0], embeds.shape[1]),))
    glob = len(texts) - 1
    regional = [c for c in active if c != glob]
    real = [
        len(pipe.tokenizer_2(texts[c], truncation=True, max_length=budget).input_ids)
        for c in regional
    ]
    lengths = dict(zip(regional, split_text_budget(real, budget), strict=True))
    if glob in active:
        lengths[glob] = budget
    parts = {c: encode(texts[c], lengths[c], c) for c in active}
    embeds = torch.cat([parts[c][0] for c in active], dim=1)
    layout = JointLayout([lengths[c] for c in active], weights[active], device, embeds.dtype)
    if req.prompt.strip():
        pooled = parts[glob][1] if glob in parts else encode(req.prompt, budget)[1]
    else:
        mix = layout.pooled_mix()
        pooled = sum(float(m) * parts[c][1] for m, c in zip(mix, active, strict=True))
    ids = torch.zeros(embeds.shape[1], 3).to(device=device, dtype=parts[active[0]][2].dtype)
    return Prompt(embeds, pooled, ids, layout, tuple((c, lengths[c]) for c in active))


# --- guides ------------------------------------------------------------------------------------
@dataclass
class Control:
    spec: ControlSpec
    model: Any
    cond: Any  # packed guide latents (or the guide image for ControlNets with a hint block)
    mode: Any  # (1, 1) long for union ControlNets, else None
    region: Any = None  # (1, tokens, 1) the guide's region per packed latent token, or None

    def weighted(self, residuals: list[Any] | None) -> list[Any] | None:
        """One list of block residuals (B, tokens, dim) weighted by the guide's region (per
        token) and balance. Toward the prompt the residuals fade over the blocks as on
        SD (``ControlSpec.residual_scales``). FLUX.1 has no unconditional half for the
        guide to leave out, so toward the guide the residuals grow instead, up to 2x at 1:
        the guide pulls harder, as AUTOMATIC1111's "cfg injection" makes it pull by the
        guidance scale."""
        balance = self.spec.balance
        if residuals is None or (self.region is None and balance == 0.0):
            return residuals
        if balance > 0:
            scales = [1.0 + balance] * len(residuals)
        else:
            scales, _ = self.spec.residual_scales(len(residuals))
        out = []
        for residual, scale in zip(residuals, scales, strict=True):
            if scale != 1.0:
                residual = residual * scale
            if self.region is not None:
                residual = residual * self.region.to(residual.dtype)
            out.append(residual)
        return out


def token_region(mask: np.ndarray | None, canvas: Canvas, device: Any) -> Any:
    """A guide's region mask per packed latent token (2x2 latent pixels, 16x16 image pixels),
    area-averaged; None for a guide that acts everywhere."""
    if mask is None:
        return None
    import cv2
    import torch

    pad = ((0, canvas.height - mask.shape[0]), (0, canvas.width - mask.shape[1]))
    full = np.pad(mask.astype(np.float32) / 255.0, pad, mode="edge")
    small = cv2.resize(
        full, (canvas.width // 16, canvas.height // 16), interpolation=cv2.INTER_AREA
    )
    return torch.from_numpy(np.ascontiguousarray(small)).reshape(1, -1, 1).to(device)


def prepare_controls(
    pipe: Any,
    req: GenerationRequest,
    canvas: Canvas,
    controlnets: dict,
    generator: Any,
    device: Any,
) -> list[Control]:
    """Each guide as FluxControlNetPipeline prepares it (VAE-encoded and packed unless the
    ControlNet has its own hint encoder), in request order: the VAE samples draw from
    ``generator`` before the initial noise, as in the reference pipeline."""
    import torch

    out = []
    for spec, guide in zip(req.controls, canvas.guides, strict=True):
        model = controlnets[spec.model]
        image = pipe.image_processor.preprocess(
            pil(guide), height=canvas.height, width=canvas.width
        )
        image = image.to(device=device, dtype=pipe.vae.dtype)
        if model.input_hint_block is None:
            latents = encode_image(pipe, image, generator)
            cond = pack(latents)
        else:
            cond = image
        mode = None
        if getattr(model, "union", False):
            # a guide without its own mode: its kind's (ControlKind.union_mode)
            index = spec.control_mode if spec.control_mode is not None else spec.kind.union_mode
            mode = torch.tensor(index).to(device, dtype=torch.long).view(-1, 1).expand(1, 1)
        region = token_region(spec.mask.array() if spec.mask else None, canvas, device)
        out.append(Control(spec, model, cond, mode, region))
    return out


def control_residuals(controls: list[Control], step: int, total: int, inputs: dict) -> dict:
    """Summed ControlNet residuals for this step (FluxMultiControlNetModel's sum); guides that
    are inactive at this step are skipped (their residuals would be zeros)."""
    import torch

    blocks = singles = None
    repeat = False
    for index, c in enumerate(controls):
        if index == 0:
            repeat = c.model.input_hint_block is not None
        scale = c.spec.scale_at(step, total)
        if scale == 0.0:
            continue
        guidance = None
        if c.model.config.guidance_embeds:
            guidance = torch.tensor([inputs["guidance_value"]], device=inputs["device"]).expand(1)
        b, s = c.model(
            hidden_states=inputs["latents"],
            controlnet_cond=c.cond,
            controlnet_mode=c.mode,
            conditioning_scale=scale,
            timestep=inputs["timestep"],
            guidance=guidance,
            pooled_projections=inputs["pooled"],
            encoder_hidden_states=inputs["embeds"],
            txt_ids=inputs["text_ids"],
            img_ids=inputs["img_ids"],
            joint_attention_kwargs={},
            return_dict=False,
        )
        b, s = c.weighted(b), c.weighted(s)
        if blocks is None and singles is None:
            blocks, singles = b, s
            continue
        if b is not None and blocks is not None:
            blocks = [x + y for x, y in zip(blocks, b, strict=True)]
        if s is not None and singles is not None:
            singles = [x + y for x, y in zip(singles, s, strict=True)]
    if blocks is None and singles is None:
        return {}
    return {
        "controlnet_block_samples": blocks,
        "controlnet_single_block_samples": singles,
        "controlnet_blocks_repeat": repeat,
    }


# --- FLUX.1 Fill -------------------------------------------------------------------------------
def fill_condition(pipe: Any, image: Any, hard_mask: np.ndarray, generator: Any, dtype: Any) -> Any:
    """FluxFillPipeline's extra transformer input: packed latents of the image with the mask
    blanked, then the mask's vsf x vsf pixel patches per latent pixel, packed the same way."""
    import torch

    vsf = pipe.vae_scale_factor
    mask = torch.from_numpy(hard_mask.astype(np.float32))[None, None]
    masked = image.to(torch.float32) * (1 - mask.to(image.device))
    masked = masked.to(device=image.device, dtype=dtype)
    latents = encode_image(pipe, masked, generator).to(dtype=dtype)
    _, _, lh, lw = latents.shape
    m = mask[:, 0].view(1, lh, vsf, lw, vsf).permute(0, 2, 4, 1, 3).reshape(1, vsf * vsf, lh, lw)
    m = pack(m).to(device=image.device, dtype=dtype)
    return torch.cat((pack(latents), m), dim=-1)


# --- previews ----------------------------------------------------------------------------------
_PREVIEW_FACTORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
PREVIEW_CELLS, PREVIEW_CELL = 8, 32  # an 8x8 grid of 32-pixel colour patches


def preview_factors(vae: Any) -> tuple[np.ndarray, np.ndarray]:
    """Linear latent -> RGB factors (channels x 3, and a bias) for FLUX.1's 16-channel latents,
    fitted once per VAE by least squares on the latents of colour patches the VAE encodes (so
    they are right for whatever FLUX-style VAE is loaded; no decode is ever needed)."""
    if vae in _PREVIEW_FACTORS:
        return _PREVIEW_FACTORS[vae]
    import torch

    rng = np.random.default_rng(0)
    n, cell = PREVIEW_CELLS, PREVIEW_CELL
    colours = rng.uniform(-1.0, 1.0, (n * n, 3)).astype(np.float32)
    colours[:8] = np.array(list(itertools.product((-1.0, 1.0), repeat=3)), np.float32)  # corners
    image = np.kron(
        colours.reshape(n, n, 3).transpose(2, 0, 1), np.ones((1, cell, cell), np.float32)
    )
    param = next(vae.parameters())
    with torch.inference_mode():
        dist = vae.encode(torch.from_numpy(image)[None].to(param.device, param.dtype)).latent_dist
        lat = (dist.mean.float() - vae.config.shift_factor) * vae.config.scaling_factor
    lat = lat[0].cpu().numpy()  # (C, n * k, n * k)
    k = lat.shape[1] // n
    centre = lat.reshape(lat.shape[0], n, k, n, k)[
        :, :, k // 4 : k - k // 4, :, k // 4 : k - k // 4
    ]
    z = centre.mean(axis=(2, 4)).reshape(lat.shape[0], n * n).T  # (cells, C)
    design = np.concatenate([z, np.ones((z.shape[0], 1), np.float32)], axis=1)
    ridge = 1e-3 * np.eye(design.shape[1], dtype=np.float64)
    ridge[-1, -1] = 0.0
    solution = np.linalg.solve(design.T @ design + ridge, design.T @ colours.astype(np.float64))
    factors = (solution[:-1].astype(np.float32), solution[-1].astype(np.float32))
    _PREVIEW_FACTORS[vae] = factors
    return factors


def latent_preview(latents: Any, factors: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """RGB uint8 (h, w, 3) at latent resolution from unpacked latents (1, C, h, w)."""
    weights, bias = factors
    arr = latents.detach()[0].float().cpu().numpy()
    rgb = np.tensordot(weights.T, arr, axes=1) + bias[:, None, None]
    rgb = np.clip((rgb + 1.0) * 127.5, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(rgb.transpose(1, 2, 0))
