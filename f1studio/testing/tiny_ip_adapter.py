"""A tiny random IP-Adapter for a tiny SD1.5 or SDXL pipeline, in the published layout.

Writes ``OUT/ip-adapter.safetensors`` (``image_proj.proj`` / ``image_proj.norm``, or for the
"plus" variant the resampler: ``image_proj.latents``, ``proj_in``, ``proj_out``, ``norm_out``
and ``layers.{i}.0`` attention / ``layers.{i}.1`` feed-forward blocks; and one
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
PLUS_TOKENS = 16  # the "plus" resampler's queries
PLUS_WIDTH, PLUS_DEPTH = 64, 4  # the resampler's width (one 64-wide head) and blocks


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


def tiny_clip_vision(seed: int, hidden: int = 32, heads: int = 4, projection: int = 32) -> Any:
    """A tiny random CLIP vision encoder with projection (32x32 pictures, 8x8 patches)."""
    import torch
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(seed)
    config = CLIPVisionConfig(
        hidden_size=hidden, intermediate_size=37, num_hidden_layers=2, num_attention_heads=heads,
        image_size=32, patch_size=8, projection_dim=projection, hidden_act="gelu",
    )  # fmt: skip
    return CLIPVisionModelWithProjection(config)


def save_single_file(model: Any, path: Path, prefix: str = "") -> Path:
    """``model``'s weights as one ``.safetensors`` file (transformers' key names)."""
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    state = {f"{prefix}{k}": v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(path))
    return path


def _plus_projection(state: dict[str, Any], rand: Any, embed: int, cross: int) -> None:
    """The "plus" variant's resampler, under the published names, into ``state``."""
    import torch

    width = PLUS_WIDTH
    state["image_proj.latents"] = rand(1, PLUS_TOKENS, width, scale=width**0.5)
    state["image_proj.proj_in.weight"] = rand(width, embed, scale=2.0)
    state["image_proj.proj_in.bias"] = torch.zeros(width)
    state["image_proj.proj_out.weight"] = rand(cross, width, scale=4.0)
    state["image_proj.proj_out.bias"] = torch.zeros(cross)
    state["image_proj.norm_out.weight"] = torch.ones(cross)
    state["image_proj.norm_out.bias"] = torch.zeros(cross)
    for i in range(PLUS_DEPTH):
        block = f"image_proj.layers.{i}"
        for norm in (f"{block}.0.norm1", f"{block}.0.norm2", f"{block}.1.0"):
            state[f"{norm}.weight"] = torch.ones(width)
            state[f"{norm}.bias"] = torch.zeros(width)
        state[f"{block}.0.to_q.weight"] = rand(width, width)
        state[f"{block}.0.to_kv.weight"] = rand(2 * width, width)
        state[f"{block}.0.to_out.weight"] = rand(width, width)
        state[f"{block}.1.1.weight"] = rand(4 * width, width)
        state[f"{block}.1.3.weight"] = rand(width, 4 * width)


def build_ip_adapter(
    unet: Any, out: Path, seed: int = 0, plus: bool = False, encoder_file: Path | None = None
) -> Path:
    """The tiny adapter folder for ``unet`` (a loaded UNet2DConditionModel); ``plus`` writes
    the "plus" variant (a resampler over the encoder's hidden states, 16 image tokens). With
    ``encoder_file`` the encoder goes there as one file (64 wide, one attention head, 48-wide
    projection: the widths a single file's configuration is read back with), not beside."""
    import torch
    from safetensors.torch import save_file
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    embed = 32
    if encoder_file is not None:
        embed = 48
        encoder = tiny_clip_vision(seed, 64, 1, embed)
        save_single_file(encoder, encoder_file)
    else:
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

    state: dict[str, Any] = {}
    if plus:
        _plus_projection(state, rand, encoder.config.hidden_size, cross)
    else:
        state["image_proj.proj.weight"] = rand(cross * TOKENS, embed, scale=4.0)
        state["image_proj.proj.bias"] = torch.zeros(cross * TOKENS)
        state["image_proj.norm.weight"] = torch.ones(cross)
        state["image_proj.norm.bias"] = torch.zeros(cross)
    for key_id, attn in adapter_layers(unet):
        hidden = attn.to_k.out_features
        state[f"ip_adapter.{key_id}.to_k_ip.weight"] = rand(hidden, cross, scale=2.0)
        state[f"ip_adapter.{key_id}.to_v_ip.weight"] = rand(hidden, cross, scale=2.0)
    save_file({k: v.contiguous() for k, v in state.items()}, str(out / WEIGHTS))
    return out
