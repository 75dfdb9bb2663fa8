"""Guide extraction from a photo: edge maps (Canny) and depth maps (Depth Anything).

No Qt. torch and transformers are imported inside functions so importing this module is
cheap. Both functions take an RGB or RGBA uint8 image (HxW grayscale also works) and return
a uint8 HxW guide at the same size: edges are white lines on black, depth is white = near.
"""

from __future__ import annotations

import gc
import threading
from pathlib import Path
from typing import Any

import numpy as np

from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.model_files import hub_offline, weights_state

DEFAULT_DEPTH_MODEL = "depth-anything/Depth-Anything-V2-Small-hf"
MAX_CANNY_THRESHOLD = 1000

_lock = threading.Lock()
_cache: dict[tuple[str, str], tuple[Any, Any]] = {}


# ---- input --------------------------------------------------------------------------------
def _to_rgb(image: np.ndarray) -> np.ndarray:
    """Return an HxWx3 uint8 RGB copy; RGBA is composited over white."""
    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got dtype {arr.dtype}")
    if arr.ndim == 2:
        return np.repeat(arr[:, :, None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise ValueError(f"expected an HxW, HxWx3 or HxWx4 image, got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"image is empty (shape {arr.shape})")
    if arr.shape[2] == 3:
        return np.ascontiguousarray(arr)
    alpha = arr[:, :, 3:4].astype(np.uint32)
    rgb = arr[:, :, :3].astype(np.uint32)
    out = (rgb * alpha + 255 * (255 - alpha) + 127) // 255
    return out.astype(np.uint8)


# ---- edges --------------------------------------------------------------------------------
def canny_edges(image_rgb_or_rgba_u8: np.ndarray, low: int = 100, high: int = 200) -> np.ndarray:
    """Canny edge map of a photo: uint8 HxW, 255 on edges and 0 elsewhere.

    ``low`` and ``high`` are the hysteresis thresholds (``0 <= low < high <= 1000``); lower
    values find more edges.
    """
    import cv2

    if not (0 <= low < high <= MAX_CANNY_THRESHOLD):
        raise ValueError(
            f"Canny thresholds must satisfy 0 <= low < high <= {MAX_CANNY_THRESHOLD}, "
            f"got low={low}, high={high}"
        )
    rgb = _to_rgb(image_rgb_or_rgba_u8)
    edges = cv2.Canny(rgb, float(low), float(high))
    if image_rgb_or_rgba_u8.ndim == 3 and image_rgb_or_rgba_u8.shape[2] == 4:
        _drop_picture_rim(edges, image_rgb_or_rgba_u8[:, :, 3])
    return np.where(edges > 0, 255, 0).astype(np.uint8)


RIM = 2  # pixels: how far Canny's response to a picture's border reaches inside it


def _drop_picture_rim(edges: np.ndarray, alpha: np.ndarray) -> None:
    """An opaque rectangular picture smaller than the canvas (a photo fitted into it) meets the
    white behind it along its border: that line is not an edge of the picture, so it goes. A
    cut-out on transparency is no rectangle, and keeps its silhouette."""
    rows, cols = np.nonzero(alpha.any(axis=1))[0], np.nonzero(alpha.any(axis=0))[0]
    if rows.size == 0:
        return
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    if (y1 - y0, x1 - x0) == alpha.shape or not (alpha[y0:y1, x0:x1] == 255).all():
        return
    height, width = alpha.shape
    keep = np.zeros(edges.shape, bool)
    # only the sides that meet empty canvas are seams; the canvas's own border is none
    top, bottom = y0 + (RIM if y0 > 0 else 0), y1 - (RIM if y1 < height else 0)
    left, right = x0 + (RIM if x0 > 0 else 0), x1 - (RIM if x1 < width else 0)
    keep[top:bottom, left:right] = True
    edges[~keep] = 0


# ---- depth: locating and loading the estimator ---------------------------------------------
def _local_folder(model: str) -> Path | None:
    """The folder ``model`` names, ``None`` for a hub id; EngineError for a missing path."""
    path = Path(model).expanduser()
    if path.exists():
        if not path.is_dir():
            raise EngineError(
                ErrorKind.MODEL_INVALID,
                f"Depth model {model!r} is a file; expected a transformers depth-estimation "
                "model folder (config.json, preprocessor_config.json, *.safetensors)",
            )
        return path.resolve()
    looks_like_path = (
        path.is_absolute() or model.startswith((".", "~")) or "\\" in model or model.count("/") > 1
    )
    if looks_like_path:
        raise EngineError(ErrorKind.MODEL_NOT_FOUND, f"Depth model folder {model!r} does not exist")
    return None


def _check_folder(folder: Path, model: str) -> None:
    """Refuse folders that are not a depth model or carry only pickle weights."""
    if not (folder / "config.json").is_file():
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{model!r} is not a depth model: no config.json (expected a transformers "
            "depth-estimation model folder such as Depth Anything V2)",
        )
    state = weights_state(folder)
    if state == "safe":
        return
    if state == "pickled":
        raise EngineError(
            ErrorKind.UNSAFE_WEIGHTS,
            f"Depth model {model!r} has only pickle weights (.bin/.pt); F1 Studio loads "
            "safetensors only, convert it or use a safetensors copy",
        )
    raise EngineError(ErrorKind.MODEL_INVALID, f"Depth model {model!r} has no .safetensors weights")


def _hub_cached(model: str) -> bool:
    """Whether hub id ``model`` has a config in the local Hugging Face cache."""
    from huggingface_hub import try_to_load_from_cache
    from huggingface_hub.errors import HFValidationError

    try:
        found = try_to_load_from_cache(model, "config.json")
    except HFValidationError as exc:
        raise EngineError(
            ErrorKind.MODEL_NOT_FOUND,
            f"Depth model {model!r} is neither a folder nor a valid Hugging Face model id",
        ) from exc
    return isinstance(found, str)


def _not_downloaded(model: str) -> EngineError:
    return EngineError(
        ErrorKind.OFFLINE,
        f"Depth model {model!r} is not downloaded and F1 Studio is offline: download it with "
        f"`huggingface-cli download {model}` when online, or point to a local folder with "
        "--depth-model PATH",
    )


def _load_failure(model: str, is_folder: bool, exc: Exception) -> EngineError:
    detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if len(detail) > 160:
        detail = detail[:157] + "..."
    if is_folder:
        return EngineError(
            ErrorKind.MODEL_INVALID, f"{model!r} is not a usable depth model folder: {detail}"
        )
    if "safetensors" in detail.lower():
        return EngineError(
            ErrorKind.UNSAFE_WEIGHTS,
            f"Depth model {model!r} has no safetensors weights; F1 Studio loads safetensors only",
        )
    if "connect" in detail.lower():
        return EngineError(ErrorKind.OFFLINE, f"Could not download depth model {model!r}: {detail}")
    return EngineError(ErrorKind.MODEL_NOT_FOUND, f"Could not load depth model {model!r}: {detail}")


def _resolve_device(device: str) -> str:
    import torch

    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        mps = getattr(torch.backends, "mps", None)
        return "mps" if mps is not None and mps.is_available() else "cpu"
    try:
        torch.device(device)
    except (RuntimeError, ValueError) as exc:
        raise EngineError(ErrorKind.DEVICE, f"Unknown device {device!r}") from exc
    return device


def _load_estimator(model: str, device: str, allow_network: bool) -> tuple[Any, Any]:
    """Load (processor, model) for ``model`` on ``device``, checking everything first."""
    folder = _local_folder(model)
    local_only = not allow_network or hub_offline()
    if folder is not None:
        _check_folder(folder, model)
    elif local_only and not _hub_cached(model):
        raise _not_downloaded(model)

    from f1studio.engine.quiet import quiet_libraries

    quiet_libraries()
    from transformers import AutoImageProcessor, AutoModelForDepthEstimation

    source = str(folder) if folder is not None else model
    try:
        net = AutoModelForDepthEstimation.from_pretrained(
            source, local_files_only=local_only, use_safetensors=True
        )
        processor = AutoImageProcessor.from_pretrained(source, local_files_only=local_only)
    except Exception as exc:  # transformers and safetensors raise many kinds here
        raise _load_failure(model, folder is not None, exc) from exc
    import torch

    try:
        net = net.to(device).eval()
    except torch.cuda.OutOfMemoryError as exc:
        raise EngineError(ErrorKind.OUT_OF_MEMORY, f"Out of memory loading {model!r}") from exc
    except (RuntimeError, AssertionError) as exc:
        raise EngineError(ErrorKind.DEVICE, f"Cannot use device {device!r}: {exc}") from exc
    return processor, net


def _estimator(model: str, device: str, allow_network: bool) -> tuple[Any, Any]:
    """The cached estimator for (model, device); loading another frees the previous one."""
    folder = Path(model).expanduser()
    key = (str(folder.resolve()) if folder.is_dir() else model, device)
    if key not in _cache:
        _free_cache()
        _cache[key] = _load_estimator(model, device, allow_network)
    return _cache[key]


def _free_cache() -> None:
    if not _cache:
        return
    _cache.clear()
    gc.collect()
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def unload_depth_estimator() -> None:
    """Free the cached depth estimator (its memory comes back on the next collection)."""
    with _lock:
        _free_cache()


# ---- depth: inference ----------------------------------------------------------------------
def _normalise(depth: np.ndarray) -> np.ndarray:
    """Map min..max to 0..255 (a flat prediction gives black)."""
    lo, hi = float(depth.min()), float(depth.max())
    if not np.isfinite(lo) or not np.isfinite(hi) or hi - lo <= 1e-12 * max(1.0, abs(hi)):
        return np.zeros(depth.shape, np.uint8)
    scaled = (depth.astype(np.float64) - lo) * (255.0 / (hi - lo))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def estimate_depth(
    image_u8: np.ndarray,
    model: str | None = None,
    device: str = "cpu",
    *,
    allow_network: bool = False,
) -> np.ndarray:
    """Depth map of a photo: uint8 HxW at the input size, white = near.

    ``model`` is a local folder or a Hugging Face id (default Depth Anything V2 Small); it is
    loaded from local files only unless ``allow_network``. Raises :class:`EngineError` when
    the model is missing, invalid, pickle-only or the device is unusable.
    """
    import torch

    rgb = _to_rgb(image_u8)
    name = model or DEFAULT_DEPTH_MODEL
    height, width = rgb.shape[:2]
    with _lock:
        dev = _resolve_device(device)
        processor, net = _estimator(name, dev, allow_network)
        inputs = processor(images=rgb, return_tensors="pt")
        pixels = inputs["pixel_values"].to(device=dev, dtype=net.dtype)
        try:
            with torch.inference_mode():
                predicted = net(pixel_values=pixels).predicted_depth
        except torch.cuda.OutOfMemoryError as exc:
            raise EngineError(
                ErrorKind.OUT_OF_MEMORY, f"Out of memory estimating depth on {dev}"
            ) from exc
        resized = torch.nn.functional.interpolate(
            predicted.reshape(1, 1, *predicted.shape[-2:]).float(),
            size=(height, width),
            mode="bicubic",
            align_corners=False,
        )
        depth = resized[0, 0].cpu().numpy()
    return _normalise(depth)
