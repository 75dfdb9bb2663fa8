"""A tiny random IP-Adapter for a tiny SD1.5 or SDXL pipeline, in the published layout.

Writes ``OUT/ip-adapter.safetensors`` (``image_proj.proj`` / ``image_proj.norm`` and one
``ip_adapter.{1,3,5,...}.to_k_ip`` / ``to_v_ip`` pair per cross-attention layer, in the UNet's
processor order, as the IP-Adapter releases name them) and ``OUT/image_encoder/`` (a tiny
``CLIPVisionModelWithProjection``): the folder diffusers' ``load_ip_adapter`` reads and
F1 Studio's ``--ip-adapter`` takes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

WEIGHTS = "ip-adapter.safetensors"
ENCODER = "image_encoder"
TOKENS = 4  # image tokens of the standard (not "plus") adapter


def adapter_layers(unet: Any) -> list[tuple[int, Any]]:
    """(published key id, attention module) of each cross-attention layer an IP-Adapter adds
    a key/value pair to, in the UNet's processor order (ids 1, 3, 5, ... as releases name
    them: the self-attention layers between keep the even ids)."""
    layers: list[tuple[int, Any]] = []
    for name in unet.attn_processors:
        if not name.endswith("attn1.processor"):
            layers.append(
                (2 * len(layers) + 1, unet.get_submodule(name.rsplit(".processor", 1)[0]))
            )
    return layers


def build_ip_adapter(unet: Any, out: Path, seed: int = 0) -> Path:
    """The tiny adapter folder for ``unet`` (a loaded UNet2DConditionModel)."""
    import torch
    from safetensors.torch import save_file
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    embed = 32
    encoder = CLIPVisionModelWithProjection(
        CLIPVisionConfig(
            hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4,
            image_size=32, patch_size=8, projection_dim=embed,
        )
    )  # fmt: skip
    encoder.save_pretrained(str(out / ENCODER), safe_serialization=True)
    cross = unet.config.cross_attention_dim
    generator = torch.Generator().manual_seed(seed + 1)

    def rand(*shape: int, scale: float = 1.0) -> Any:
        return torch.randn(*shape, generator=generator) * scale / shape[-1] ** 0.5

    state = {
        "image_proj.proj.weight": rand(cross * TOKENS, embed, scale=4.0),
        "image_proj.proj.bias": torch.zeros(cross * TOKENS),
        "image_proj.norm.weight": torch.ones(cross),
        "image_proj.norm.bias": torch.zeros(cross),
    }
    for key_id, attn in adapter_layers(unet):
        hidden = attn.to_k.out_features
        state[f"ip_adapter.{key_id}.to_k_ip.weight"] = rand(hidden, cross, scale=2.0)
        state[f"ip_adapter.{key_id}.to_v_ip.weight"] = rand(hidden, cross, scale=2.0)
    save_file({k: v.contiguous() for k, v in state.items()}, str(out / WEIGHTS))
    return out
