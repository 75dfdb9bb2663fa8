"""Reference pictures that steer a render through the IP-Adapter (SD1.5 and SDXL; FLUX.1's
are in :mod:`f1studio.engine.redux`).

The adapter is loaded through diffusers' ``load_ip_adapter``: once per reference (diffusers
keeps one set of image-attention weights per adapter, so several references are several
copies of one adapter), and unloaded when a job has none, which puts the UNet's own processors
back. Each reference's image embeddings come from diffusers' ``prepare_ip_adapter_image_embeds``
(so a render equals the pipeline's) and are kept per picture and adapter, so a slider moved or
a stroke in live mode does not encode the picture again.

Per step each adapter's scale is its reference's weight inside its step range (0 outside),
and its ``use`` picks the blocks it reaches: ``subject`` every cross-attention layer,
``style`` the decoder's (up blocks), ``composition`` the encoder's (down blocks and the middle).
"""

from __future__ import annotations

import hashlib
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.model_files import read_safetensors_header
from f1studio.engine.request import GenerationRequest, ReferenceSpec
from f1studio.engine.vision_encoders import find_encoder, load_vision_model

# per pipeline: (adapter file, copies loaded); and image embeddings by (picture, adapter, cfg)
_LOADED: weakref.WeakKeyDictionary[Any, tuple[str, int]] = weakref.WeakKeyDictionary()
_EMBEDS: weakref.WeakKeyDictionary[Any, dict[tuple, Any]] = weakref.WeakKeyDictionary()
_KEEP_EMBEDS = 16
# per pipeline: its image encoder while no reference is used (location, encoder, processor)
_ENCODERS: weakref.WeakKeyDictionary[Any, tuple[str, Any, Any]] = weakref.WeakKeyDictionary()
_STATES: dict[tuple, dict[str, dict[str, Any]]] = {}


def adapter_file(ref: str) -> Path:
    """The adapter's weights: ``ref`` itself, or the one ``.safetensors`` in the folder."""
    path = Path(ref).expanduser()
    if path.is_file():
        return path
    if not path.is_dir():
        raise EngineError(ErrorKind.MODEL_NOT_FOUND, f"IP-Adapter not found: {path}")
    files = sorted(path.glob("*.safetensors"))
    if len(files) != 1:
        what = "no" if not files else "several"
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{path.name} has {what} .safetensors adapter files: name the one to use",
        )
    return files[0]


def _reach(use: str, layer: str) -> float:
    if use == "style":
        return 1.0 if layer.startswith("up_blocks") else 0.0
    if use == "composition":
        return 0.0 if layer.startswith("up_blocks") else 1.0
    return 1.0


@dataclass
class References:
    specs: list[ReferenceSpec]
    embeds: list[Any]  # per reference, [negative, positive] with CFG
    processors: list[tuple[str, Any]]  # (layer, its IP-Adapter attention processor)
    latent_size: tuple[int, int] = (0, 0)
    device: Any = None

    def added(self, base: dict | None) -> dict:
        """The UNet's ``added_cond_kwargs`` with the references' image embeddings."""
        return {**(base or {}), "image_embeds": self.embeds}

    @property
    def limited(self) -> bool:
        """Some reference steers only inside a region."""
        return any(spec.mask is not None for spec in self.specs)

    def diffusers_masks(self, dtype: Any) -> list[Any]:
        """``ip_adapter_masks`` for diffusers' own IP-Adapter processors (no region prompts):
        per reference its region mask (1, 1, H, W) in 0..1, or None where it acts everywhere."""
        import torch

        return [
            None
            if spec.mask is None
            else torch.from_numpy(spec.mask.array().astype("float32") / 255.0)[None, None].to(
                device=self.device, dtype=dtype
            )
            for spec in self.specs
        ]

    def token_masks(self, tokens: int, dtype: Any) -> list[Any]:
        """Per reference its region's share of each of ``tokens`` attention tokens (1, tokens,
        1), area-averaged like region masks, or None where it acts everywhere."""
        import cv2
        import numpy as np
        import torch

        from f1studio.engine.regional import attention_sizes

        sizes = {h * w: (h, w) for h, w in attention_sizes(*self.latent_size)}
        out: list[Any] = []
        for spec in self.specs:
            if spec.mask is None or tokens not in sizes:
                out.append(None)
                continue
            h, w = sizes[tokens]
            mask = spec.mask.array().astype(np.float32) / 255.0
            small = cv2.resize(mask, (w, h), interpolation=cv2.INTER_AREA)
            tensor = torch.from_numpy(np.ascontiguousarray(small)).reshape(1, tokens, 1)
            out.append(tensor.to(device=self.device, dtype=dtype))
        return out

    def set_step(self, step: int, total: int) -> None:
        """Each adapter's scale in every layer for step ``step`` of ``total``."""
        scales = [spec.scale_at(step, total) for spec in self.specs]
        for layer, processor in self.processors:
            processor.scale = [
                s * _reach(spec.use, layer) for s, spec in zip(scales, self.specs, strict=True)
            ]


def drop_references(pipe: Any) -> None:
    """Unload the IP-Adapter from ``pipe`` (its own attention processors come back). Its
    image encoder is kept aside, so switching references on again does not read it again."""
    if pipe in _LOADED:
        try:
            encoder = str(_encoder_of(Path(_LOADED[pipe][0])).resolve())
            _ENCODERS[pipe] = (encoder, pipe.image_encoder, pipe.feature_extractor)
        except (OSError, EngineError):  # the adapter or its encoder is gone: nothing to keep
            _ENCODERS.pop(pipe, None)
        pipe.unload_ip_adapter()
        del _LOADED[pipe]


def _adapter_state(file: Path) -> dict[str, dict[str, Any]]:
    """The adapter file as diffusers' loader takes it (``image_proj`` and ``ip_adapter``
    parts), read once per file version."""
    from safetensors.torch import load_file

    key = (str(file.resolve()), file.stat().st_mtime_ns)
    if key not in _STATES:
        state: dict[str, dict[str, Any]] = {"image_proj": {}, "ip_adapter": {}}
        for name, tensor in load_file(str(file)).items():
            part, _, rest = name.partition(".")
            if part in state:
                state[part][rest] = tensor
        _STATES.clear()  # one adapter file kept: they are large
        _STATES[key] = state
    return _STATES[key]


def _encoder_of(file: Path) -> Path:
    """The adapter's CLIP vision encoder (folder or single file): of the width its image
    projection reads (the projected embedding; the hidden states for "plus" adapters). One
    line when ``file`` is a FLUX.1 adapter."""
    shapes = read_safetensors_header(file)
    if any(".ip_adapter_double_stream_k_proj." in k or k.startswith("redux_") for k in shapes):
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{file.name} is for FLUX.1 reference pictures, not Stable Diffusion 1.5/SDXL: "
            "choose an IP-Adapter of this model's family",
        )
    plus = shapes.get("image_proj.proj_in.weight")
    if plus is not None:
        return find_encoder(file, width=plus[-1], hidden=True)
    standard = shapes.get("image_proj.proj.weight")
    return find_encoder(file, width=standard[-1] if standard else None)


def _encoder(pipe: Any, location: Path) -> None:
    """Give ``pipe`` the adapter's image encoder: the one kept from before, or read."""
    kept = _ENCODERS.get(pipe)
    if kept is not None and kept[0] == str(location.resolve()):
        pipe.register_modules(image_encoder=kept[1], feature_extractor=kept[2])
        return
    encoder = load_vision_model(location, pipe.dtype)
    pipe.register_modules(image_encoder=encoder.to(pipe.device), feature_extractor=None)


def _load_adapter(pipe: Any, file: Path, copies: int) -> None:
    pipe.load_ip_adapter(
        [_adapter_state(file)] * copies,
        subfolder=[""] * copies,
        weight_name=[file.name] * copies,
        image_encoder_folder=None,
    )


def _load(pipe: Any, file: Path, copies: int) -> None:
    encoder = _encoder_of(file)
    import torch

    drop_references(pipe)
    try:
        # renders run under inference mode; weights made there could never join autograd-aware
        # code later (PEFT refuses them when a LoRA is loaded next), so they are made outside
        with torch.inference_mode(False):
            _encoder(pipe, encoder)
            _load_adapter(pipe, file, copies)
    except Exception as e:  # noqa: BLE001 - a wrong adapter is one line
        first = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{file.name} could not be loaded as an IP-Adapter for this model: {first}",
        ) from e
    _LOADED[pipe] = (str(file.resolve()), copies)


def _embeds(pipe: Any, specs: list[ReferenceSpec], file: Path, device: Any, cfg: bool) -> list:
    """Each reference's image embeddings, [negative, positive] with CFG, as diffusers'
    ``prepare_ip_adapter_image_embeds`` makes them; kept per picture and adapter."""
    import torch
    from diffusers.models.embeddings import ImageProjection
    from PIL import Image

    cache = _EMBEDS.setdefault(pipe, {})
    layers = pipe.unet.encoder_hid_proj.image_projection_layers
    out = []
    for spec, layer in zip(specs, layers, strict=True):
        picture = spec.image.array()
        hidden = not isinstance(layer, ImageProjection)  # "plus" adapters read hidden states
        key = (hashlib.sha1(picture.tobytes()).hexdigest(), picture.shape, str(file), hidden, cfg)
        if key not in cache:
            rgb = picture[:, :, :3] if picture.ndim == 3 else picture
            image = Image.fromarray(rgb).convert("RGB")
            positive, negative = pipe.encode_image(image, device, 1, hidden)
            embeds = positive[None, :]
            if cfg:
                embeds = torch.cat([negative[None, :], embeds], dim=0)
            while len(cache) >= _KEEP_EMBEDS:
                cache.pop(next(iter(cache)))
            cache[key] = embeds.to(device=device)
        out.append(cache[key])
    return out


def prepare_references(
    request: GenerationRequest, pipe: Any, device: Any, cfg: bool
) -> References | None:
    """The request's references on ``pipe`` (loading or dropping the IP-Adapter), or None."""
    specs = [r for r in request.references if r.weight > 0]
    if not specs:
        drop_references(pipe)
        return None
    assert request.ip_adapter is not None  # the request checks it
    file = adapter_file(request.ip_adapter)
    if _LOADED.get(pipe) != (str(file.resolve()), len(specs)):
        _load(pipe, file, len(specs))
    embeds = _embeds(pipe, specs, file, device, cfg)
    processors = [
        (name, proc) for name, proc in pipe.unet.attn_processors.items() if hasattr(proc, "to_k_ip")
    ]
    scale = pipe.vae_scale_factor
    size = (request.height // scale, request.width // scale)
    return References(specs, embeds, processors, size, device)
