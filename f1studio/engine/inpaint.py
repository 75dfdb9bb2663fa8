"""Inpaint masks in pixel space: inward feathering and the final composite.

The feather only ever softens *inside* the painted mask, so every pixel outside it keeps a
weight of exactly 0 and the composite copies it from the input canvas bit for bit.
"""

from __future__ import annotations

import numpy as np


def feather_inward(mask_u8: np.ndarray, radius: int) -> np.ndarray:
    """float32 0..1: 0 outside the mask, ramping to 1 at ``radius`` pixels inside it."""
    inside = mask_u8 > 127
    if radius <= 0 or not inside.any():
        return inside.astype(np.float32)
    import cv2

    # distance of every inside pixel to the nearest outside pixel (L2, exact 5x5 mask)
    dist = cv2.distanceTransform(inside.astype(np.uint8), cv2.DIST_L2, 5)
    ramp = np.clip(dist / float(radius), 0.0, 1.0).astype(np.float32)
    ramp[~inside] = 0.0
    return ramp


def composite_inpaint(original: np.ndarray, generated: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Blend ``generated`` over ``original`` (both RGB uint8) with float ``mask`` 0..1.

    Where the mask is 0 the original pixel is copied unchanged.
    """
    m = mask[:, :, None].astype(np.float32)
    blend = original.astype(np.float32) * (1.0 - m) + generated.astype(np.float32) * m
    out = np.clip(np.rint(blend), 0, 255).astype(np.uint8)
    return np.where(m > 0.0, out, original).astype(np.uint8)


def inpaint_condition(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The control image an inpaint ControlNet reads (ControlNet 1.1's inpaint model and the
    demo model's, diffusers' ``make_inpaint_condition``): the picture as float32 RGB 0..1
    (H, W, 3) with every pixel under the mask set to -1. ``mask`` is bool, or uint8 with
    255 = masked (above 127 counts)."""
    out = image[:, :, :3].astype(np.float32) / 255.0
    hole = mask if mask.dtype == bool else mask > 127
    out[hole] = -1.0
    return out
