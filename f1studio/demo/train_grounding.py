"""A grounding term for the UNet stage: each shape's words should look at that shape.

In scenes of two to four shapes the demo model draws the right colours in roughly the right
places but often the wrong kinds (blobs that mix the shapes' words). A denoising loss alone
teaches which words go where only through the pixels they change; this term teaches it
directly, as TokenCompose (Wang et al., CVPR 2024) does for Stable Diffusion: in every
cross-attention layer, the attention the pixels pay to one shape phrase's tokens (the
caption's token groups, :func:`f1studio.demo.train_text.caption_labels`) should fall inside
that shape's visible mask. Per layer and shape the loss is ``(1 - inside / total) ** 2`` of
that attention, averaged over the shapes of the captioned (not dropped) rows.

The masks come from the world itself (:func:`f1studio.demo.world.generate`), max-pooled to
each layer's size, so a shape owns every cell it touches.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from f1studio.demo.world import MAX_SHAPES, generate


def shape_masks(indices: np.ndarray, side: int) -> Any:
    """Float tensor ``(len(indices), MAX_SHAPES, side, side)``: each training scene's visible
    shape masks in caption order (1 where the shape shows), zero for absent slots."""
    import torch

    out = np.zeros((len(indices), MAX_SHAPES, side, side), np.float32)
    for row, index in enumerate(indices):
        _scene, rendered, _caption = generate(int(index))
        for slot, mask in enumerate(rendered.masks):
            cells = mask.reshape(side, mask.shape[0] // side, side, mask.shape[1] // side)
            out[row, slot] = cells.max(axis=(1, 3)) > 0
    return torch.from_numpy(out)


def all_shape_masks(count: int, side: int) -> Any:
    """:func:`shape_masks` of scenes ``0 .. count - 1`` as one bool tensor, made once per
    stage: a step then indexes it instead of drawing its batch's scenes again (that drawing
    was about 5% of a UNet step)."""
    return shape_masks(np.arange(count), side).bool()


class CrossAttentionProbe:
    """A cross-attention processor that computes the attention explicitly and keeps its
    probabilities, head-averaged, as ``(batch, pixels, tokens)`` in :attr:`maps`."""

    def __init__(self, maps: list[Any]) -> None:
        self.maps = maps

    def __call__(
        self,
        attn: Any,
        hidden_states: Any,
        encoder_hidden_states: Any = None,
        attention_mask: Any = None,
        **_: Any,
    ) -> Any:
        import torch

        if encoder_hidden_states is None or hidden_states.ndim != 3:
            raise ValueError("the probe only serves cross-attention on (batch, pixels, width)")
        if attn.norm_cross or attn.residual_connection or attn.rescale_output_factor != 1.0:
            raise ValueError("the probe serves plain Stable Diffusion cross-attention only")
        batch = hidden_states.shape[0]
        query = attn.head_to_batch_dim(attn.to_q(hidden_states))
        key = attn.head_to_batch_dim(attn.to_k(encoder_hidden_states))
        value = attn.head_to_batch_dim(attn.to_v(encoder_hidden_states))
        probs = attn.get_attention_scores(query, key, attention_mask)
        self.maps.append(probs.reshape(batch, attn.heads, *probs.shape[1:]).mean(dim=1))
        out = attn.batch_to_head_dim(torch.bmm(probs, value))
        return attn.to_out[1](attn.to_out[0](out))


@contextmanager
def probed_cross_attention(unet: Any) -> Iterator[list[Any]]:
    """Inside the block, ``unet``'s cross-attention layers record their attention maps into
    the yielded list (one entry per layer call, in the order the UNet runs them)."""
    from f1studio.engine.attention import swapped_attention

    maps: list[Any] = []
    probe = CrossAttentionProbe(maps)
    with swapped_attention(
        [unet], lambda name, current: probe if name.endswith("attn2.processor") else current
    ):
        yield maps


def inside_shares(maps: list[Any], groups: Any, masks: Any, captioned: Any) -> Any:
    """The share of each shape phrase's attention (tokens of ``groups`` == slot; ``groups`` is
    ``(batch, tokens)``) that falls inside the slot's mask (``masks``: ``(batch, slots, side,
    side)`` at the latent's size, max-pooled per layer), one value per layer, row and shape,
    flattened. Rows where ``captioned`` is False (a dropped caption) and absent slots are
    left out."""
    import torch
    import torch.nn.functional as F

    found = []
    slots = torch.arange(masks.shape[1])
    select = (groups[:, None, :] == slots[None, :, None]).to(masks.dtype)  # (B, S, L)
    present = (select.sum(-1) > 0) & captioned[:, None]
    for probs in maps:  # (B, HW, L)
        side = int(round(probs.shape[1] ** 0.5))
        cells = masks if side == masks.shape[-1] else F.adaptive_max_pool2d(masks, side)
        cells = cells.flatten(2)  # (B, S, HW)
        attention = torch.einsum("bpl,bsl->bsp", probs, select)  # each phrase's map
        inside = (attention * cells).sum(-1)
        total = attention.sum(-1).clamp_min(1e-8)
        valid = present & (cells.sum(-1) > 0)
        found.append((inside / total)[valid])
    return torch.cat(found) if found else torch.zeros(0)


def grounding_loss(maps: list[Any], groups: Any, masks: Any, captioned: Any) -> Any:
    """The mean of ``(1 - share) ** 2`` over :func:`inside_shares` (zero when none count)."""
    shares = inside_shares(maps, groups, masks, captioned)
    return ((1 - shares) ** 2).mean() if shares.numel() else shares.sum()
