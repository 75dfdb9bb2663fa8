"""The UNet stage's grounding term: each shape phrase's cross-attention is pulled inside that
shape, without changing what the UNet computes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

torch = pytest.importorskip("torch")


from f1studio.demo import architecture  # noqa: E402
from f1studio.demo.train_data import encode_dataset  # noqa: E402
from f1studio.demo.train_grounding import (  # noqa: E402
    all_shape_masks,
    grounding_loss,
    probed_cross_attention,
    shape_masks,
)
from f1studio.demo.train_loop import Log  # noqa: E402
from f1studio.demo.train_settings import QUICK  # noqa: E402
from f1studio.demo.train_text import caption_labels  # noqa: E402
from f1studio.demo.world import MAX_SHAPES, generate  # noqa: E402
from tests.demo.helpers import unet_stage_weights  # noqa: E402

pytestmark = pytest.mark.slow  # the demo model's world and training


def _unet_inputs(batch: int = 2):
    torch.manual_seed(0)
    unet = architecture.build_unet()
    latents = torch.randn(batch, 4, 16, 16)
    states = torch.randn(batch, 77, architecture.TEXT_WIDTH)
    return unet, latents, torch.tensor([500] * batch), states


def test_the_probe_computes_what_the_unet_computes_and_keeps_each_layers_map():
    unet, latents, t, states = _unet_inputs()
    with torch.no_grad():
        plain = unet(latents, t, states).sample
        with probed_cross_attention(unet) as maps:
            probed = unet(latents, t, states).sample
    torch.testing.assert_close(probed, plain, atol=1e-4, rtol=1e-4)
    layers = [n for n in unet.attn_processors if n.endswith("attn2.processor")]
    assert len(maps) == len(layers) >= 6
    assert {m.shape[1] for m in maps} == {16 * 16, 8 * 8, 4 * 4}  # every level
    for m in maps:  # each pixel's attention over the tokens sums to one
        torch.testing.assert_close(m.sum(-1), torch.ones(m.shape[:2]))
    # outside the block the UNet's own processors are back
    assert not any(type(p).__name__ == "CrossAttentionProbe" for p in unet.attn_processors.values())


def test_the_masks_are_each_shapes_visible_pixels_in_caption_order():
    masks = shape_masks(np.array([0, 1, 2]), 16)
    assert masks.shape == (3, MAX_SHAPES, 16, 16)
    for row in range(3):
        scene, rendered, _ = generate(row)
        for slot in range(MAX_SHAPES):
            if slot < len(scene.shapes):
                mask = rendered.masks[slot]
                ys, xs = np.nonzero(mask)
                if ys.size:  # the cells of the shape's pixels, and only those
                    assert masks[row, slot, ys // 8, xs // 8].all()
                    assert masks[row, slot].sum() == len(set(zip(ys // 8, xs // 8, strict=True)))
            else:
                assert masks[row, slot].sum() == 0


def test_the_stage_wide_masks_are_each_batchs_masks():
    every = all_shape_masks(6, 16)
    assert every.dtype == torch.bool and every.shape == (6, MAX_SHAPES, 16, 16)
    batch = np.array([4, 1, 4])
    assert torch.equal(every[torch.from_numpy(batch)].float(), shape_masks(batch, 16))


def test_the_loss_is_zero_inside_one_outside_and_skips_dropped_rows_and_absent_shapes():
    groups = torch.full((2, 6), -1)
    groups[:, 1:3] = 0  # shape 0's phrase: tokens 1 and 2
    groups[:, 3] = 1  # shape 1: token 3
    masks = torch.zeros(2, MAX_SHAPES, 4, 4)
    masks[:, 0, :2, :] = 1  # shape 0 in the top half
    masks[:, 1, 2:, :] = 1  # shape 1 in the bottom half
    good = torch.zeros(2, 16, 6)
    good[:, :8, 1] = 1  # the top pixels look at shape 0's words
    good[:, 8:, 3] = 1  # the bottom pixels at shape 1's
    captioned = torch.tensor([True, True])
    assert grounding_loss([good], groups, masks, captioned).item() == pytest.approx(0.0)
    swapped = good.flip(1)  # each phrase's attention in the other shape
    assert grounding_loss([swapped], groups, masks, captioned).item() == pytest.approx(1.0)
    mixed = torch.cat([good[:1], swapped[1:]])
    assert grounding_loss([mixed], groups, masks, captioned).item() == pytest.approx(0.5)
    # a dropped caption's row does not count
    dropped = torch.tensor([True, False])
    assert grounding_loss([mixed], groups, masks, dropped).item() == pytest.approx(0.0)
    # a finer map reads the same masks max-pooled to its size
    fine = good.reshape(2, 4, 4, 6).repeat_interleave(2, 1).repeat_interleave(2, 2)
    fine = fine.reshape(2, 64, 6)
    masks8 = masks.repeat_interleave(2, 2).repeat_interleave(2, 3)
    assert grounding_loss([fine, good], groups, masks8, captioned).item() == pytest.approx(0.0)


def test_training_on_the_loss_pulls_each_phrase_inside_its_shape(tokenizer):
    unet, latents, t, _ = _unet_inputs()
    groups = torch.from_numpy(
        np.stack([caption_labels(generate(i)[0], tokenizer)[0] for i in (0, 1)])
    )
    states = torch.randn(2, 77, architecture.TEXT_WIDTH)
    masks = shape_masks(np.array([0, 1]), 16)
    captioned = torch.tensor([True, True])
    optimizer = torch.optim.Adam(unet.parameters(), lr=1e-2)
    losses = []
    for _ in range(4):
        with probed_cross_attention(unet) as maps:
            unet(latents, t, states)
        loss = grounding_loss(maps, groups, masks, captioned)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0], losses


def test_the_unet_stage_trains_with_the_term_and_is_unchanged_without_it(tokenizer, tmp_path):
    """... and the same for the outline weight (the loss counting outline cells more)."""
    torch.manual_seed(0)
    vae = architecture.build_vae()
    settings = replace(QUICK, region_steps=0)
    log = Log(tmp_path / "log.txt", echo=False)
    data = encode_dataset(settings, vae, tokenizer, tmp_path, log)
    assert "text_groups" in data

    def trained(weight: float, folder: str, start: int = 0, outline: float = 0.0):
        changed = replace(
            settings, grounding_weight=weight, grounding_from=start, outline_weight=outline
        )
        return unet_stage_weights(changed, tmp_path / folder, data, tokenizer, log)

    plain, again, grounded = trained(0.0, "a"), trained(0.0, "b"), trained(1.0, "c")
    assert torch.equal(plain, again)  # without the term the stage is as it was, bit for bit
    assert torch.isfinite(grounded).all() and not torch.equal(plain, grounded)
    # counted only from a timestep no row reaches, the term changes nothing (but the
    # explicit attention's rounding)
    gated = trained(1.0, "d", start=1000)
    assert (gated - plain).abs().max() < 0.1 * (grounded - plain).abs().max()
    outlined = trained(0.0, "e", outline=4.0)
    assert torch.isfinite(outlined).all() and not torch.equal(plain, outlined)
