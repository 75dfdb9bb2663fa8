"""LoRAs that act inside one region, in the same single pass as regional prompting.

A region LoRA is loaded like any LoRA (diffusers' PEFT layers) but left inactive there; a forward
hook on each of its layers adds its contribution ``B(A(x)) * scale * weight`` weighted per
pixel by the region's share of the canvas (:func:`f1studio.engine.regional.region_shares`):

- UNet layers on pixels (convolutions, and linear layers on the h*w tokens of a level): the
  region's share at that level's size;
- the cross-attention key and value layers (``attn2.to_k`` / ``to_v``), which read the region
  chunks of text side by side: only the tokens of the region's own chunk;
- text-encoder layers: only while the region's own chunk of text is encoded
  (:func:`text_chunk`, called by the families' ``encode_text``), so the LoRA's text part
  applies to that region's prompt only;
- layers on one vector per picture (time embeddings): the region's share of the canvas.

A region covering the whole canvas therefore equals the same LoRA on the whole picture.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from f1studio.engine.regional import attention_sizes, region_shares
from f1studio.engine.request import RegionSpec

_TEXT_CHUNK: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "f1studio_text_chunk", default=None
)
_JOINT_TEXT: contextvars.ContextVar[tuple[tuple[int, int], ...]] = contextvars.ContextVar(
    "f1studio_joint_text", default=()
)
_TEXT_PARTS = ("text_encoder", "text_encoder_2")
# FLUX.1 transformer layers on the text tokens of the joint sequence
_FLUX_TEXT_LAYERS = (
    "add_q_proj", "add_k_proj", "add_v_proj", "to_add_out", "ff_context", "context_embedder",
)  # fmt: skip
_DENOISERS = ("unet", "transformer")


@contextlib.contextmanager
def text_chunk(index: int) -> Iterator[None]:
    """Mark the text encoded in this block as chunk ``index`` (region ``index``; the global
    chunk is ``len(regions)``), so region LoRAs' text parts act on their own region's text."""
    token = _TEXT_CHUNK.set(index)
    try:
        yield
    finally:
        _TEXT_CHUNK.reset(token)


@contextlib.contextmanager
def joint_text(spans: tuple[tuple[int, int], ...]) -> Iterator[None]:
    """FLUX.1: the text chunks side by side in the joint sequence, as (chunk, length)."""
    token = _JOINT_TEXT.set(tuple(spans))
    try:
        yield
    finally:
        _JOINT_TEXT.reset(token)


@dataclass(frozen=True)
class RegionLora:
    adapter: str  # the PEFT adapter name it was loaded under
    weight: float
    region: int  # index into the request's regions


@dataclass
class RegionLoraHooks:
    """Forward hooks adding region LoRAs to a pipeline while a render runs."""

    pipe: Any
    regions: Sequence[RegionSpec]
    loras: Sequence[RegionLora]
    latent_size: tuple[int, int]  # FLUX.1: the grid of packed image tokens
    flux: bool = False
    _masks: dict[tuple, Any] = field(default_factory=dict)
    _tokens: dict[int, tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        h, w = self.latent_size
        self._tokens = {a * b: (a, b) for a, b in attention_sizes(h, w)}

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        handles = []
        try:
            for part in (*_DENOISERS, *_TEXT_PARTS):
                model = getattr(self.pipe, part, None)
                if model is None:
                    continue
                for name, module in model.named_modules():
                    mine = [lo for lo in self.loras if lo.adapter in _adapters_of(module)]
                    if mine:
                        scales = [base_scale(module, lo.adapter) * lo.weight for lo in mine]
                        hook = self._hook(name, part in _TEXT_PARTS, mine, scales)
                        handles.append(module.register_forward_hook(hook))
            yield
        finally:
            for handle in handles:
                handle.remove()

    def _hook(self, name: str, text: bool, loras: list[RegionLora], scales: list[float]) -> Any:
        cross_text = name.endswith(("attn2.to_k", "attn2.to_v"))
        if self.flux and not text:
            return self._flux_hook(name, loras, scales)
        # the text a cross-attention layer reads is the same tensor at every step: its
        # LoRA part is computed once
        kept: list[Any] = [None, None]  # the text tensor (held, so it stays that one), its part

        def hook(module: Any, args: tuple, output: Any) -> Any:
            x = args[0]
            if cross_text:
                if kept[0] is not x:
                    kept[:] = [x, None]
                    kept[1] = sum(
                        _contribution(module, lo, x, self._chunk_mask(output, lo.region), sc)
                        for lo, sc in zip(loras, scales, strict=True)
                    ).to(output.dtype)
                return output + kept[1]
            for lora, scale in zip(loras, scales, strict=True):
                if text:
                    if _TEXT_CHUNK.get() != lora.region:
                        continue
                    mask = None
                else:
                    mask = self._pixel_mask(output, lora.region)
                output = output + _contribution(module, lora, x, mask, scale).to(output.dtype)
            return output

        return hook

    def _flux_hook(self, name: str, loras: list[RegionLora], scales: list[float]) -> Any:
        """FLUX.1 layers see image tokens, the joint sequence's text tokens, both side by side
        (single blocks) or one vector per picture; each gets its own per-token mask."""
        on_text = any(part in name.split(".") for part in _FLUX_TEXT_LAYERS)
        joint = name.startswith("single_transformer_blocks.")

        def hook(module: Any, args: tuple, output: Any) -> Any:
            x = args[0]
            for lora, scale in zip(loras, scales, strict=True):
                if output.ndim != 3:
                    mask = self._pixel_mask(output, lora.region)
                elif joint:
                    images = self.latent_size[0] * self.latent_size[1]
                    text = self._text_mask(output, output.shape[1] - images, lora.region)
                    mask = _cat(text, self._pixel_mask(output, lora.region, images))
                elif on_text:
                    mask = self._text_mask(output, output.shape[1], lora.region)
                else:
                    mask = self._pixel_mask(output, lora.region)
                output = output + _contribution(module, lora, x, mask, scale).to(output.dtype)
            return output

        return hook

    def _text_mask(self, output: Any, tokens: int, region: int) -> Any:
        """1 on the region's chunk of the joint text (``joint_text``), 0 elsewhere; tokens
        before the chunks (a union ControlNet's mode token) are no region's."""
        spans = _JOINT_TEXT.get()
        key = ("joint", region, tokens, spans, output.device, output.dtype)
        if key not in self._masks:
            import torch

            mask = torch.zeros(1, tokens, 1, dtype=output.dtype, device=output.device)
            start = tokens - sum(length for _, length in spans)
            for chunk, length in spans:
                if chunk == region:
                    mask[:, start : start + length] = 1
                start += length
            self._masks[key] = mask
        return self._masks[key]

    def _pixel_mask(self, output: Any, region: int, tokens: int | None = None) -> Any:
        """The region's share shaped to broadcast against ``output``."""
        if tokens is not None or (self.flux and output.ndim == 3):  # FLUX.1 image tokens
            size = self.latent_size
            shape: tuple[int, ...] = (1, size[0] * size[1], 1)
        elif output.ndim == 4:
            size = tuple(output.shape[-2:])
            shape = (1, 1, *size)
        elif output.ndim == 3 and output.shape[1] in self._tokens:
            size = self._tokens[output.shape[1]]
            shape = (1, output.shape[1], 1)
        else:  # one vector per picture: the region's share of the canvas
            size, shape = self.latent_size, ()
        key = ("pixels", region, size, shape, output.device, output.dtype)
        if key not in self._masks:
            import torch

            shares, _ = region_shares(self.regions, *size)
            share = shares[region] if shape else np.float32(shares[region].mean())
            tensor = torch.as_tensor(np.ascontiguousarray(share)).reshape(shape)
            self._masks[key] = tensor.to(device=output.device, dtype=output.dtype)
        return self._masks[key]

    def _chunk_mask(self, output: Any, region: int) -> Any:
        """1 on the tokens of the region's chunk of text, 0 on the other chunks'."""
        tokens = output.shape[1]
        key = ("chunk", region, tokens, output.device, output.dtype)
        if key not in self._masks:
            import torch

            length = tokens // (len(self.regions) + 1)
            mask = torch.zeros(1, tokens, 1, dtype=output.dtype, device=output.device)
            mask[:, region * length : (region + 1) * length] = 1
            self._masks[key] = mask
        return self._masks[key]


def _cat(a: Any, b: Any) -> Any:
    import torch

    return torch.cat([a, b], dim=1)


def _adapters_of(module: Any) -> set[str]:
    lora_a = getattr(module, "lora_A", None)
    if lora_a is None or not hasattr(lora_a, "keys"):
        return set()
    return set(lora_a.keys())


def base_scale(module: Any, adapter: str) -> float:
    """The adapter's scale at weight 1 (alpha / rank, or alpha / sqrt(rank) for rsLoRA)."""
    alpha, rank = module.lora_alpha[adapter], module.r[adapter]
    if getattr(module, "use_rslora", {}).get(adapter, False):
        return float(alpha / rank**0.5)
    return float(alpha / rank)


def _contribution(module: Any, lora: RegionLora, x: Any, mask: Any, scale: float) -> Any:
    """``B(A(x)) * scale * mask``, weighted between A and B: the mask is per token (per pixel
    for convolutions, whose B is 1x1), so it commutes with B and costs rank-wide work only."""
    lora_a, lora_b = module.lora_A[lora.adapter], module.lora_B[lora.adapter]
    low = lora_a(x.to(lora_a.weight.dtype))
    return lora_b(low * (mask * scale if mask is not None else scale))
