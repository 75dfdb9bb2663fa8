"""Reference pictures that steer FLUX.1 renders through the XLabs FLUX.1 IP-Adapter
(``XLabs-AI/flux-ip-adapter``; FLUX.1 Redux is in :mod:`f1studio.engine.redux`).

The adapter adds, to each double-stream block, a key/value projection of the picture's CLIP
image embedding (4 or 16 tokens after ``ip_adapter_proj_model``); the image tokens attend to
it beside the joint attention and the result, times the adapter's scale, is added to them.
The file is loaded through diffusers' own loader (``FluxTransformer2DModel``'s
``_load_ip_adapter_weights``, what ``FluxPipeline.load_ip_adapter`` calls), so a render equals
``FluxPipeline`` called with ``ip_adapter_image`` and the same scale. The CLIP vision encoder
(``openai/clip-vit-large-patch14`` for the XLabs release) is an ``image_encoder`` folder or
single file found as for SD1.5/SDXL adapters (:mod:`f1studio.engine.vision_encoders`).

Per step each adapter's scale is its reference's weight inside its step range (0 outside).
*style*, *subject* and *composition* act alike: no split of FLUX.1's blocks into "look" and
"layout" is established, so none is pretended. A reference limited to a region scales the
adapter's output per image token by the region's share of it (the mask area-averaged to the
16x16-pixel token grid): pixels outside the region never see the picture. With region prompts
the adapter's attention is added beside our joint-attention region mask in the same pass.

The adapter stays loaded per transformer while references use it and comes off (the
transformer's own processors back) when a job has none; each picture's embedding is kept per
picture and encoder, so a slider moved or a live stroke does not encode the picture again.
"""

from __future__ import annotations

import hashlib
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.model_files import read_safetensors_header
from f1studio.engine.redux import is_redux_file
from f1studio.engine.references import adapter_file
from f1studio.engine.request import GenerationRequest, ReferenceSpec
from f1studio.engine.vision_encoders import clip_embeds, find_encoder

XLABS_KEY = ".ip_adapter_double_stream_k_proj."
# per transformer: ((file, mtime), copies, the processors it had before)
_LOADED: weakref.WeakKeyDictionary[Any, tuple[tuple, int, dict[str, Any]]] = (
    weakref.WeakKeyDictionary()
)
_EMBEDS: dict[tuple, Any] = {}  # (picture digest, encoder, device, dtype) -> (1, 1, width)
_KEEP_EMBEDS = 16


def is_flux_ip_adapter(ref: str) -> bool:
    """``ref`` names an adapter file, or a folder of one: not FLUX.1 Redux (a pipeline folder
    or ComfyUI's single-file embedder), which :mod:`f1studio.engine.redux` reads."""
    path = Path(ref).expanduser()
    if path.is_file():
        return path.suffix.lower() == ".safetensors" and not is_redux_file(path)
    return (
        path.is_dir()
        and not (path / "model_index.json").is_file()
        and any(path.glob("*.safetensors"))
    )


def _state(file: Path) -> dict[str, dict[str, Any]]:
    """The XLabs file as diffusers' loader takes it: ``image_proj`` (``proj``, ``norm``) and
    ``ip_adapter`` (``{block}.to_k_ip`` / ``to_v_ip``)."""
    from safetensors import safe_open

    state: dict[str, dict[str, Any]] = {"image_proj": {}, "ip_adapter": {}}
    with safe_open(str(file), framework="pt", device="cpu") as f:
        names = f.keys()
        for key in names:
            part, _, rest = key.partition(".")
            if part == "ip_adapter_proj_model":
                state["image_proj"][rest] = f.get_tensor(key)
            elif part == "double_blocks":
                name = rest.replace("processor.", "")
                name = name.replace("ip_adapter_double_stream_k_proj", "to_k_ip")
                state["ip_adapter"][name.replace("ip_adapter_double_stream_v_proj", "to_v_ip")] = (
                    f.get_tensor(key)
                )
    return state


def drop_flux_ip_adapter(transformer: Any) -> None:
    """Take the IP-Adapter off ``transformer``: its own attention processors come back."""
    loaded = _LOADED.pop(transformer, None)
    if loaded is not None:
        transformer.set_attn_processor(loaded[2])
        transformer.encoder_hid_proj = None
        transformer.config.encoder_hid_dim_type = None


def _load(transformer: Any, file: Path, copies: int) -> None:
    import torch

    drop_flux_ip_adapter(transformer)
    state = _state(file)
    before = dict(transformer.attn_processors)
    try:
        with torch.inference_mode(False):  # weights usable outside inference mode later
            transformer._load_ip_adapter_weights([state] * copies, low_cpu_mem_usage=False)
    except Exception as e:  # noqa: BLE001 - an adapter for another size of model is one line
        transformer.set_attn_processor(before)
        transformer.encoder_hid_proj = None
        first = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{file.name} could not be loaded as an IP-Adapter for this FLUX.1 model: {first}",
        ) from e
    _LOADED[transformer] = ((str(file.resolve()), file.stat().st_mtime_ns), copies, before)


def _encoder(file: Path) -> Path:
    """The adapter's CLIP vision encoder, of the width its image projection reads (one line
    when ``file`` is no FLUX.1 IP-Adapter)."""
    shapes = read_safetensors_header(file)
    if not any(XLABS_KEY in k for k in shapes):
        sd = any(".to_k_ip." in k for k in shapes)
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{file.name} is {'an SD1.5/SDXL IP-Adapter, not ' if sd else 'not '}a FLUX.1 "
            "IP-Adapter: FLUX.1 reference pictures need the XLabs FLUX.1 IP-Adapter or FLUX.1 Redux",
        )
    width = next((s[-1] for k, s in shapes.items() if k.endswith("_proj_model.proj.weight")), None)
    return find_encoder(file, width=width)


def _picture_embeds(encoder: Path, picture: np.ndarray, device: Any, dtype: Any) -> Any:
    """The CLIP image embedding (1, 1, width) of ``picture``, kept per picture and encoder."""
    digest = hashlib.sha1(np.ascontiguousarray(picture).tobytes()).hexdigest()
    key = (digest, picture.shape, str(encoder), str(device), str(dtype))
    if key not in _EMBEDS:
        embeds = clip_embeds(encoder, picture, device, dtype)
        while len(_EMBEDS) >= _KEEP_EMBEDS:
            _EMBEDS.pop(next(iter(_EMBEDS)))
        _EMBEDS[key] = embeds[None, :].to(device=device, dtype=dtype)
    return _EMBEDS[key]


@dataclass
class FluxReferences:
    """The request's IP-Adapter references on one FLUX.1 render."""

    specs: list[ReferenceSpec]
    embeds: list[Any]  # per reference (1, 1, CLIP width)
    processors: list[Any]  # the transformer's IP-Adapter attention processors
    masks: list[Any]  # per reference (1, image tokens, 1) region share, or None

    def kwargs(self) -> dict[str, Any]:
        """The transformer's ``joint_attention_kwargs`` (a new dict: the model pops from it)."""
        return {"ip_adapter_image_embeds": list(self.embeds)}

    def set_step(self, step: int, total: int) -> None:
        """Each adapter's scale for step ``step`` of ``total`` (per token inside a region)."""
        scales = [
            spec.scale_at(step, total) if mask is None else mask * spec.scale_at(step, total)
            for spec, mask in zip(self.specs, self.masks, strict=True)
        ]
        for processor in self.processors:
            processor.scale = scales


def _token_mask(spec: ReferenceSpec, tokens: tuple[int, int], device: Any, dtype: Any) -> Any:
    import cv2
    import torch

    if spec.mask is None:
        return None
    mask = spec.mask.array().astype(np.float32) / 255.0
    if float(mask.min()) == 1.0:  # a region that covers the canvas limits nothing
        return None
    h, w = tokens
    small = cv2.resize(mask, (w, h), interpolation=cv2.INTER_AREA).reshape(1, h * w, 1)
    return torch.from_numpy(np.ascontiguousarray(small)).to(device=device, dtype=dtype)


def prepare_flux_ip_adapter(
    request: GenerationRequest, transformer: Any, device: Any, dtype: Any, tokens: tuple[int, int]
) -> FluxReferences | None:
    """The request's references (weight > 0) on ``transformer`` through the XLabs IP-Adapter
    that ``request.ip_adapter`` names (loading or dropping it), or None."""
    specs = [r for r in request.references if r.weight > 0]
    if not specs:
        drop_flux_ip_adapter(transformer)
        return None
    assert request.ip_adapter is not None  # the request checks it
    file = adapter_file(request.ip_adapter)
    encoder = _encoder(file)
    key = (str(file.resolve()), file.stat().st_mtime_ns)
    loaded = _LOADED.get(transformer)
    if loaded is None or loaded[:2] != (key, len(specs)):
        _load(transformer, file, len(specs))
    embeds = [_picture_embeds(encoder, spec.image.array(), device, dtype) for spec in specs]
    from diffusers.models.transformers.transformer_flux import FluxIPAdapterAttnProcessor

    processors = [
        p for p in transformer.attn_processors.values() if isinstance(p, FluxIPAdapterAttnProcessor)
    ]
    masks = [_token_mask(spec, tokens, device, dtype) for spec in specs]
    return FluxReferences(specs, embeds, processors, masks)


class RegionalWithReferences:
    """A double-stream block's processor with region prompts and IP-Adapter references at once:
    the joint attention through our regional processor, then the adapter's attention of the
    image tokens to the pictures' tokens, computed as diffusers' FluxIPAdapterAttnProcessor
    does (its weights and scales)."""

    def __init__(self, regional: Any, adapter: Any) -> None:
        self.regional = regional
        self.adapter = adapter

    def __call__(
        self,
        attn: Any,
        hidden_states: Any,
        encoder_hidden_states: Any = None,
        attention_mask: Any = None,
        image_rotary_emb: Any = None,
        ip_hidden_states: list[Any] | None = None,
        ip_adapter_masks: Any = None,
    ) -> Any:
        import torch.nn.functional as F

        out = self.regional(
            attn, hidden_states, encoder_hidden_states, attention_mask, image_rotary_emb
        )
        if encoder_hidden_states is None or not ip_hidden_states:
            return out
        if getattr(attn, "fused_projections", False) and hasattr(attn, "to_qkv"):
            query = attn.to_qkv(hidden_states).chunk(3, dim=-1)[0]
        else:
            query = attn.to_q(hidden_states)
        batch = hidden_states.shape[0]
        query = attn.norm_q(query.unflatten(-1, (attn.heads, -1))).transpose(1, 2)
        total = 0
        for states, scale, to_k, to_v in zip(
            ip_hidden_states,
            self.adapter.scale,
            self.adapter.to_k_ip,
            self.adapter.to_v_ip,
            strict=True,
        ):
            key = to_k(states).view(batch, -1, attn.heads, attn.head_dim).transpose(1, 2)
            value = to_v(states).view(batch, -1, attn.heads, attn.head_dim).transpose(1, 2)
            part = F.scaled_dot_product_attention(query, key, value).transpose(1, 2)
            total = total + scale * part.reshape(batch, -1, attn.heads * attn.head_dim).to(
                query.dtype
            )
        return (*out, total)
