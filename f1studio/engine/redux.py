"""Reference pictures that steer FLUX.1 renders: FLUX.1 Redux.

Redux turns a picture into tokens in T5's space (a SigLIP vision model, then diffusers'
``ReduxImageEncoder``) that join the prompt's tokens, as ``FluxPriorReduxPipeline`` makes them.
The folder is the published one (``model_index.json`` of ``FluxPriorReduxPipeline`` with
``image_encoder/``, ``feature_extractor/``, ``image_embedder/``), or ComfyUI's single file
(``models/style_models/flux1-redux-dev.safetensors``: the embedder's ``redux_up`` /
``redux_down``) with its SigLIP encoder as a single file in ``models/clip_vision`` (or an
``image_encoder`` beside it; the picture processing is the published folder's: resized to the
encoder's size, scaled to -1..1); it is what the per-user IP-Adapter setting names for FLUX.1.

The picture's tokens lead the text (every text token sits at the same rotary position, so the
order of text tokens does not change what the image tokens see) and are scaled by the
reference's weight in its step range; outside the range they are left out. A reference limited
to a region is a chunk of the joint-attention layout (:mod:`f1studio.engine.regional_flux`):
its tokens attend with that region's image tokens only, and only those see them. Redux has no
per-block reach, so *style*, *subject* and *composition* act alike on FLUX.1.

The prior is kept loaded per folder and each picture's tokens per picture and folder, so a
slider moved or a live stroke does not encode the picture again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.model_files import read_safetensors_header
from f1studio.engine.request import GenerationRequest, ReferenceSpec
from f1studio.engine.vision_encoders import find_encoder, load_vision_model

_PRIOR: dict[tuple, Any] = {}  # (folder, device, dtype) -> FluxPriorReduxPipeline (one kept)
_TOKENS: dict[tuple, Any] = {}  # (picture digest, folder, device, dtype) -> (1, N, D) tokens
_KEEP_TOKENS = 16


def is_redux_file(path: Path) -> bool:
    """A single ``.safetensors`` file of the Redux image embedder (ComfyUI's style model)."""
    if not path.is_file() or path.suffix.lower() != ".safetensors":
        return False
    keys = read_safetensors_header(path)
    return any(k.startswith("redux_up.") for k in keys) and any(
        k.startswith("redux_down.") for k in keys
    )


def redux_folder(ref: str) -> Path:
    """The Redux folder or single file ``ref`` names, checked (one line when it is something
    else)."""
    path = Path(ref).expanduser()
    if is_redux_file(path):
        return path
    index = path / "model_index.json"
    if not index.is_file():
        raise EngineError(
            ErrorKind.MODEL_NOT_FOUND,
            f"reference pictures on FLUX.1 need FLUX.1 Redux (a folder like "
            f"black-forest-labs/FLUX.1-Redux-dev, or flux1-redux-dev.safetensors) or the XLabs "
            f"FLUX.1 IP-Adapter; {path} is neither",
        )
    try:
        kind = json.loads(index.read_text("utf-8")).get("_class_name")
    except (OSError, ValueError):
        kind = None
    if kind != "FluxPriorReduxPipeline":
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{path.name} is a {kind or 'unknown'} folder, not FLUX.1 Redux: FLUX.1 reference "
            "pictures need a Redux model (an SD1.5/SDXL IP-Adapter does not fit FLUX.1)",
        )
    return path


def _prior_of_file(file: Path, dtype: Any) -> Any:
    """A FluxPriorReduxPipeline of a single-file embedder and its SigLIP encoder."""
    import torch
    from diffusers import FluxPriorReduxPipeline
    from diffusers.pipelines.flux.modeling_flux import ReduxImageEncoder
    from safetensors.torch import load_file
    from transformers import SiglipImageProcessor

    encoder = load_vision_model(find_encoder(file, "siglip"), dtype, siglip=True)
    state = load_file(str(file))
    up = state["redux_up.weight"]
    with torch.inference_mode(False):
        embedder = ReduxImageEncoder(redux_dim=up.shape[1], txt_in_features=up.shape[0] // 3)
        embedder.load_state_dict(state)
    size = encoder.config.image_size
    processor = SiglipImageProcessor(size={"height": size, "width": size})
    prior: Any = FluxPriorReduxPipeline(
        image_encoder=encoder, feature_extractor=processor, image_embedder=embedder.to(dtype)
    )
    return prior


def _prior(folder: Path, device: Any, dtype: Any) -> Any:
    key = (str(folder.resolve()), str(device), str(dtype))
    if key not in _PRIOR:
        from diffusers import FluxPriorReduxPipeline

        _PRIOR.clear()  # one kept: the SigLIP encoder is large
        try:
            if folder.is_file():
                prior = _prior_of_file(folder, dtype)
            else:
                prior = FluxPriorReduxPipeline.from_pretrained(
                    str(folder), torch_dtype=dtype, use_safetensors=True
                )
        except EngineError:
            raise
        except Exception as e:  # noqa: BLE001 - a damaged folder is one line
            first = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
            raise EngineError(
                ErrorKind.MODEL_INVALID, f"could not load FLUX.1 Redux {folder.name}: {first}"
            ) from e
        _PRIOR[key] = prior.to(device)
    return _PRIOR[key]


def picture_tokens(folder: Path, picture: np.ndarray, device: Any, dtype: Any) -> Any:
    """The Redux tokens (1, N, T5 width) of ``picture`` (RGB or RGBA uint8), kept per picture."""
    import torch
    from PIL import Image

    digest = hashlib.sha1(np.ascontiguousarray(picture).tobytes()).hexdigest()
    key = (digest, picture.shape, str(folder.resolve()), str(device), str(dtype))
    if key not in _TOKENS:
        prior = _prior(folder, device, dtype)
        rgb = picture[:, :, :3] if picture.ndim == 3 else picture
        with torch.no_grad():
            hidden = prior.encode_image(Image.fromarray(rgb).convert("RGB"), device, 1)
            tokens = prior.image_embedder(hidden).image_embeds
        while len(_TOKENS) >= _KEEP_TOKENS:
            _TOKENS.pop(next(iter(_TOKENS)))
        _TOKENS[key] = tokens.to(device=device, dtype=dtype)
    return _TOKENS[key]


@dataclass
class Redux:
    """The request's Redux references on one render: their tokens and, per step, the text and
    joint-attention layout they make with the prompt."""

    specs: list[ReferenceSpec]
    tokens: list[Any]  # per reference (1, N, D)
    image_tokens: tuple[int, int]  # the packed latent grid
    device: Any
    _layouts: dict[tuple, Any] = field(default_factory=dict)

    def _mask_weights(self, spec: ReferenceSpec) -> np.ndarray:
        """The reference's share of each image token (area-averaged region mask), or ones."""
        import cv2

        h, w = self.image_tokens
        if spec.mask is None:
            return np.ones(h * w, np.float32)
        mask = spec.mask.array().astype(np.float32) / 255.0
        return cv2.resize(mask, (w, h), interpolation=cv2.INTER_AREA).reshape(-1)

    def at(self, step: int, total: int, embeds: Any, text_ids: Any, layout: Any) -> tuple:
        """(text embeddings, text ids, joint layout or None) for step ``step`` of ``total``:
        the active references' scaled tokens lead the prompt's ``embeds``."""
        import torch

        from f1studio.engine.regional_flux import JointLayout

        scales = [spec.scale_at(step, total) for spec in self.specs]
        active = tuple(i for i, s in enumerate(scales) if s > 0)
        if not active:
            return embeds, text_ids, layout
        parts = [self.tokens[i] * scales[i] for i in active]
        joined = torch.cat([*(p.to(embeds.dtype) for p in parts), embeds], dim=1)
        extra = sum(p.shape[1] for p in parts)
        ids = torch.cat([text_ids.new_zeros(extra, text_ids.shape[-1]), text_ids], dim=0)
        limited = any(self.specs[i].mask is not None for i in active)
        if layout is None and not limited:
            return joined, ids, None
        if active not in self._layouts:
            h, w = self.image_tokens
            if layout is None:  # the plain prompt: one chunk that covers every image token
                lengths, weights = [embeds.shape[1]], np.ones((1, h * w), np.float32)
            else:
                lengths, weights = list(layout.chunk_lengths), layout.weights
            own = np.stack([self._mask_weights(self.specs[i]) for i in active])
            self._layouts[active] = JointLayout(
                [self.tokens[i].shape[1] for i in active] + lengths,
                np.concatenate([own, weights]).astype(np.float32),
                self.device,
                embeds.dtype,
            )
        return joined, ids, self._layouts[active]


def prepare_redux(
    request: GenerationRequest, device: Any, dtype: Any, image_tokens: tuple[int, int]
) -> Redux | None:
    """The request's FLUX.1 references (weight > 0) with their tokens, or None."""
    specs = [
        # a region that covers the whole canvas limits nothing: the plain (unmasked) attention
        replace(r, mask=None) if r.mask is not None and int(r.mask.array().min()) == 255 else r
        for r in request.references
        if r.weight > 0
    ]
    if not specs:
        return None
    assert request.ip_adapter is not None  # the request checks it
    folder = redux_folder(request.ip_adapter)
    tokens = [picture_tokens(folder, spec.image.array(), device, dtype) for spec in specs]
    return Redux(specs, tokens, image_tokens, device)
