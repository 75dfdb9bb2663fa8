"""A tiny random FLUX.1 Redux for a tiny FLUX.1 pipeline, in the published folder layout
(``FluxPriorReduxPipeline``: ``image_encoder/`` a SigLIP vision model, ``feature_extractor/``
its image processor, ``image_embedder/`` the ``ReduxImageEncoder`` that projects the picture's
features into T5's space): the folder F1 Studio's ``--ip-adapter`` takes for FLUX.1."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def build_redux(out: Path, text_dim: int, seed: int = 0) -> Path:
    """The tiny Redux folder for a FLUX.1 transformer whose T5 width is ``text_dim``."""
    import torch
    from diffusers import FluxPriorReduxPipeline
    from diffusers.pipelines.flux.modeling_flux import ReduxImageEncoder
    from transformers import SiglipImageProcessor, SiglipVisionConfig, SiglipVisionModel

    out = Path(out)
    torch.manual_seed(seed)
    encoder = SiglipVisionModel(
        SiglipVisionConfig(
            hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4,
            image_size=32, patch_size=8,
        )
    )  # fmt: skip
    processor = SiglipImageProcessor(size={"height": 32, "width": 32})
    embedder = ReduxImageEncoder(redux_dim=32, txt_in_features=text_dim)
    with torch.no_grad():  # random weights large enough that a picture visibly steers
        embedder.redux_down.weight.mul_(4.0)
    pipe: Any = FluxPriorReduxPipeline(
        image_encoder=encoder, feature_extractor=processor, image_embedder=embedder
    )
    pipe.save_pretrained(str(out), safe_serialization=True)
    return out
