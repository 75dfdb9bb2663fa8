"""The image encoders that reference pictures go through: CLIP vision models for IP-Adapters
(SD1.5, SDXL, the XLabs FLUX.1 adapter) and SigLIP for FLUX.1 Redux, from a transformers
folder (``config.json`` and weights) or from one ``.safetensors`` file as ComfyUI keeps them
in ``models/clip_vision`` (``CLIP-ViT-H-14-laion2B-s32B-b79K.safetensors``,
``clip_vision_g.safetensors``, ``sigclip_vision_patch14_384.safetensors``).

A single file holds transformers' own key names (``vision_model.*``, CLIP's
``visual_projection``), sometimes under a prefix; its configuration is read from the tensor
shapes (widths, depth, patch and picture size). Two things shapes do not say come from the
published models: 16 attention heads for the large encoders (ViT-L, ViT-H, ViT-bigG, SigLIP
so400m; 64-wide heads otherwise) and OpenAI's ViT-L's ``quick_gelu`` (the LAION ones use
``gelu``).

Where an adapter's encoder is: an ``image_encoder`` folder (or ``image_encoder.safetensors``)
beside the adapter; else, in a ComfyUI install (the adapter in ``models/ipadapter``), the one
file of ``models/clip_vision`` whose width is the one the adapter reads.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.model_files import read_safetensors_header

ENCODER_FOLDER = "image_encoder"
_LARGE_HEADS = {1024: 16, 1152: 16, 1280: 16, 1664: 16}
_ENCODERS: dict[tuple, tuple[Any, Any]] = {}  # (location, device, dtype) -> (model, processor)
_LAYER = re.compile(r"vision_model\.encoder\.layers\.(\d+)\.")


def _prefix(shapes: dict[str, list[int]]) -> str | None:
    """What comes before ``vision_model.`` in a single file's keys ("" for transformers' own)."""
    for key in shapes:
        at = key.find("vision_model.embeddings.patch_embedding.weight")
        if at >= 0:
            return key[:at]
    return None


def single_file_kind(shapes: dict[str, list[int]]) -> str | None:
    """ "clip" (with a projection), "siglip", or None when the tensors are no vision encoder."""
    prefix = _prefix(shapes)
    if prefix is None:
        return None
    if f"{prefix}visual_projection.weight" in shapes:
        return "clip"
    if f"{prefix}vision_model.post_layernorm.weight" in shapes and not any(
        k.startswith(f"{prefix}vision_model.pre_layrnorm.") for k in shapes
    ):
        return "siglip"
    return None


def encoder_config(shapes: dict[str, list[int]]) -> tuple[str, dict[str, Any]]:
    """(kind, transformers configuration keywords) of a single-file vision encoder."""
    kind = single_file_kind(shapes)
    if kind is None:
        raise EngineError(ErrorKind.MODEL_INVALID, "not a CLIP or SigLIP vision encoder")
    p = _prefix(shapes) or ""
    patch = shapes[f"{p}vision_model.embeddings.patch_embedding.weight"]
    hidden, patch_size = patch[0], patch[-1]
    positions = shapes[f"{p}vision_model.embeddings.position_embedding.weight"][0]
    grid = round((positions - (1 if kind == "clip" else 0)) ** 0.5)
    layers = 1 + max(int(m.group(1)) for k in shapes if (m := _LAYER.search(k)))
    config: dict[str, Any] = dict(
        hidden_size=hidden,
        intermediate_size=shapes[f"{p}vision_model.encoder.layers.0.mlp.fc1.weight"][0],
        num_hidden_layers=layers,
        num_attention_heads=_LARGE_HEADS.get(hidden, max(1, hidden // 64)),
        patch_size=patch_size,
        image_size=grid * patch_size,
    )
    if kind == "clip":
        config["projection_dim"] = shapes[f"{p}visual_projection.weight"][0]
        config["hidden_act"] = "quick_gelu" if hidden == 1024 else "gelu"
    else:  # SigLIP's attention-pooling head (Redux reads the last hidden states, not it)
        config["vision_use_head"] = any(k.startswith(f"{p}vision_model.head.") for k in shapes)
    return kind, config


def _fits(location: Path, kind: str, width: int | None, hidden: bool) -> bool:
    """Whether the single file ``location`` is a ``kind`` encoder giving ``width`` features
    (its projection, or with ``hidden`` its hidden states; any width when None)."""
    try:
        found, config = encoder_config(read_safetensors_header(location))
    except EngineError:
        return False
    wide = config.get("hidden_size" if hidden or kind == "siglip" else "projection_dim")
    return found == kind and (width is None or wide == width)


def _what_needs(kind: str, model: str) -> str:
    encoder = "CLIP vision" if kind == "clip" else "SigLIP"
    return f"the {model} needs its {encoder} image encoder"


def find_encoder(
    model: Path, kind: str = "clip", *, width: int | None = None, hidden: bool = False
) -> Path:
    """The image encoder of the single-file adapter ``model``: an ``image_encoder`` folder or
    ``image_encoder.safetensors`` beside it, else in a ComfyUI install the ``models/clip_vision``
    file of that ``kind`` ("clip" or "siglip") and ``width`` (when known); one line when none."""
    beside = model.parent / ENCODER_FOLDER
    if (beside / "config.json").is_file():
        return beside
    if beside.with_suffix(".safetensors").is_file():
        return beside.with_suffix(".safetensors")
    name = f"the IP-Adapter {model.name}" if kind == "clip" else f"FLUX.1 Redux {model.name}"
    shelf = model.parent.parent / "clip_vision"
    files = sorted(shelf.glob("*.safetensors")) if shelf.is_dir() else []
    fits = [f for f in files if _fits(f, kind, width, hidden)]
    if fits:
        return fits[0]
    if files and width is not None:
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{_what_needs(kind, name)} of {width}-wide features and none in {shelf} gives "
            "them: add the encoder it was made with",
        )
    raise EngineError(
        ErrorKind.MODEL_INVALID,
        f"{_what_needs(kind, name)}: put it in {beside} (or, in a ComfyUI install, in "
        "models/clip_vision)",
    )


def _load_single_file(location: Path, dtype: Any) -> Any:
    """A CLIPVisionModelWithProjection or SiglipVisionModel from one ``.safetensors`` file."""
    from safetensors.torch import load_file
    from transformers import (
        CLIPVisionConfig,
        CLIPVisionModelWithProjection,
        SiglipVisionConfig,
        SiglipVisionModel,
    )

    shapes = read_safetensors_header(location)
    kind, config = encoder_config(shapes)
    prefix = _prefix(shapes) or ""
    state = {
        k[len(prefix) :]: v for k, v in load_file(str(location)).items() if k.startswith(prefix)
    }
    model: Any
    if kind == "clip":
        model = CLIPVisionModelWithProjection(CLIPVisionConfig(**config))
    else:
        model = SiglipVisionModel(SiglipVisionConfig(**config))
    if not any(k.startswith("vision_model.") for k in model.state_dict()):
        # transformers 5's SigLIP vision model holds its layers itself (files name them under
        # vision_model., as its from_pretrained reads them)
        state = {k.removeprefix("vision_model."): v for k, v in state.items()}
    state = {k: v for k, v in state.items() if not k.endswith("position_ids")}
    missing, _ = model.load_state_dict(state, strict=False)
    wanted = [k for k in missing if not k.endswith("position_ids")]
    if wanted:
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{location.name} is an incomplete vision encoder (no {wanted[0]})",
        )
    return model.to(dtype=dtype).eval()


def load_vision_model(location: Path, dtype: Any, siglip: bool = False) -> Any:
    """The vision encoder at ``location`` (a transformers folder or a single file), in
    ``dtype``; one line when it cannot be read."""
    import torch

    try:
        with torch.inference_mode(False):  # weights usable outside inference mode later
            if not location.is_dir():
                return _load_single_file(location, dtype)
            from transformers import CLIPVisionModelWithProjection, SiglipVisionModel

            cls: Any = SiglipVisionModel if siglip else CLIPVisionModelWithProjection
            return cls.from_pretrained(str(location), torch_dtype=dtype)
    except EngineError:
        raise
    except Exception as e:  # noqa: BLE001 - a damaged encoder is one line
        first = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
        raise EngineError(
            ErrorKind.MODEL_INVALID, f"could not load the image encoder {location.name}: {first}"
        ) from e


def load_clip_vision(location: Path, device: Any, dtype: Any) -> tuple[Any, Any]:
    """(CLIPVisionModelWithProjection, CLIPImageProcessor) of a folder or a single file, kept
    loaded (one at a time): the processor is the one diffusers' IP-Adapter loaders make (the
    encoder's picture size, resized and centre-cropped)."""
    key = (str(location.resolve()), str(device), str(dtype))
    if key not in _ENCODERS:
        from transformers import CLIPImageProcessor

        _ENCODERS.clear()
        model = load_vision_model(location, dtype)
        size = model.config.image_size
        processor = CLIPImageProcessor(size=size, crop_size=size)
        _ENCODERS[key] = (model.to(device), processor)
    return _ENCODERS[key]


def clip_embeds(location: Path, picture: np.ndarray, device: Any, dtype: Any) -> Any:
    """The projected CLIP image embedding (1, width) of ``picture`` (RGB or RGBA uint8)."""
    import torch
    from PIL import Image

    model, processor = load_clip_vision(location, device, dtype)
    rgb = picture[:, :, :3] if picture.ndim == 3 else picture
    pixels = processor(Image.fromarray(rgb).convert("RGB"), return_tensors="pt").pixel_values
    with torch.no_grad():
        return model(pixels.to(device=device, dtype=model.dtype)).image_embeds
