"""PNG export with generation parameters embedded as text chunks.

Two chunks are written:

- ``parameters``: AUTOMATIC1111-style text that other tools (image browsers, model sites) read::

      <prompt> <lora:name:weight> ...
      Negative prompt: <negative>
      Steps: 25, Sampler: DPM++ 2M, CFG scale: 7.5, Seed: 42, Size: 512x512, Model: <name>

- ``f1studio-request``: the full :class:`GenerationRequest` as JSON (images by digest name).

Both describe how the picture was rendered, so they are written only for a picture that is a
render as it came out (``request`` given); any other picture (a sketch, a result painted over or
hidden) is written without them rather than with settings that did not make it.

Files are written atomically, like projects.
"""

from __future__ import annotations

import io
import json
import os
import warnings
from collections.abc import Mapping
from pathlib import Path, PurePath
from types import SimpleNamespace
from typing import Any

import numpy as np
from PIL import Image, PngImagePlugin

from f1studio.demo.model import DEMO_NAME, is_demo
from f1studio.document.loras import lora_tags
from f1studio.engine.request import SCHEDULER_LABELS, GenerationRequest, LoraSpec
from f1studio.project.atomic import write_atomically
from f1studio.project.errors import ExportError, ImageImportError

PARAMETERS_KEY = "parameters"
REQUEST_KEY = "f1studio-request"


def format_parameters(
    request: GenerationRequest, model_name: str | None = None, seed: int | None = None
) -> str:
    """The AUTOMATIC1111-style ``parameters`` text for ``request``.

    ``model_name`` defaults to :func:`model_label` of ``request.model`` (never its full path);
    the Model field is left out when neither is known. ``seed`` overrides the request's
    seed (for the n-th image of a batch). Denoising strength appears only when below 1.
    """
    loras = getattr(request, "loras", ())
    tags = lora_tags(LoraSpec(**x) if isinstance(x, dict) else x for x in loras)
    lines = [f"{request.prompt} {tags}".strip() if tags else request.prompt]
    if request.negative_prompt:
        lines.append(f"Negative prompt: {request.negative_prompt}")
    fields = [
        f"Steps: {request.steps}",
        f"Sampler: {SCHEDULER_LABELS.get(request.scheduler, request.scheduler)}",
        f"CFG scale: {_number(request.guidance_scale)}",
        f"Seed: {request.seed if seed is None else seed}",
        f"Size: {request.width}x{request.height}",
    ]
    name = model_name if model_name is not None else model_label(request.model)
    if name:
        fields.append(f"Model: {name}")
    if request.strength < 1.0:
        fields.append(f"Denoising strength: {_number(request.strength)}")
    lines.append(", ".join(fields))
    return "\n".join(lines)


def export_png(
    image_rgb_u8: np.ndarray,
    path: str | os.PathLike[str],
    request: GenerationRequest | Mapping[str, Any] | None,
    model_name: str | None = None,
    *,
    seed: int | None = None,
) -> Path:
    """Write ``image_rgb_u8`` (H, W, 3 uint8; RGBA also accepted) as a PNG with parameters.

    ``request`` is the request that rendered exactly this picture, or a result's stored record
    of it (the JSON data of ``request.to_json_text()``); ``None`` for a picture no request
    rendered as it is (a sketch, a result painted over): the PNG then has no parameters.
    ``seed`` is the seed of this particular image when it comes from a batch; the stored
    request then has that seed and a batch count of 1, so it reproduces exactly this image.
    Raises :class:`ExportError` (any previous file untouched) when the file cannot be written.
    """
    image = np.asarray(image_rgb_u8)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(f"expected an (H, W, 3) uint8 image, got {image.dtype} {image.shape}")
    info = PngImagePlugin.PngInfo()
    if request is not None:
        parameters, request_text = _texts(request, model_name, seed)
        info.add_text(PARAMETERS_KEY, parameters)
        info.add_text(REQUEST_KEY, request_text)
    mode = "RGB" if image.shape[2] == 3 else "RGBA"
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image), mode).save(buffer, format="PNG", pnginfo=info)
    try:
        return write_atomically(path, lambda fh: fh.write(buffer.getbuffer()))
    except OSError as exc:
        name = Path(path).name
        raise ExportError(
            f"Could not export '{name}': {exc.strerror or exc}. Any previous file is unchanged.",
            path,
        ) from exc


def _texts(
    request: GenerationRequest | Mapping[str, Any], model_name: str | None, seed: int | None
) -> tuple[str, str]:
    """The ``parameters`` and ``f1studio-request`` texts of ``request`` (seed: see export)."""
    if isinstance(request, GenerationRequest):
        if seed is not None:
            request = request.with_changes(seed=seed, batch_count=1)
        parameters = format_parameters(request, model_name)
        request_text = request.to_json_text()
    else:
        record = dict(request) if seed is None else {**request, "seed": seed, "batch_count": 1}
        parameters = format_parameters(SimpleNamespace(**record), model_name)  # type: ignore[arg-type]
        request_text = json.dumps(record, sort_keys=True)
    return parameters, request_text


def read_png_parameters(path: str | os.PathLike[str]) -> dict[str, str]:
    """The ``parameters`` and ``f1studio-request`` text chunks of a PNG (those present).

    Raises :class:`ImageImportError` when the file is missing or not a readable PNG.
    """
    name = Path(path).name
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=["PNG"]) as image:
                # .text reads the text chunks both before and after the pixel data
                chunks = dict(getattr(image, "text", {}))
    except FileNotFoundError as exc:
        raise ImageImportError(f"'{name}' does not exist.", path) from exc
    except (OSError, SyntaxError, ValueError, EOFError, Warning) as exc:
        raise ImageImportError(f"'{name}' is not a readable PNG file.", path) from exc
    except Image.DecompressionBombError as exc:
        raise ImageImportError(f"'{name}' is too large to read safely.", path) from exc
    return {key: chunks[key] for key in (PARAMETERS_KEY, REQUEST_KEY) if key in chunks}


def _number(value: float) -> str:
    """7.0 -> '7', 7.5 -> '7.5', 0.6 -> '0.6' (as AUTOMATIC1111 prints them)."""
    return f"{value:g}" if float(value).is_integer() else repr(float(value))


#: The folder a model's diffusers files sit in inside the model's own folder (the demo model's
#: and the test models' layout): named after the folder around it.
INNER_FOLDERS = frozenset({"pipeline"})


def model_label(model: str | None) -> str | None:
    """A model's name as users know it, for the Model field: the demo model's name, a model
    file's name without its extension, a model folder's name (the folder around an inner
    ``pipeline`` folder), a hub id's last part; None when there is no model."""
    if not model:
        return None
    if is_demo(model):
        return DEMO_NAME
    path = PurePath(model.rstrip("/\\").replace("\\", "/"))
    base = path.name
    if base in INNER_FOLDERS and path.parent.name:
        base = path.parent.name
    for suffix in (".safetensors", ".ckpt", ".bin", ".pt", ".pth"):
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base or None
