"""Regional prompting on FLUX.1: one joint-attention mask, one transformer pass per step.

FLUX.1 has no cross-attention: every block attends jointly over ``[text tokens; image tokens]``.
The text side holds one T5 chunk per region ("global prompt, region prompt") and one for the
global prompt alone, side by side. A bias added to the attention logits decides who sees whom:

- image tokens see every image token (self-attention is unrestricted, so the picture stays one
  coherent image) and the text of the chunks that cover them;
- a chunk's text tokens see their own chunk and the image tokens it covers, never another chunk;
- the global chunk covers the pixels in no region.

"Covers" is the per-token chunk weight of :func:`f1studio.engine.regional.chunk_weights` (masks
area-averaged to the 16x16-pixel token grid, upper regions win, mixed by the region weight). A
weight ``w`` becomes the logit bias ``log w``: 1 is plain attention, 0 is no attention, and a
token shared between a region (weight ``w``) and the global prompt (``1 - w``) divides its text
attention between them in that ratio.

The global chunk is the plain prompt's own T5 sequence, so pixels in no region see exactly what
a plain render shows them; the region chunks share one more prompt's worth of padding.

Cost: the plan is built once per job (and per sequence length: a union ControlNet prepends one
control-mode token that everyone may see) and shared by every layer. Image tokens that belong
wholly to one chunk -- nearly all of them -- attend with ordinary unmasked attention over that
chunk's text and all image tokens (the fastest attention kernel, and no more keys than a plain
render); only text tokens and tokens on soft region edges go through one masked attention.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from f1studio.engine.regional import chunk_weights
from f1studio.engine.request import RegionSpec


def token_weights(regions: Sequence[RegionSpec], tokens_h: int, tokens_w: int) -> np.ndarray:
    """Chunk weights per image token (C = len(regions) + 1, tokens_h * tokens_w), >= 0."""
    weights = chunk_weights(regions, tokens_h, tokens_w)
    return np.clip(weights, 0.0, None).reshape(len(regions) + 1, tokens_h * tokens_w)


def split_text_budget(real_lengths: Sequence[int], budget: int) -> list[int]:
    """T5 length of each region chunk: its own tokens (with the end token) plus an equal share
    of the padding a plain prompt of ``budget`` tokens would have, so the region chunks together
    are as long as one plain prompt (one chunk alone is exactly a plain prompt's length)."""
    lengths = [max(1, int(n)) for n in real_lengths]
    spare = budget - sum(lengths)
    if spare <= 0:
        return lengths
    share, rest = divmod(spare, len(lengths))
    return [n + share + (1 if i < rest else 0) for i, n in enumerate(lengths)]


# Up to this many joint tokens one dense masked attention is faster than the plan's several
# calls (measured on CPU: 384 tokens dense 1.07x, plan 1.16x; 1152 tokens plan 1.10x, dense 1.13x).
DENSE_UP_TO = 512


@dataclass
class _Plan:
    """How to compute one masked joint attention cheaply: image tokens that belong wholly to
    one chunk attend with ordinary (unmasked, fastest-kernel) attention over that chunk's text
    and every image token; the rest (text tokens, tokens on a soft region edge, mixed weights)
    use one masked attention over the whole sequence."""

    groups: list[tuple[Any, list[slice]]]  # (query positions, key slices)
    rest: Any  # query positions for the masked attention (None when there are none)
    rest_bias: Any  # (len(rest), total) additive bias


@dataclass
class JointLayout:
    """Where each chunk's text sits in the joint sequence and which image tokens it covers."""

    chunk_lengths: list[int]
    weights: np.ndarray  # (chunks, image tokens) float32, >= 0
    device: Any = None
    dtype: Any = None
    _bias: dict[int, Any] = field(default_factory=dict, repr=False)
    _plans: dict[int, _Plan] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # the transformer's own sequence is prepared here, outside any compiled graph: a
        # compiled transformer only looks it up (building it runs numpy, a graph break)
        own = self.text_tokens + self.image_tokens
        if own <= DENSE_UP_TO:
            self.bias(own)
        else:
            self.plan(own)

    @property
    def text_tokens(self) -> int:
        return int(sum(self.chunk_lengths))

    @property
    def image_tokens(self) -> int:
        return int(self.weights.shape[1])

    def pooled_mix(self) -> np.ndarray:
        """How much of the canvas each chunk governs (sums to 1), for mixing pooled prompts."""
        area = self.weights.sum(axis=1).astype(np.float64)
        return (area / area.sum()).astype(np.float32) if area.sum() > 0 else area

    def bias(self, total: int) -> Any:
        """Additive attention bias (total, total) for a joint sequence of ``total`` tokens;
        tokens beyond text + image are extra leading text (a union ControlNet's mode token)
        that everything sees and that sees everything."""
        if total not in self._bias:
            self._bias[total] = self._bias_rows(total, np.arange(total))
        return self._bias[total]

    def plan(self, total: int) -> _Plan:
        if total not in self._plans:
            self._plans[total] = self._plan(total)
        return self._plans[total]

    def _extra(self, total: int) -> int:
        extra = total - self.text_tokens - self.image_tokens
        if extra < 0:
            raise RuntimeError(
                f"regional attention: a sequence of {total} tokens cannot hold "
                f"{self.text_tokens} text and {self.image_tokens} image tokens"
            )
        return extra

    def _bias_rows(self, total: int, rows: np.ndarray) -> Any:
        """The bias rows of the queries at positions ``rows`` (built row by row, so a big
        canvas never materialises the whole total x total matrix)."""
        import torch

        extra, text = self._extra(total), self.text_tokens
        chunk_of = np.repeat(np.arange(len(self.chunk_lengths)), self.chunk_lengths)
        with np.errstate(divide="ignore"):
            log_w = np.log(self.weights.astype(np.float32))  # 0 -> -inf
        out = np.zeros((rows.size, total), np.float32)
        t0, i0 = extra, extra + text
        is_text = (rows >= t0) & (rows < i0)
        chunk = chunk_of[rows[is_text] - t0]
        out[is_text, t0:i0] = np.where(chunk[:, None] == chunk_of[None, :], 0.0, -np.inf)
        out[is_text, i0:] = log_w[chunk]  # text -> the image tokens its chunk covers
        is_image = rows >= i0
        out[is_image, t0:i0] = log_w[chunk_of][:, rows[is_image] - i0].T  # image -> text
        return torch.from_numpy(out).to(device=self.device, dtype=self.dtype)

    def _plan(self, total: int) -> _Plan:
        import torch

        extra, text = self._extra(total), self.text_tokens
        starts = np.concatenate([[0], np.cumsum(self.chunk_lengths)]) + extra
        image = slice(extra + text, total)
        pure = np.isclose(self.weights, 1.0, rtol=0, atol=1e-6) & (
            (self.weights > 0).sum(axis=0) == 1
        )  # tokens governed by exactly one chunk, fully
        groups = []
        for c in range(len(self.chunk_lengths)):
            tokens = np.flatnonzero(pure[c])
            if tokens.size:
                keys = [slice(0, extra), slice(int(starts[c]), int(starts[c + 1])), image]
                index = torch.from_numpy(tokens + extra + text).to(self.device)
                groups.append((index, [k for k in keys if k.stop > k.start]))
        mixed = np.flatnonzero(~pure.any(axis=0)) + extra + text
        rows = np.concatenate([np.arange(extra + text), mixed])
        if rows.size == 0:
            return _Plan(groups, None, None)
        rest = torch.from_numpy(rows).to(self.device)
        return _Plan(groups, rest, self._bias_rows(total, rows))

    def attention(self, query: Any, key: Any, value: Any) -> Any:
        """Masked joint attention of (batch, heads, total, head_dim) tensors."""
        import torch
        import torch.nn.functional as F

        total = query.shape[2]
        if total <= DENSE_UP_TO:  # short sequences: one masked call beats several small ones
            return F.scaled_dot_product_attention(query, key, value, attn_mask=self.bias(total))
        plan = self.plan(total)
        out = torch.empty_like(query)
        for index, keys in plan.groups:
            k = (
                torch.cat([key[:, :, s] for s in keys], dim=2)
                if len(keys) > 1
                else key[:, :, keys[0]]
            )
            v = (
                torch.cat([value[:, :, s] for s in keys], dim=2)
                if len(keys) > 1
                else value[:, :, keys[0]]
            )
            part = F.scaled_dot_product_attention(query.index_select(2, index), k, v)
            out.index_copy_(2, index, part)
        if plan.rest is not None:
            q = query.index_select(2, plan.rest)
            part = F.scaled_dot_product_attention(q, key, value, attn_mask=plan.rest_bias)
            out.index_copy_(2, plan.rest, part)
        return out


class RegionalFluxAttnProcessor:
    """FLUX.1 joint attention (the arithmetic of diffusers' FluxAttnProcessor) with the regional
    mask, for the double-stream blocks (text and image arrive separately) and the single-stream
    blocks (one joint sequence), in the transformer and in FLUX ControlNets alike."""

    def __init__(self, layout: JointLayout | None) -> None:
        self.layout = layout  # None: plain joint attention (a step with nothing to mask)

    def __call__(
        self,
        attn: Any,
        hidden_states: Any,
        encoder_hidden_states: Any = None,
        attention_mask: Any = None,
        image_rotary_emb: Any = None,
    ) -> Any:
        import torch
        from diffusers.models.embeddings import apply_rotary_emb

        if attention_mask is not None:
            raise RuntimeError("regional FLUX.1 attention does not take another attention mask")
        query, key, value = _projections(
            attn, hidden_states, attn.to_q, attn.to_k, attn.to_v, "to_qkv"
        )
        query, key = attn.norm_q(query), attn.norm_k(key)
        joint = encoder_hidden_states is not None and attn.added_kv_proj_dim is not None
        if joint:
            q, k, v = _projections(
                attn,
                encoder_hidden_states,
                attn.add_q_proj,
                attn.add_k_proj,
                attn.add_v_proj,
                "to_added_qkv",
            )
            query = torch.cat([attn.norm_added_q(q), query], dim=1)
            key = torch.cat([attn.norm_added_k(k), key], dim=1)
            value = torch.cat([v, value], dim=1)
        if image_rotary_emb is not None:
            query = apply_rotary_emb(query, image_rotary_emb, sequence_dim=1)
            key = apply_rotary_emb(key, image_rotary_emb, sequence_dim=1)
        q, k, v = (x.transpose(1, 2) for x in (query, key, value))
        if self.layout is None:
            import torch.nn.functional as F

            out = F.scaled_dot_product_attention(q, k, v)
        else:
            out = self.layout.attention(q, k, v)
        out = out.transpose(1, 2).flatten(2, 3).to(query.dtype)
        if not joint:
            return out
        text = encoder_hidden_states.shape[1]
        context, out = out.split_with_sizes([text, out.shape[1] - text], dim=1)
        out = attn.to_out[1](attn.to_out[0](out.contiguous()))
        return out, attn.to_add_out(context.contiguous())


def _projections(attn: Any, states: Any, to_q: Any, to_k: Any, to_v: Any, fused: str) -> tuple:
    """Query, key and value as (batch, tokens, heads, head_dim)."""
    if getattr(attn, "fused_projections", False) and hasattr(attn, fused):
        q, k, v = getattr(attn, fused)(states).chunk(3, dim=-1)
    else:
        q, k, v = to_q(states), to_k(states), to_v(states)
    return tuple(x.unflatten(-1, (-1, attn.head_dim)) for x in (q, k, v))
