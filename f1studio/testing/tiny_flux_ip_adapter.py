"""A tiny random XLabs FLUX.1 IP-Adapter for the tiny FLUX.1 pipelines, in the published key
layout (``XLabs-AI/flux-ip-adapter``'s ``ip_adapter.safetensors``):

- ``ip_adapter_proj_model.proj`` / ``.norm``: the CLIP image embedding to 4 tokens of the
  transformer's text width;
- ``double_blocks.{i}.processor.ip_adapter_double_stream_k_proj`` / ``_v_proj`` (weight and
  bias): one key/value pair per double-stream block.

Beside it ``image_encoder/`` (a tiny ``CLIPVisionModelWithProjection``, in place of
``openai/clip-vit-large-patch14``), or, with ``encoder_file``, the encoder as one
``.safetensors`` file in transformers' key layout, as ComfyUI keeps them in
``models/clip_vision``. The folder is what F1 Studio's ``--ip-adapter`` takes on FLUX.1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from f1studio.testing.tiny_ip_adapter import save_single_file, tiny_clip_vision

WEIGHTS = "ip_adapter.safetensors"
ENCODER = "image_encoder"
TOKENS = 4


def build_flux_ip_adapter(
    transformer: Any, out: Path, seed: int = 0, encoder_file: Path | None = None
) -> Path:
    """The tiny adapter folder for ``transformer`` (a loaded FluxTransformer2DModel); with
    ``encoder_file`` the encoder goes there as a single file (64 wide, one attention head:
    the widths a single file's configuration is read back with) instead of ``image_encoder/``."""
    import torch
    from safetensors.torch import save_file

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if encoder_file is None:
        embed = 32
        tiny_clip_vision(seed).save_pretrained(str(out / ENCODER), safe_serialization=True)
    else:
        embed = 48
        save_single_file(tiny_clip_vision(seed, 64, 1, embed), encoder_file)
    text = transformer.config.joint_attention_dim
    inner = transformer.inner_dim
    generator = torch.Generator().manual_seed(seed + 1)

    def rand(*shape: int, scale: float = 1.0) -> Any:
        return torch.randn(*shape, generator=generator) * scale / shape[-1] ** 0.5

    state = {
        "ip_adapter_proj_model.proj.weight": rand(text * TOKENS, embed, scale=4.0),
        "ip_adapter_proj_model.proj.bias": torch.zeros(text * TOKENS),
        "ip_adapter_proj_model.norm.weight": torch.ones(text),
        "ip_adapter_proj_model.norm.bias": torch.zeros(text),
    }
    for i in range(len(transformer.transformer_blocks)):
        block = f"double_blocks.{i}.processor.ip_adapter_double_stream"
        for kind in ("k", "v"):
            state[f"{block}_{kind}_proj.weight"] = rand(inner, text, scale=4.0)
            state[f"{block}_{kind}_proj.bias"] = torch.zeros(inner)
    save_file({k: v.contiguous() for k, v in state.items()}, str(out / WEIGHTS))
    return out
