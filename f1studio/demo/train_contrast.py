"""A kind-contrast term for the UNet stage: a caption should explain its picture better than
the same caption with the shapes' kinds changed.

Measured on the shipped UNet (2026-12-07, 300 held-out scenes, one noise draw each): its
denoising error inside the shapes is lower for the true caption than for the caption with
the kinds swapped between its shapes in only 60-65% of cases, by 1-9% (more at high noise):
the words that say a shape's kind barely change what the UNet draws there, which is how a
caption's kinds end up swapped or lost in its renders. The term asks for that difference
directly, as a two-way diffusion classifier (the denoising error as the negative log-odds of
a caption): on the plain batches' captioned rows, the UNet also predicts from a *negative*
caption, the scene's own caption with its kinds changed (rotated among the shapes when they
are of two or three kinds, else one shape's kind replaced), and the loss adds
``softplus(d / scale)`` where ``d`` is the relative difference of the two errors inside the
changed shapes (``(pos - neg) / mean(pos, neg)``, the mean held constant): it falls as the true
caption's error drops below the negative's and stops mattering once it is well below.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from f1studio.demo.world import MAX_SHAPES, SHAPES, caption, generate


def negative_scene(scene: Any, rng: np.random.Generator) -> tuple[Any, list[bool]]:
    """``scene`` with its shapes' kinds changed, and which shapes changed (caption order).

    Shapes of two or three kinds pass their kinds on to the next shape (the last to the
    first), so every shape whose neighbour has another kind changes; shapes all of one kind
    (a one-shape scene included) have one of them, chosen by ``rng``, made another kind."""
    from dataclasses import replace

    kinds = [shape.kind for shape in scene.shapes]
    if len(set(kinds)) >= 2:
        new = kinds[1:] + kinds[:1]
    else:
        new = list(kinds)
        slot = int(rng.integers(len(kinds)))
        others = [kind for kind in SHAPES if kind != kinds[slot]]
        new[slot] = others[int(rng.integers(len(others)))]
    shapes = tuple(replace(shape, kind=kind) for shape, kind in zip(scene.shapes, new, strict=True))
    return replace(scene, shapes=shapes), [a != b for a, b in zip(kinds, new, strict=True)]


def negative_captions(count: int, seed: int, tokenizer: Any) -> tuple[Any, Any]:
    """Token ids ``(count, length)`` of training scenes ``0 .. count - 1``'s negative captions
    and a bool tensor ``(count, MAX_SHAPES)`` of the shapes each changed: made once per stage,
    one negative per scene (seeded by the scene's index)."""
    import torch

    from f1studio.demo.train_data import token_ids

    texts: list[str] = []
    changed = np.zeros((count, MAX_SHAPES), bool)
    for index in range(count):
        scene, _rendered, _caption = generate(index)
        negative, flags = negative_scene(scene, np.random.default_rng([seed, 7, index]))
        texts.append(caption(negative))
        changed[index, : len(flags)] = flags
    ids = torch.cat([token_ids(tokenizer, texts[i : i + 1024]) for i in range(0, count, 1024)])
    return ids, torch.from_numpy(changed)


def contrast_loss(positive: Any, negative: Any, mask: Any, scale: float) -> Any:
    """The mean of ``softplus(d / scale)`` over rows whose ``mask`` (``(batch, side, side)``,
    1 on the changed shapes) is not empty; ``positive`` and ``negative`` are the squared
    errors ``(batch, channels, side, side)`` of the true and the negative caption's
    predictions against the same target."""
    import torch.nn.functional as F

    weight = mask[:, None].to(positive.dtype)
    area = weight.sum(dim=(1, 2, 3))
    keep = area > 0
    if not bool(keep.any()):
        return positive.sum() * 0
    pos = (positive * weight).sum(dim=(1, 2, 3))[keep] / area[keep]
    neg = (negative * weight).sum(dim=(1, 2, 3))[keep] / area[keep]
    relative = (pos - neg) / (0.5 * (pos + neg)).detach().clamp_min(1e-6)
    return F.softplus(relative / scale).mean()
