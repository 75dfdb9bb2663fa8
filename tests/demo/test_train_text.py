"""The demo model's text stage and tokenizer: every world word is one token, a caption's
labels point at its own words, the text stage learns to read captions, and the decoder
stage leaves the latents alone."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from f1studio.demo import train_text
from f1studio.demo.train_loop import Log
from f1studio.demo.train_settings import QUICK
from f1studio.demo.vocab import VOCABULARY
from f1studio.demo.world import COLORS, SHAPES, Scene, Shape, caption, generate

pytestmark = pytest.mark.slow  # the world's scenes and a short training


def test_every_world_word_is_one_token(tokenizer):
    split = {w: tokenizer.tokenize(w) for w in VOCABULARY if len(tokenizer.tokenize(w)) != 1}
    assert split == {}
    text = "a large green triangle at the bottom left, on an orange and black background"
    assert len(tokenizer.tokenize(text)) == len(text.replace(",", " ,").split())


def test_a_captions_labels_point_at_its_own_words(tokenizer):
    scene = Scene(
        shapes=(
            Shape("triangle", "green", "large", "bottom left"),
            Shape("circle", "red", "small", "top right"),
        ),
        background=("orange", "black"),
        split="left/right",
    )
    groups, targets = train_text.caption_labels(scene, tokenizer)
    text = caption(scene)
    ids = tokenizer(text).input_ids
    words = tokenizer.convert_ids_to_tokens(ids)

    def words_of(group: int) -> list[str]:
        return [w.removesuffix("</w>") for w, g in zip(words, groups, strict=False) if g == group]

    assert words_of(0) == ["a", "large", "green", "triangle", "at", "the", "bottom", "left"]
    assert words_of(1) == ["a", "small", "red", "circle", "at", "the", "top", "right"]
    assert "orange" in words_of(train_text.BACKGROUND_GROUP)
    assert "circle" not in words_of(train_text.BACKGROUND_GROUP)
    # the end token and the padding summarise; the start token belongs to nothing
    assert groups[0] == train_text.NO_GROUP
    assert (groups[len(ids) - 1 :] == train_text.SUMMARY_GROUP).all()
    colours = list(COLORS)
    assert targets[0, :2].tolist() == [colours.index("green"), SHAPES.index("triangle")]
    assert targets[2].tolist() == [-1, -1, -1, -1]  # no third shape
    cells = targets[train_text.MAX_SHAPES + 1 :]
    occupied = [i for i, row in enumerate(cells) if row[0] != len(colours)]
    assert len(occupied) == 2  # the two shapes' cells, the rest "none"
    assert text.endswith("split left and right")


def test_the_text_stage_learns_to_read_captions(tokenizer, tmp_path):
    """A short text stage on world captions: the heads read kinds and cells far above chance,
    which an encoder that ignores its input cannot do."""
    scenes = 256
    pairs = [train_text.caption_labels(generate(i)[0], tokenizer) for i in range(scenes)]
    captions = [generate(i)[2] for i in range(scenes)]
    ids = tokenizer(
        captions, padding="max_length", max_length=77, truncation=True, return_tensors="pt"
    ).input_ids
    data = {
        "ids": ids,
        "text_groups": torch.from_numpy(np.stack([g for g, _ in pairs])),
        "text_targets": torch.from_numpy(np.stack([t for _, t in pairs])),
    }
    settings = replace(QUICK, text_steps=150, text_batch=32, warmup=10, log_every=150)
    log = Log(tmp_path / "train.log", echo=False)
    encoder = train_text.train_text_encoder(settings, tmp_path, log, data, tokenizer)
    assert (tmp_path / "text-encoder" / "config.json").is_file()
    line = next(x for x in (tmp_path / "train.log").read_text().splitlines() if "accuracy" in x)
    accuracy = dict(
        (part.rsplit(" ", 1)[0].strip(), float(part.rsplit(" ", 1)[1]))
        for part in line.split("accuracy:")[1].split(",")
    )
    assert accuracy["shape kind"] >= 0.9  # chance: a third
    assert accuracy["shape colour"] >= 0.9  # chance: an eighth
    assert accuracy["cell colour"] >= 0.6
    # and the stage is resumable: a rerun loads the finished encoder
    again = train_text.train_text_encoder(settings, tmp_path, log, data, tokenizer)
    assert all(
        torch.equal(a, b) for a, b in zip(encoder.parameters(), again.parameters(), strict=True)
    )


def test_the_decoder_stage_keeps_the_encoder(tmp_path):
    from f1studio.demo import architecture
    from f1studio.demo.train_stages import sharpen_decoder

    torch.manual_seed(0)
    vae = architecture.build_vae()
    before = {k: v.clone() for k, v in vae.encoder.state_dict().items()}
    decoder_before = {k: v.clone() for k, v in vae.decoder.state_dict().items()}
    settings = replace(QUICK, decoder_steps=2, decoder_batch=1)
    out = sharpen_decoder(settings, tmp_path, Log(tmp_path / "train.log", echo=False), vae)
    assert all(torch.equal(before[k], v) for k, v in out.encoder.state_dict().items())
    assert any(not torch.equal(decoder_before[k], v) for k, v in out.decoder.state_dict().items())
    assert (tmp_path / "vae-sharpened" / "config.json").is_file()


def test_the_decoder_loss_weighs_the_outlines():
    """The band is the pixels on either side of each outline and the picture's outer 4 px
    (not the flat insides), and an error there costs the decoder more than the same error
    inside a flat area."""
    from f1studio.demo.train_loop import to_tensor
    from f1studio.demo.train_stages import band_weighted_error, outline_band

    rendered = generate(3)[1]
    x = to_tensor([rendered.image])
    band = outline_band(x)[0, 0].numpy() > 0
    outlines = rendered.edges > 127
    assert band[outlines].all()
    assert band[:4].all() and band[-4:].all() and band[:, :4].all() and band[:, -4:].all()
    assert not band[4:-4, 4:-4].all()
    assert band.mean() < 0.3
    flat = ~np.array(
        torch.nn.functional.max_pool2d(torch.from_numpy(band[None].astype(np.float32)), 5, 1, 2)[0]
        > 0
    )
    assert flat.any()
    on_edge, in_flat = x.clone(), x.clone()
    inner = np.zeros_like(band)
    inner[4:-4, 4:-4] = True
    ey, ex = np.argwhere(outlines & inner)[0]  # on an outline, away from the border
    fy, fx = np.argwhere(flat)[0]
    on_edge[0, :, ey, ex] += 0.5
    in_flat[0, :, fy, fx] += 0.5
    assert band_weighted_error(on_edge, x, 4.0) > 3 * band_weighted_error(in_flat, x, 4.0)
    assert torch.equal(band_weighted_error(on_edge, x, 0.0), band_weighted_error(in_flat, x, 0.0))


def test_the_peak_error_sees_one_bad_pixel_that_the_mean_hides():
    """A speck of one far-off pixel is almost nothing in the mean pixel error (as is the
    same error spread thin over the picture); the peak term is large for the speck only."""
    from f1studio.demo.train_stages import band_weighted_error, peak_error

    x = torch.zeros(2, 3, 32, 32)
    speck, spread = x.clone(), x.clone()
    speck[:, :, 30, 1] = 1.0
    spread += 1.0 / (32 * 32)
    assert band_weighted_error(speck, x, 0.0) < 0.01 and band_weighted_error(spread, x, 0.0) < 0.01
    assert peak_error(speck, x, 1) == pytest.approx(1.0)
    assert peak_error(speck, x, 4) == pytest.approx(0.25)
    assert peak_error(spread, x, 4) < 0.01
    assert peak_error(x, x, 16) == 0


def test_high_noise_share_draws_the_noisiest_timesteps():
    from diffusers import DDPMScheduler

    from f1studio.demo import architecture
    from f1studio.demo.train_loop import noisy

    scheduler = DDPMScheduler.from_config(architecture.SCHEDULER_CONFIG)
    latents = torch.zeros(4000, 1, 1, 1)
    _, _, plain = noisy(QUICK, scheduler, latents, 2, 0)
    _, _, high = noisy(QUICK, scheduler, latents, 2, 0, high_noise_share=0.5)
    share = lambda t: float((t >= QUICK.high_noise_from).float().mean())  # noqa: E731
    assert abs(share(plain) - 0.3) < 0.03  # uniform over 1000 steps
    assert abs(share(high) - (0.5 + 0.5 * 0.3)) < 0.03
