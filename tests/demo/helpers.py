"""Helpers the demo model's tests share."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def unet_stage_weights(settings: Any, folder: Path, data: dict, tokenizer: Any, log: Any) -> Any:
    """The UNet stage of ``settings`` run on ``data`` into ``folder`` from the same seeds every
    call (a fresh text encoder), and its UNet's weights as one flat tensor."""
    import torch

    from f1studio.demo import architecture, train_stages

    torch.manual_seed(1)
    text = architecture.build_text_encoder(tokenizer)
    unet, _text = train_stages.train_unet(settings, folder, log, data, tokenizer, text)
    return torch.cat([p.detach().flatten() for p in unet.parameters()])


def plain_stage_runs(tokenizer: Any, folder: Path, **changes: Any) -> Any:
    """A function ``trained(name, **more)``: :func:`unet_stage_weights` of the quick recipe
    without its region, grounding and low-noise phases, with ``changes`` and ``more``, run
    into ``folder / name`` on scenes encoded once by a fresh autoencoder."""
    from dataclasses import replace

    import torch

    from f1studio.demo import architecture
    from f1studio.demo.train_data import encode_dataset
    from f1studio.demo.train_loop import Log
    from f1studio.demo.train_settings import QUICK

    torch.manual_seed(0)
    vae = architecture.build_vae()
    settings = replace(QUICK, region_steps=0, grounding_steps=0, low_noise_steps=0, **changes)
    log = Log(folder / "log.txt", echo=False)
    data = encode_dataset(settings, vae, tokenizer, folder, log)

    def trained(name: str, **more: Any) -> Any:
        return unet_stage_weights(replace(settings, **more), folder / name, data, tokenizer, log)

    return trained
