"""Write diffusers SD1.5 models back into the original single-file checkpoint layout.

Model sites distribute Stable Diffusion 1.5 as one ``.safetensors`` file in the layout of the
original (LDM) code: ``model.diffusion_model.*`` (UNet), ``first_stage_model.*`` (VAE) and
``cond_stage_model.transformer.*`` (CLIP text encoder); ControlNets as ``control_model.*``. The
tests need such files without a network, so this module converts our tiny diffusers models into
that layout -- the inverse of the conversion diffusers' ``from_single_file`` performs.

    python -m f1studio.testing.single_file PIPELINE_DIR OUT.safetensors
    python -m f1studio.testing.single_file --controlnet CONTROLNET_DIR OUT.safetensors

Block counts come from the models' configs, so any SD1.5-shaped UNet/VAE converts, tiny or real.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

UNET_PREFIX = "model.diffusion_model."
VAE_PREFIX = "first_stage_model."
CLIP_PREFIX = "cond_stage_model.transformer."
CONTROLNET_PREFIX = "control_model."

# Sub-module names inside a UNet/ControlNet ResNet block: diffusers -> original.
_UNET_RESNET = {
    "norm1": "in_layers.0",
    "conv1": "in_layers.2",
    "norm2": "out_layers.0",
    "conv2": "out_layers.3",
    "time_emb_proj": "emb_layers.1",
    "conv_shortcut": "skip_connection",
}
# ... inside a VAE ResNet block (only the shortcut is named differently).
_VAE_RESNET = {"conv_shortcut": "nin_shortcut"}
# ... inside the VAE mid-block attention (whose linear layers are 1x1 convolutions originally).
_VAE_ATTENTION = {
    "group_norm": "norm",
    "to_q": "q",
    "to_k": "k",
    "to_v": "v",
    "to_out.0": "proj_out",
}

# How the rest of a key (after its block prefix) is renamed.
_SAME, _UNET_RES, _VAE_RES, _VAE_ATTN = "same", "unet-resnet", "vae-resnet", "vae-attention"


def _layers_per_block(config: Mapping[str, Any]) -> int:
    layers = config["layers_per_block"]
    if not isinstance(layers, int):
        if len(set(layers)) != 1:
            raise ValueError("the original layout needs the same layers_per_block for every block")
        layers = layers[0]
    return int(layers)


def _down_prefixes(config: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """The down path and middle block, shared by the UNet and the ControlNet.

    The original numbers ``input_blocks`` flat: 0 is conv_in, then per resolution level
    ``layers`` (ResNet, attention) pairs followed by one downsampler (not after the last level).
    """
    layers = _layers_per_block(config)
    prefixes: dict[str, tuple[str, str]] = {
        "time_embedding.linear_1.": ("time_embed.0.", _SAME),
        "time_embedding.linear_2.": ("time_embed.2.", _SAME),
        "conv_in.": ("input_blocks.0.0.", _SAME),
    }
    for level in range(len(config["down_block_types"])):
        first = 1 + level * (layers + 1)
        for layer in range(layers):
            index = first + layer
            prefixes[f"down_blocks.{level}.resnets.{layer}."] = (
                f"input_blocks.{index}.0.",
                _UNET_RES,
            )
            prefixes[f"down_blocks.{level}.attentions.{layer}."] = (
                f"input_blocks.{index}.1.",
                _SAME,
            )
        prefixes[f"down_blocks.{level}.downsamplers.0.conv."] = (
            f"input_blocks.{first + layers}.0.op.",
            _SAME,
        )
    prefixes["mid_block.resnets.0."] = ("middle_block.0.", _UNET_RES)
    prefixes["mid_block.attentions.0."] = ("middle_block.1.", _SAME)
    prefixes["mid_block.resnets.1."] = ("middle_block.2.", _UNET_RES)
    return prefixes


def _unet_prefixes(config: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """UNet: the down path plus ``output_blocks`` (``layers + 1`` per level, the upsampler is the
    last module of a level's last output block) and the output head."""
    layers = _layers_per_block(config)
    prefixes = _down_prefixes(config)
    for level, block_type in enumerate(config["up_block_types"]):
        first = level * (layers + 1)
        for layer in range(layers + 1):
            index = first + layer
            prefixes[f"up_blocks.{level}.resnets.{layer}."] = (
                f"output_blocks.{index}.0.",
                _UNET_RES,
            )
            prefixes[f"up_blocks.{level}.attentions.{layer}."] = (
                f"output_blocks.{index}.1.",
                _SAME,
            )
        slot = 2 if "Attn" in block_type else 1  # after the attention, if the level has one
        prefixes[f"up_blocks.{level}.upsamplers.0.conv."] = (
            f"output_blocks.{first + layers}.{slot}.conv.",
            _SAME,
        )
    prefixes["conv_norm_out."] = ("out.0.", _SAME)
    prefixes["conv_out."] = ("out.2.", _SAME)
    return prefixes


def _controlnet_prefixes(config: Mapping[str, Any], state: Mapping[str, Any]) -> dict:
    """ControlNet: the down path plus zero convs, the middle output and the hint encoder."""
    prefixes = _down_prefixes(config)
    zero_convs = {k.split(".")[1] for k in state if k.startswith("controlnet_down_blocks.")}
    for index in sorted(zero_convs, key=int):
        prefixes[f"controlnet_down_blocks.{index}."] = (f"zero_convs.{index}.0.", _SAME)
    prefixes["controlnet_mid_block."] = ("middle_block_out.0.", _SAME)
    # The hint encoder is one nn.Sequential: conv, SiLU, conv, SiLU, ..., conv.
    hint_blocks = {
        k.split(".")[2] for k in state if k.startswith("controlnet_cond_embedding.blocks.")
    }
    prefixes["controlnet_cond_embedding.conv_in."] = ("input_hint_block.0.", _SAME)
    for index in sorted(hint_blocks, key=int):
        prefixes[f"controlnet_cond_embedding.blocks.{index}."] = (
            f"input_hint_block.{2 * int(index) + 2}.",
            _SAME,
        )
    prefixes["controlnet_cond_embedding.conv_out."] = (
        f"input_hint_block.{2 * len(hint_blocks) + 2}.",
        _SAME,
    )
    return prefixes


def _vae_prefixes(config: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """VAE: the original numbers decoder levels from the lowest resolution up, diffusers the
    other way round."""
    layers = _layers_per_block(config)
    prefixes: dict[str, tuple[str, str]] = {}
    for part in ("encoder", "decoder"):
        prefixes[f"{part}.conv_in."] = (f"{part}.conv_in.", _SAME)
        prefixes[f"{part}.conv_out."] = (f"{part}.conv_out.", _SAME)
        prefixes[f"{part}.conv_norm_out."] = (f"{part}.norm_out.", _SAME)
        prefixes[f"{part}.mid_block.resnets.0."] = (f"{part}.mid.block_1.", _VAE_RES)
        prefixes[f"{part}.mid_block.resnets.1."] = (f"{part}.mid.block_2.", _VAE_RES)
        prefixes[f"{part}.mid_block.attentions.0."] = (f"{part}.mid.attn_1.", _VAE_ATTN)
    for level in range(len(config["down_block_types"])):
        for layer in range(layers):
            prefixes[f"encoder.down_blocks.{level}.resnets.{layer}."] = (
                f"encoder.down.{level}.block.{layer}.",
                _VAE_RES,
            )
        prefixes[f"encoder.down_blocks.{level}.downsamplers.0.conv."] = (
            f"encoder.down.{level}.downsample.conv.",
            _SAME,
        )
    levels = len(config["up_block_types"])
    for level in range(levels):
        original = levels - 1 - level
        for layer in range(layers + 1):
            prefixes[f"decoder.up_blocks.{level}.resnets.{layer}."] = (
                f"decoder.up.{original}.block.{layer}.",
                _VAE_RES,
            )
        prefixes[f"decoder.up_blocks.{level}.upsamplers.0.conv."] = (
            f"decoder.up.{original}.upsample.conv.",
            _SAME,
        )
    for name in ("quant_conv.", "post_quant_conv."):
        prefixes[name] = (name, _SAME)
    return prefixes


def _rename_rest(rest: str, how: str) -> str:
    table = {_UNET_RES: _UNET_RESNET, _VAE_RES: _VAE_RESNET, _VAE_ATTN: _VAE_ATTENTION}.get(how)
    if not table:
        return rest
    for new, old in table.items():
        if rest.startswith(new + "."):
            return old + rest[len(new) :]
    return rest


def _convert(state: Mapping[str, Any], prefixes: dict[str, tuple[str, str]], what: str) -> dict:
    # Longest prefix first, so "mid_block.resnets.1." never matches a shorter look-alike.
    ordered = sorted(prefixes.items(), key=lambda item: len(item[0]), reverse=True)
    out: dict[str, Any] = {}
    for key, tensor in state.items():
        for new, (old, how) in ordered:
            if key.startswith(new):
                name = old + _rename_rest(key[len(new) :], how)
                if how == _VAE_ATTN and name.endswith(".weight") and tensor.ndim == 2:
                    tensor = tensor[:, :, None, None]  # linear -> the original 1x1 convolution
                break
        else:
            raise ValueError(f"{what}: no original-layout name for {key!r}")
        if name in out:
            raise ValueError(f"{what}: two tensors map to {name!r}")
        out[name] = tensor.contiguous()
    return out


def unet_to_original(state: Mapping[str, Any], config: Mapping[str, Any]) -> dict:
    """A diffusers UNet2DConditionModel state dict in the original names (no prefix)."""
    return _convert(state, _unet_prefixes(config), "UNet")


def vae_to_original(state: Mapping[str, Any], config: Mapping[str, Any]) -> dict:
    """A diffusers AutoencoderKL state dict in the original names (no prefix)."""
    return _convert(state, _vae_prefixes(config), "VAE")


def clip_to_original(state: Mapping[str, Any]) -> dict:
    """A transformers CLIPTextModel state dict as the original stores it (``text_model.*``).

    Newer transformers drop the ``text_model.`` level; the original layout always has it.
    Buffers such as ``position_ids`` are left out (they are rebuilt on load).
    """
    out: dict[str, Any] = {}
    for key, tensor in state.items():
        if key.endswith("position_ids"):
            continue
        name = key if key.startswith("text_model.") else "text_model." + key
        out[name] = tensor.contiguous()
    return out


def controlnet_to_original(state: Mapping[str, Any], config: Mapping[str, Any]) -> dict:
    """A diffusers ControlNetModel state dict in the original names (no prefix)."""
    return _convert(state, _controlnet_prefixes(config, state), "ControlNet")


def _save(tensors: dict, out_file: Path | str, metadata: dict[str, str]) -> Path:
    from safetensors.torch import save_file

    out = Path(out_file)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(out), metadata={"format": "pt", **metadata})
    return out


def write_single_file_sd15(pipeline_dir: Path | str, out_file: Path | str) -> Path:
    """Convert a diffusers SD1.5 pipeline folder (UNet, VAE, CLIP text encoder) into one
    original-layout ``.safetensors`` checkpoint at ``out_file``; returns its path."""
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextModel

    folder = Path(pipeline_dir)
    unet = UNet2DConditionModel.from_pretrained(str(folder / "unet"))
    vae = AutoencoderKL.from_pretrained(str(folder / "vae"))
    text_encoder = CLIPTextModel.from_pretrained(str(folder / "text_encoder"))
    tensors: dict[str, Any] = {}
    for name, tensor in unet_to_original(unet.state_dict(), unet.config).items():
        tensors[UNET_PREFIX + name] = tensor
    for name, tensor in vae_to_original(vae.state_dict(), vae.config).items():
        tensors[VAE_PREFIX + name] = tensor
    for name, tensor in clip_to_original(text_encoder.state_dict()).items():
        tensors[CLIP_PREFIX + name] = tensor
    return _save(tensors, out_file, {"source": "f1studio.testing.single_file"})


def write_single_file_controlnet(controlnet_dir: Path | str, out_file: Path | str) -> Path:
    """Convert a diffusers ControlNet folder into one original-layout ``control_model.*``
    ``.safetensors`` file at ``out_file``; returns its path."""
    from diffusers import ControlNetModel

    cn = ControlNetModel.from_pretrained(str(controlnet_dir))
    tensors = {
        CONTROLNET_PREFIX + name: tensor
        for name, tensor in controlnet_to_original(cn.state_dict(), cn.config).items()
    }
    return _save(tensors, out_file, {"source": "f1studio.testing.single_file"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m f1studio.testing.single_file",
        description="Write a diffusers SD1.5 pipeline (or ControlNet) as an original-layout "
        "single .safetensors checkpoint.",
    )
    parser.add_argument("source", type=Path, help="a diffusers pipeline (or ControlNet) folder")
    parser.add_argument("out", type=Path, help="the .safetensors file to write")
    parser.add_argument("--controlnet", action="store_true", help="the source is a ControlNet")
    args = parser.parse_args(argv)
    write = write_single_file_controlnet if args.controlnet else write_single_file_sd15
    print(write(args.source, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
