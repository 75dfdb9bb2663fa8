"""A tiny random FLUX.1 Redux for a tiny FLUX.1 pipeline, in the published folder layout
(``FluxPriorReduxPipeline``: ``image_encoder/`` a SigLIP vision model, ``feature_extractor/``
its image processor, ``image_embedder/`` the ``ReduxImageEncoder`` that projects the picture's
features into T5's space): the folder F1 Studio's ``--ip-adapter`` takes for FLUX.1. With
``comfyui`` (a ComfyUI ``models`` folder) the same weights also go there as ComfyUI keeps
them: ``style_models/flux1-redux-dev.safetensors`` (``redux_up`` / ``redux_down``) and
``clip_vision/sigclip_vision_patch14_384.safetensors`` (transformers' SigLIP key names)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

REDUX_FILE = "style_models/flux1-redux-dev.safetensors"
SIGLIP_FILE = "clip_vision/sigclip_vision_patch14_384.safetensors"


def build_redux(out: Path, text_dim: int, seed: int = 0, comfyui: Path | None = None) -> Path:
    """The tiny Redux folder for a FLUX.1 transformer whose T5 width is ``text_dim`` (and,
    with ``comfyui``, its single files there: then the encoder is 64 wide with one attention
    head, the widths a single file's configuration is read back with)."""
    import torch
    from diffusers import FluxPriorReduxPipeline
    from diffusers.pipelines.flux.modeling_flux import ReduxImageEncoder
    from transformers import SiglipImageProcessor, SiglipVisionConfig, SiglipVisionModel

    out = Path(out)
    torch.manual_seed(seed)
    hidden, heads = (32, 4) if comfyui is None else (64, 1)
    encoder = SiglipVisionModel(
        SiglipVisionConfig(
            hidden_size=hidden, intermediate_size=37, num_hidden_layers=2,
            num_attention_heads=heads, image_size=32, patch_size=8,
        )
    )  # fmt: skip
    processor = SiglipImageProcessor(size={"height": 32, "width": 32})
    embedder = ReduxImageEncoder(redux_dim=hidden, txt_in_features=text_dim)
    with torch.no_grad():  # random weights large enough that a picture visibly steers
        embedder.redux_down.weight.mul_(4.0)
    pipe: Any = FluxPriorReduxPipeline(
        image_encoder=encoder, feature_extractor=processor, image_embedder=embedder
    )
    pipe.save_pretrained(str(out), safe_serialization=True)
    if comfyui is not None:
        from f1studio.testing.tiny_ip_adapter import save_single_file

        save_single_file(embedder, comfyui / REDUX_FILE)
        # the published key names (vision_model.*), whatever transformers calls them inside
        inner = any(k.startswith("vision_model.") for k in encoder.state_dict())
        save_single_file(encoder, comfyui / SIGLIP_FILE, "" if inner else "vision_model.")
    return out
