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
