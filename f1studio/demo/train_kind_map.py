"""A kind-map term for the UNet stage: the UNet's features should say which kind of shape
covers each latent pixel.

The demo model draws shapes in the right colours and places but too often the wrong kind
(a blob where a triangle was asked for), and its denoising error hardly changes when the
caption's kinds are swapped (docs/eval/kind-probes.md). The denoising loss teaches kinds
only through the few latent pixels a corner or a straight side changes. This term asks for
them everywhere: a 1x1 convolution (:func:`kind_map_head`) reads the output of one of the
UNet's up blocks and predicts, per pixel of that block's grid, the share of it that each
kind covers (background, circle, square, triangle), as the scene's visible shape masks say;
its loss is the cross-entropy against those shares, over the captioned rows (with the
caption dropped, the noisiest rows could not know). The head is trained beside the UNet and
thrown away at export, so the model keeps Stable Diffusion 1.5's layout (the UNet stage
leaves it beside its UNet, where the edge ControlNet's stage can read it:
:func:`saved_kind_head`). It is an auxiliary task on the UNet's own features, as
representation alignment (REPA, Yu et al. 2024) is with a pretrained encoder's; here the world
gives the labels.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from f1studio.demo.world import SHAPES, generate

#: The classes of a kind map: the background, then the world's kinds in order.
CLASSES = ("background", *SHAPES)


def kind_shares(indices: np.ndarray, side: int) -> Any:
    """Float16 tensor ``(len(indices), len(CLASSES), side, side)``: for each training scene,
    the share of each latent pixel (``side`` across) that the background and each kind's
    visible shapes cover."""
    import torch

    out = np.zeros((len(indices), len(CLASSES), side, side), np.float32)
    for row, index in enumerate(indices):
        scene, rendered, _caption = generate(int(index))
        for shape, mask in zip(scene.shapes, rendered.masks, strict=True):
            block = mask.shape[0] // side
            cover = (mask > 0).reshape(side, block, side, block).mean(axis=(1, 3))
            out[row, 1 + SHAPES.index(shape.kind)] += cover
        out[row, 0] = np.clip(1.0 - out[row, 1:].sum(axis=0), 0.0, 1.0)
    return torch.from_numpy(out).half()


def kind_map_head(unet: Any, level: int) -> Any:
    """A 1x1 convolution from the output of ``unet.up_blocks[level]`` (its channels in) to
    :data:`CLASSES` logits."""
    import torch

    blocks = unet.config.block_out_channels
    if not 0 <= level < len(blocks):
        raise ValueError(f"kind-map level {level} is not an up block (0 to {len(blocks) - 1})")
    channels = tuple(reversed(blocks))[level]
    return torch.nn.Conv2d(channels, len(CLASSES), kernel_size=1)


@contextmanager
def up_block_output(unet: Any, level: int) -> Iterator[list[Any]]:
    """Inside the block, every output of ``unet.up_blocks[level]`` is appended to the yielded
    list (one per forward pass)."""
    outputs: list[Any] = []
    handle = unet.up_blocks[level].register_forward_hook(
        lambda _module, _inputs, output: outputs.append(output)
    )
    try:
        yield outputs
    finally:
        handle.remove()


def kind_map_loss(head: Any, features: Any, shares: Any, rows: Any) -> Any:
    """The cross-entropy of ``head``'s kind map on ``features`` (the up block's output) against
    ``shares`` (``(batch, classes, side, side)`` at the latent's size, average-pooled to the
    features' size), over the rows where ``rows`` is True (zero when none)."""
    import torch.nn.functional as F

    if not bool(rows.any()):
        return features.sum() * 0.0
    wanted = shares[rows].float()
    if wanted.shape[-1] != features.shape[-1]:
        wanted = F.adaptive_avg_pool2d(wanted, features.shape[-1])
    logits = head(features[rows].float())
    return -(wanted * F.log_softmax(logits, dim=1)).sum(dim=1).mean()


#: The UNet stage's trained head, beside its final UNet (``WORK/unet/``).
HEAD_FILE = "kind_head.safetensors"


def save_kind_head(head: Any, folder: Path) -> None:
    """Write ``head`` as ``folder / HEAD_FILE``."""
    from safetensors.torch import save_file

    save_file(head.state_dict(), str(folder / HEAD_FILE))


def saved_kind_head(work: Path, unet: Any, level: int) -> Any:
    """The kind-map head the UNet stage under ``work`` trained, frozen: from ``HEAD_FILE``
    beside its UNet, or else from the stage's last checkpoint (runs from before the file)."""
    from safetensors.torch import load_file

    head = kind_map_head(unet, level)
    saved = work / "unet" / HEAD_FILE
    checkpoint = work / "unet-stage" / "checkpoint" / "state.safetensors"
    if saved.is_file():
        weights = load_file(str(saved))
    elif checkpoint.is_file():
        prefix = "kind_head."
        weights = {
            key[len(prefix) :]: value
            for key, value in load_file(str(checkpoint)).items()
            if key.startswith(prefix)
        }
    else:
        weights = {}
    if not weights:
        raise FileNotFoundError(
            f"no kind-map head under {work}: its UNet stage ran without kind_map_weight, "
            "so edge_kind_map_weight has no head to read the UNet's features with"
        )
    head.load_state_dict(weights)
    return head.requires_grad_(False).eval()
