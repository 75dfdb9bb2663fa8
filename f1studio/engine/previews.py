"""Cheap latent -> RGB previews: a linear projection of the 4 latent channels, no VAE decode.

The SD1.5 factors below are the widely used approximation of what the VAE decoder does to a
latent pixel's colour; for an unknown latent space they still give a stable, if odd, picture.
"""

from __future__ import annotations

from typing import Any

import numpy as np

SD15_LATENT_RGB = np.array(
    [
        [0.3512, 0.2297, 0.3227],
        [0.3250, 0.4974, 0.2350],
        [-0.2829, 0.1762, 0.2721],
        [-0.2120, -0.2616, -0.7177],
    ],
    dtype=np.float32,
)


def latent_preview(latents: Any, factors: np.ndarray = SD15_LATENT_RGB) -> np.ndarray:
    """RGB uint8 (h, w, 3) at latent resolution from one latent (1 or no batch, C, h, w)."""
    lat = latents.detach()
    if lat.ndim == 4:
        lat = lat[0]
    arr = lat.float().cpu().numpy()  # (C, h, w); tiny: 4 x h/8 x w/8
    rgb = np.tensordot(factors[: arr.shape[0]].T, arr, axes=1)  # (3, h, w)
    rgb = np.clip((rgb + 1.0) * 127.5, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(rgb.transpose(1, 2, 0))
