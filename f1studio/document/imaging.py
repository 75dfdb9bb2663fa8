"""Pixel helpers for the document: compositing, masks, brush dabs. numpy only (cv2 lazily).

Conventions: picture layers are straight (non-premultiplied) RGBA uint8; masks and guides are
uint8 HxW. Rectangles are ``(y0, x0, y1, x1)`` with ``y1``/``x1`` exclusive.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from f1studio.document.layers import Layer

Rect = tuple[int, int, int, int]


def paint_coverage(layers: Iterable[Layer], shape: tuple[int, int]) -> np.ndarray:
    """float32 (H, W) 0..1: how much of each pixel the visible paint/reference layers cover
    (the composite's alpha: 0 where the white canvas shows through untouched)."""
    bare = np.ones(shape, np.float32)  # the share of white left, by the "over" rule
    for layer in layers:
        if layer.kind.is_picture and layer.visible and layer.opacity > 0.0:
            bare *= 1.0 - layer.data[..., 3].astype(np.float32) * np.float32(layer.opacity / 255.0)
    return 1.0 - bare


def composite_over_white(
    layers: Iterable[Layer], shape: tuple[int, int] | None = None
) -> np.ndarray:
    """Composite the visible paint/reference layers (bottom to top) over white; RGB uint8.

    Each layer contributes ``alpha/255 * opacity`` with the "over" rule. ``shape`` (H, W) is
    only needed when ``layers`` is empty.
    """
    pictures = [layer for layer in layers if layer.kind.is_picture]
    if shape is None:
        if not pictures:
            raise ValueError("composite_over_white needs a shape when there are no layers")
        shape = (pictures[0].height, pictures[0].width)
    out = np.full((shape[0], shape[1], 3), 255.0, np.float32)
    tmp = np.empty_like(out)
    alpha = np.empty((shape[0], shape[1], 1), np.float32)
    for layer in pictures:
        if not layer.visible or layer.opacity <= 0.0:
            continue
        if layer.data.shape[:2] != tuple(shape):
            raise ValueError(
                f"layer {layer.name!r} is {layer.width}x{layer.height}, not canvas size"
            )
        # out += (rgb - out) * alpha * opacity, in place to keep big canvases quick
        np.multiply(layer.data[..., 3:4], np.float32(layer.opacity / 255.0), out=alpha)
        np.subtract(layer.data[..., :3], out, out=tmp)
        tmp *= alpha
        out += tmp
    np.rint(out, out=out)
    return np.clip(out, 0, 255).astype(np.uint8)


def feather_mask(mask_u8: np.ndarray, radius: float) -> np.ndarray:
    """Soften a mask inward: float32 0..1, exactly 0 wherever ``mask <= 127``.

    Inside pixels ramp with their Euclidean distance to the nearest outside pixel, reaching 1
    at ``radius`` pixels. The canvas border does not count as outside. ``radius`` 0 gives a
    hard 0/1 mask.
    """
    if radius < 0:
        raise ValueError(f"feather radius must be >= 0, not {radius}")
    inside = np.asarray(mask_u8) > 127
    if radius == 0 or not inside.any():
        return inside.astype(np.float32)
    import cv2  # lazy: only needed here

    dist = cv2.distanceTransform(inside.astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    out = np.clip(dist / np.float32(radius), 0.0, 1.0).astype(np.float32)
    out[~inside] = 0.0
    return out


def combine_masks(masks: Iterable[np.ndarray]) -> np.ndarray:
    """Union (per-pixel max) of same-sized uint8 masks."""
    out: np.ndarray | None = None
    for mask in masks:
        m = np.asarray(mask)
        if out is None:
            out = m.astype(np.uint8, copy=True)
        elif m.shape != out.shape:
            raise ValueError(f"cannot combine masks of shapes {out.shape} and {m.shape}")
        else:
            np.maximum(out, m.astype(np.uint8, copy=False), out=out)
    if out is None:
        raise ValueError("combine_masks needs at least one mask")
    return out


def to_rgba(image: np.ndarray) -> np.ndarray:
    """Any gray/RGB/RGBA image (uint8, or float 0..1) as a new RGBA uint8 array."""
    arr = _to_u8(image)
    if arr.ndim == 2:
        arr = arr[..., None]
    if arr.ndim != 3 or arr.shape[2] not in (1, 3, 4):
        raise ValueError(f"expected a gray, RGB or RGBA image, got shape {arr.shape}")
    if arr.shape[2] == 4:
        return arr.copy()
    rgb = np.repeat(arr, 3, axis=2) if arr.shape[2] == 1 else arr
    alpha = np.full(arr.shape[:2] + (1,), 255, np.uint8)
    return np.concatenate([rgb, alpha], axis=2)


def to_gray(image: np.ndarray) -> np.ndarray:
    """Any gray/RGB/RGBA image as uint8 HxW (ITU-R 601 luma; alpha ignored)."""
    arr = _to_u8(image)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    if arr.ndim == 2:
        return arr.copy()
    if arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise ValueError(f"expected a gray, RGB or RGBA image, got shape {arr.shape}")
    luma = arr[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    return np.clip(np.rint(luma), 0, 255).astype(np.uint8)


def _to_u8(image: np.ndarray) -> np.ndarray:
    arr = np.asarray(image)
    if arr.dtype == np.uint8:
        return arr
    if arr.dtype.kind == "f":
        return np.clip(np.rint(arr * 255.0), 0, 255).astype(np.uint8)
    if arr.dtype.kind in "iub":
        return np.clip(arr, 0, 255).astype(np.uint8)
    raise ValueError(f"unsupported image dtype {arr.dtype}")


def bbox(mask: np.ndarray) -> Rect | None:
    """Bounding rect of the nonzero pixels of a 2-D (or channel-reduced) array, or None."""
    m = np.asarray(mask)
    if m.ndim == 3:
        m = np.asarray(m.any(axis=2))
    rows = np.flatnonzero(m.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(m.any(axis=0))
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def diff_bbox(a: np.ndarray, b: np.ndarray) -> Rect | None:
    """Bounding rect of the pixels where two same-shaped arrays differ, or None."""
    return bbox(a != b)


def clip_rect(rect: Sequence[float], shape: tuple[int, ...]) -> Rect | None:
    """Round a rect outward to whole pixels and clip it to ``shape``; None when empty."""
    y0, x0, y1, x1 = rect
    cy0, cx0 = max(0, int(np.floor(y0))), max(0, int(np.floor(x0)))
    cy1, cx1 = min(int(shape[0]), int(np.ceil(y1))), min(int(shape[1]), int(np.ceil(x1)))
    if cy0 >= cy1 or cx0 >= cx1:
        return None
    return cy0, cx0, cy1, cx1


def disc_coverage(
    cy: float, cx: float, radius: float, hardness: float, shape: tuple[int, ...]
) -> tuple[Rect, np.ndarray] | None:
    """A round brush dab: its clipped rect and float32 coverage 0..1 inside that rect.

    Pixel centres sit at integer coordinates. ``hardness`` 1 gives a disc with a one-pixel
    anti-aliased rim; 0 ramps linearly from the centre to the rim.
    """
    if radius <= 0:
        raise ValueError(f"brush radius must be > 0, not {radius}")
    if not 0.0 <= hardness <= 1.0:
        raise ValueError(f"brush hardness must be within 0..1, not {hardness}")
    rect = clip_rect((cy - radius, cx - radius, cy + radius + 1, cx + radius + 1), shape)
    if rect is None:
        return None
    y0, x0, y1, x1 = rect
    ys = np.arange(y0, y1, dtype=np.float32)[:, None] - np.float32(cy)
    xs = np.arange(x0, x1, dtype=np.float32)[None, :] - np.float32(cx)
    dist = np.sqrt(ys * ys + xs * xs)
    soft = max((1.0 - hardness) * radius, 0.5)
    cov = np.clip((np.float32(radius) - dist) / np.float32(soft), 0.0, 1.0).astype(np.float32)
    return rect, cov


def blend_over(dst: np.ndarray, rgba: Sequence[int], coverage: np.ndarray | float) -> None:
    """Paint colour ``rgba`` over straight-alpha RGBA ``dst`` in place, scaled by coverage."""
    cov = np.broadcast_to(np.asarray(coverage, np.float32), dst.shape[:2])
    sa = cov * np.float32(rgba[3] / 255.0)
    da = dst[..., 3].astype(np.float32) / np.float32(255.0)
    oa = sa + da * (1.0 - sa)
    src = np.asarray(rgba[:3], np.float32)
    num = src * sa[..., None] + dst[..., :3].astype(np.float32) * (da * (1.0 - sa))[..., None]
    safe = np.where(oa > 0, oa, 1.0)[..., None]
    rgb = np.where(oa[..., None] > 0, num / safe, 0.0)
    new = np.concatenate([rgb, (oa * 255.0)[..., None]], axis=2)
    new = np.clip(np.rint(new), 0, 255).astype(np.uint8)
    np.copyto(dst, new, where=(sa > 0)[..., None])


def blend_toward(dst: np.ndarray, value: int, coverage: np.ndarray | float) -> None:
    """Move a uint8 mask/guide toward ``value`` in place by ``coverage`` (0..1)."""
    cov = np.broadcast_to(np.asarray(coverage, np.float32), dst.shape[:2])
    cur = dst.astype(np.float32)
    new = np.clip(np.rint(cur + (np.float32(value) - cur) * cov), 0, 255).astype(np.uint8)
    np.copyto(dst, new, where=cov > 0)


def erase_alpha(dst: np.ndarray, coverage: np.ndarray | float) -> None:
    """Reduce the alpha of straight-alpha RGBA ``dst`` in place by ``coverage`` (0..1)."""
    cov = np.broadcast_to(np.asarray(coverage, np.float32), dst.shape[:2])
    alpha = dst[..., 3].astype(np.float32) * (1.0 - cov)
    new = np.clip(np.rint(alpha), 0, 255).astype(np.uint8)
    np.copyto(dst[..., 3], new, where=cov > 0)


def check_paint_value(picture: bool, value: object) -> tuple[int, int, int, int] | int:
    """Validate a paint value: RGB(A) 0..255 for picture layers, one level 0..255 otherwise."""
    if picture:
        if not isinstance(value, Sequence) or isinstance(value, str) or len(value) not in (3, 4):
            raise ValueError(f"painting a picture layer needs an RGB or RGBA colour, not {value!r}")
        rgba = tuple(int(c) for c in value) + ((255,) if len(value) == 3 else ())
        if any(not 0 <= c <= 255 for c in rgba):
            raise ValueError(f"colour components must be within 0..255, not {value!r}")
        return rgba  # type: ignore[return-value]
    if isinstance(value, (bool, str)) or not isinstance(value, (int, float, np.number)):
        raise ValueError(f"painting a mask or guide needs a level 0..255, not {value!r}")
    if not 0 <= value <= 255:
        raise ValueError(f"mask/guide level must be within 0..255, not {value}")
    return int(round(float(value)))


def paint_region(
    region: np.ndarray, value: object, coverage: np.ndarray | float, erase: bool = False
) -> None:
    """Paint in place: RGBA "over" on (H, W, 4) pictures, blend toward a level on (H, W) masks.

    ``erase`` lowers alpha on pictures and blends toward 0 on masks; ``value`` is then ignored.
    """
    picture = region.ndim == 3
    if erase:
        if picture:
            erase_alpha(region, coverage)
        else:
            blend_toward(region, 0, coverage)
        return
    paint = check_paint_value(picture, value)
    if picture:
        blend_over(region, paint, coverage)  # type: ignore[arg-type]
    else:
        blend_toward(region, paint, coverage)  # type: ignore[arg-type]


def check_unit(value: float, name: str) -> float:
    """``value`` as a float within 0..1, or ValueError naming ``name``."""
    v = float(value)
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"{name} must be within 0..1, not {value}")
    return v


def picture_of(rgba: np.ndarray) -> np.ndarray:
    """The picture a layer holds: its painted bounds (alpha > 0), RGB over white."""
    alpha = rgba[:, :, 3]
    rows, cols = np.flatnonzero(alpha.any(axis=1)), np.flatnonzero(alpha.any(axis=0))
    crop = rgba[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].astype(np.float32)
    a = crop[:, :, 3:4] / 255.0
    rgb = crop[:, :, :3] * a + 255.0 * (1.0 - a)
    return np.ascontiguousarray(np.round(rgb).astype(np.uint8))
