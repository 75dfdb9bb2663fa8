"""Regional prompting by attention masking, in one UNet pass.

The text side of every cross-attention layer gets several prompts side by side ("chunks"):
one per region ("global prompt, region prompt") and one for the global prompt alone. Each
pixel's cross-attention output is a per-pixel weighted mix of its attention to each chunk:

    out[n] = sum_c W[n, c] * softmax(q[n] . k_c) v_c

``W`` comes from the region masks, composited top-down (an upper region wins where regions
overlap) and mixed by the region's weight (1 = only the region's text, 0 = only the global
text). Each chunk is an ordinary scaled-dot-product attention over one prompt, so a region
that covers the whole canvas with an empty global prompt gives exactly the plain prompt.
Self-attention is untouched, so the picture stays one coherent image.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import numpy as np

from f1studio.engine.attention import swapped_attention
from f1studio.engine.request import RegionSpec


def join_prompts(global_text: str, region_text: str) -> str:
    parts = [p.strip() for p in (global_text, region_text) if p and p.strip()]
    return ", ".join(parts)


def region_texts(
    prompt: str, negative: str, regions: Sequence[RegionSpec]
) -> tuple[list[str], list[str]]:
    """Positive and negative text of each chunk: one per region, then the global one."""
    pos = [join_prompts(prompt, r.prompt) for r in regions] + [prompt]
    neg = [join_prompts(negative, r.negative_prompt) for r in regions] + [negative]
    return pos, neg


def region_shares(
    regions: Sequence[RegionSpec], height: int, width: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each region's share of every pixel (len(regions), height, width) and the share left to
    no region, float32: masks area-averaged to ``height`` x ``width`` and composited top-down
    (regions are listed bottom to top; an upper region wins where they overlap)."""
    import cv2

    remaining = np.ones((height, width), np.float32)
    shares = np.zeros((len(regions), height, width), np.float32)
    for index in range(len(regions) - 1, -1, -1):  # top first: upper regions win
        mask = regions[index].mask.array().astype(np.float32) / 255.0
        if mask.shape != (height, width):
            mask = np.asarray(
                cv2.resize(mask, (width, height), interpolation=cv2.INTER_AREA), np.float32
            )
        shares[index] = np.clip(mask, 0.0, 1.0) * remaining
        remaining = remaining - shares[index]
    return shares, remaining


def chunk_weights(regions: Sequence[RegionSpec], height: int, width: int) -> np.ndarray:
    """Per-pixel chunk weights (C = len(regions) + 1, height, width), float32: each region's
    share (:func:`region_shares`) split by its weight between its chunk and the global one."""
    shares, remaining = region_shares(regions, height, width)
    weights = np.zeros((len(regions) + 1, height, width), np.float32)
    for index in range(len(regions) - 1, -1, -1):
        weights[index] = shares[index] * regions[index].weight
        weights[-1] += shares[index] * (1.0 - regions[index].weight)
    weights[-1] += remaining
    return weights


def attention_sizes(latent_h: int, latent_w: int, levels: int = 5) -> list[tuple[int, int]]:
    """The (h, w) of the feature maps at each UNet level (stride-2 convs round up)."""
    sizes = [(latent_h, latent_w)]
    for _ in range(levels - 1):
        h, w = sizes[-1]
        sizes.append(((h + 1) // 2, (w + 1) // 2))
    return sizes


@dataclass
class RegionWeights:
    """Chunk weights as tensors for every attention resolution, keyed by token count."""

    by_tokens: dict[int, Any]  # n_tokens -> tensor (C, n_tokens, 1)
    # n_tokens -> [(chunk, pixel indices or None for all pixels)] for chunks with any weight
    active: dict[int, list[tuple[int, Any]]]

    @classmethod
    def build(
        cls, regions: Sequence[RegionSpec], latent_h: int, latent_w: int, device: Any, dtype: Any
    ) -> RegionWeights:
        import torch

        by_tokens: dict[int, Any] = {}
        active: dict[int, list[tuple[int, Any]]] = {}
        for h, w in attention_sizes(latent_h, latent_w):
            if h * w in by_tokens:
                continue
            weights = chunk_weights(regions, h, w).reshape(len(regions) + 1, h * w, 1)
            entries: list[tuple[int, Any]] = []
            for c in range(weights.shape[0]):
                reach = np.flatnonzero(weights[c, :, 0] != 0)
                if reach.size == 0:
                    continue
                if reach.size > 0.75 * h * w:
                    entries.append((c, None))
                else:
                    entries.append((c, torch.from_numpy(reach).to(device)))
            active[h * w] = entries
            by_tokens[h * w] = torch.from_numpy(weights).to(device=device, dtype=dtype)
        return cls(by_tokens, active)


class RegionalAttnProcessor:
    """Cross-attention processor mixing per-prompt attention with per-pixel region weights.

    Installed only on cross-attention layers (``attn2``) while a job with regions runs. The
    text embeddings passed to the model are the chunks concatenated along the token axis.
    """

    def __init__(
        self, weights: RegionWeights, chunks: int, ip: Any = None, references: Any = None
    ) -> None:
        self.weights = weights
        self.chunks = chunks
        # with reference pictures: this layer's IP-Adapter processor (its image key/value
        # projections and per-step scales) and the references (their region masks)
        self.ip = ip
        self.references = references

    def with_ip(self, ip: Any, references: Any) -> RegionalAttnProcessor:
        """This processor for one layer that also attends to the reference pictures."""
        return RegionalAttnProcessor(self.weights, self.chunks, ip, references)

    def __call__(
        self,
        attn: Any,
        hidden_states: Any,
        encoder_hidden_states: Any = None,
        attention_mask: Any = None,
        temb: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        import torch.nn.functional as F

        if encoder_hidden_states is None:
            raise RuntimeError("RegionalAttnProcessor is for cross-attention layers only")
        ip_states = None
        if isinstance(encoder_hidden_states, tuple):  # text, and the references' image tokens
            encoder_hidden_states, ip_states = encoder_hidden_states
        residual = hidden_states
        input_ndim = hidden_states.ndim
        if input_ndim == 4:
            b, ch, h, w = hidden_states.shape
            hidden_states = hidden_states.view(b, ch, h * w).transpose(1, 2)
        batch, tokens, _ = hidden_states.shape
        if attn.group_norm is not None:
            hidden_states = attn.group_norm(hidden_states.transpose(1, 2)).transpose(1, 2)
        query = attn.to_q(hidden_states)
        if attn.norm_cross:
            encoder_hidden_states = attn.norm_encoder_hidden_states(encoder_hidden_states)
        if getattr(attn, "fused_projections", False) and hasattr(attn, "to_kv"):
            key, value = attn.to_kv(encoder_hidden_states).chunk(2, dim=-1)  # fused QKV switch
        else:
            key = attn.to_k(encoder_hidden_states)
            value = attn.to_v(encoder_hidden_states)
        head_dim = key.shape[-1] // attn.heads
        query = query.view(batch, -1, attn.heads, head_dim).transpose(1, 2)
        key = key.view(batch, -1, attn.heads, head_dim).transpose(1, 2)
        value = value.view(batch, -1, attn.heads, head_dim).transpose(1, 2)
        chunk_len = key.shape[2] // self.chunks
        weights = self.weights.by_tokens[tokens]  # (C, tokens, 1)
        out = None
        for c, pixels in self.weights.active[tokens]:
            sl = slice(c * chunk_len, (c + 1) * chunk_len)
            if pixels is None:  # this prompt reaches (nearly) every pixel at this size
                part = F.scaled_dot_product_attention(query, key[:, :, sl], value[:, :, sl])
                part = part * weights[c].to(part.dtype)
                out = part if out is None else out + part
                continue
            # only the pixels this prompt reaches: attention cost follows the region's area
            q = query.index_select(2, pixels)
            part = F.scaled_dot_product_attention(q, key[:, :, sl], value[:, :, sl])
            part = part * weights[c].index_select(0, pixels).to(part.dtype)
            if out is None:
                out = query.new_zeros(query.shape[:3] + (value.shape[-1],))
            out.index_add_(2, pixels, part)
        assert out is not None  # every pixel has weight 1 across the chunks
        hidden_states = out.transpose(1, 2).reshape(batch, -1, attn.heads * head_dim)
        hidden_states = hidden_states.to(query.dtype)
        if ip_states is not None and self.ip is not None:
            hidden_states = hidden_states + self._references(attn, query, ip_states, tokens)
        hidden_states = attn.to_out[0](hidden_states)
        hidden_states = attn.to_out[1](hidden_states)
        if input_ndim == 4:
            hidden_states = hidden_states.transpose(-1, -2).reshape(b, ch, h, w)
        if attn.residual_connection:
            hidden_states = hidden_states + residual
        return hidden_states / attn.rescale_output_factor

    def _references(self, attn: Any, query: Any, ip_states: Any, tokens: int) -> Any:
        """What the reference pictures add to a layer's attention output: per reference its
        scale times attention to its image tokens, times its region's share of each pixel."""
        import torch.nn.functional as F

        batch, heads, _, head_dim = query.shape
        masks = self.references.token_masks(tokens, query.dtype)
        total = None
        for states, scale, to_k, to_v, mask in zip(
            ip_states,
            self.ip.scale,
            self.ip.to_k_ip,
            self.ip.to_v_ip,
            masks,
            strict=True,
        ):
            if scale == 0:
                continue
            key = to_k(states).view(batch, -1, heads, head_dim).transpose(1, 2)
            value = to_v(states).view(batch, -1, heads, head_dim).transpose(1, 2)
            part = F.scaled_dot_product_attention(query, key, value)
            part = part.transpose(1, 2).reshape(batch, -1, heads * head_dim).to(query.dtype)
            if mask is not None:
                part = part * mask
            total = scale * part if total is None else total + scale * part
        return 0.0 if total is None else total


def regional_attention(
    models: Sequence[Any], processor: RegionalAttnProcessor, references: Any = None
) -> AbstractContextManager[None]:
    """:class:`RegionalAttnProcessor` on the cross-attention layers (``attn2``) of ``models``
    for a ``with`` block; self-attention keeps its processors. Layers carrying an IP-Adapter
    get a processor of their own that attends to the reference pictures too."""

    def pick(name: str, current: Any) -> Any:
        if not name.endswith("attn2.processor"):
            return current
        if references is not None and hasattr(current, "to_k_ip"):
            return processor.with_ip(current, references)
        return processor

    return swapped_attention(models, pick)
