"""The UNet stage's kind-map term: a head on the UNet's features says which kind covers each
latent pixel, learned from the scenes' own masks and left out of the exported model."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from safetensors.torch import load_file  # noqa: E402

from f1studio.demo import architecture  # noqa: E402
from f1studio.demo.train_kind_map import (  # noqa: E402
    CLASSES,
    kind_map_head,
    kind_map_loss,
    kind_shares,
    up_block_output,
)
from f1studio.demo.world import generate  # noqa: E402
from tests.demo.helpers import plain_stage_runs  # noqa: E402

pytestmark = pytest.mark.slow  # the demo model's world and training


def test_the_kind_map_holds_each_shapes_visible_pixels_under_its_kind():
    indices = np.arange(6)
    shares = kind_shares(indices, 16).float()
    assert shares.shape == (6, len(CLASSES), 16, 16)
    assert torch.allclose(shares.sum(dim=1), torch.ones(6, 16, 16), atol=2e-3)
    for row, index in enumerate(indices):
        scene, rendered, _ = generate(int(index))
        for kind_index, kind in enumerate(CLASSES[1:], start=1):
            visible = sum(
                (mask > 0).sum()
                for shape, mask in zip(scene.shapes, rendered.masks, strict=True)
                if shape.kind == kind
            )
            # each latent pixel holds 8x8 picture pixels
            assert float(shares[row, kind_index].sum()) * 64 == pytest.approx(visible, abs=8)


def test_the_head_reads_the_chosen_up_block_and_its_loss_counts_captioned_rows_only():
    unet = architecture.build_unet()
    sample = torch.randn(2, 4, 16, 16)
    states = torch.randn(2, 77, architecture.TEXT_WIDTH)
    shares = kind_shares(np.arange(2), 16)
    for level, side in ((0, 8), (1, 16), (2, 16)):
        head = kind_map_head(unet, level)
        with torch.no_grad(), up_block_output(unet, level) as features:
            unet(sample, torch.tensor([500, 900]), states)
        assert len(features) == 1 and features[0].shape[-1] == side
        loss = kind_map_loss(head, features[0], shares, torch.tensor([True, False]))
        assert loss.item() > 0
        loss.backward()
        assert head.weight.grad is not None and head.weight.grad.abs().sum() > 0
        none = kind_map_loss(head, features[0], shares, torch.tensor([False, False]))
        assert none.item() == 0.0
    with pytest.raises(ValueError, match="not an up block"):
        kind_map_head(unet, 3)
    # the hook is gone after the block
    with torch.no_grad(), up_block_output(unet, 1) as features:
        pass
    with torch.no_grad():
        unet(sample, torch.tensor([500, 900]), states)
    assert features == []


def test_a_head_that_knows_the_map_scores_better_than_one_that_guesses():
    shares = kind_shares(np.arange(4), 16)
    head = torch.nn.Identity()
    knows = torch.log(shares.float() + 1e-4)
    guesses = torch.zeros_like(knows)
    rows = torch.ones(4, dtype=torch.bool)
    assert kind_map_loss(head, knows, shares, rows) < kind_map_loss(head, guesses, shares, rows)


def test_the_unet_stage_trains_with_the_term_and_is_unchanged_without_it(tokenizer, tmp_path):
    trained = plain_stage_runs(tokenizer, tmp_path)
    plain, again, mapped = trained("a"), trained("b"), trained("c", kind_map_weight=1.0)
    assert torch.equal(plain, again)
    assert torch.isfinite(mapped).all() and not torch.equal(plain, mapped)
    # the head is checkpointed with the stage (so a stopped run resumes it) but not exported
    saved = load_file(str(tmp_path / "c" / "unet-stage" / "checkpoint" / "state.safetensors"))
    assert any(key.startswith("kind_head.") for key in saved)
    assert not any(
        key.startswith("kind_head.")
        for key in load_file(
            str(tmp_path / "a" / "unet-stage" / "checkpoint" / "state.safetensors")
        )
    )
    exported = load_file(
        str(tmp_path / "c" / "unet" / "unet" / "diffusion_pytorch_model.safetensors")
    )
    assert not any("kind" in key for key in exported)


def test_the_edge_controlnet_stage_reads_the_unet_stages_head(tokenizer, tmp_path):
    import shutil
    from dataclasses import replace

    from f1studio.demo.train_data import encode_dataset
    from f1studio.demo.train_loop import Log
    from f1studio.demo.train_settings import QUICK
    from f1studio.demo.train_stages import train_controlnet, train_unet

    torch.manual_seed(0)
    vae = architecture.build_vae()
    settings = replace(QUICK, region_steps=0, grounding_steps=0, low_noise_steps=0)
    log = Log(tmp_path / "log.txt", echo=False)
    data = encode_dataset(settings, vae, tokenizer, tmp_path, log)
    torch.manual_seed(1)
    text = architecture.build_text_encoder(tokenizer)
    mapped = replace(settings, kind_map_weight=1.0)
    unet, text = train_unet(mapped, tmp_path / "km", log, data, tokenizer, text)
    # the UNet stage leaves its head beside its UNet
    assert (tmp_path / "km" / "unet" / "kind_head.safetensors").is_file()

    def edge(work, **more):
        controlnet = train_controlnet(
            replace(mapped, **more), work, log, "edge", data, unet, text, tokenizer
        )
        shutil.rmtree(work / "controlnet-edge", ignore_errors=True)  # the next call trains anew
        shutil.rmtree(work / "controlnet-edge-stage", ignore_errors=True)
        return torch.cat([p.detach().flatten() for p in controlnet.parameters()])

    work = tmp_path / "km"
    plain, again = edge(work), edge(work)
    steered = edge(work, edge_kind_map_weight=1.0)
    assert torch.equal(plain, again)
    assert torch.isfinite(steered).all() and not torch.equal(plain, steered)
    # a run whose UNet stage had no kind map has no head to read with: a clear error
    with pytest.raises(FileNotFoundError, match="no kind-map head"):
        edge(tmp_path / "none", edge_kind_map_weight=1.0)
