"""Cheap latent -> RGB previews: a linear projection of the 4 latent channels, no VAE decode.

The SD1.5 factors below are the widely used approximation of what the VAE decoder does to a
latent pixel's colour; for an unknown latent space they still give a stable, if odd, picture.
"""

from __future__ import annotations

import json
from pathlib import Path
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


#: A model folder may carry its own fitted factors (C rows, optionally a bias row last).
LATENT_RGB_FILE = "latent_rgb.json"


def read_latent_rgb(folder: str | Path) -> np.ndarray | None:
    """A model folder's own latent -> RGB factors, or ``None`` (malformed files are ignored)."""
    path = Path(folder) / LATENT_RGB_FILE
    try:
        factors = np.asarray(json.loads(path.read_text("utf-8")), dtype=np.float32)
    except (OSError, ValueError, TypeError):
        return None
    ok = factors.ndim == 2 and factors.shape[1] == 3 and 2 <= factors.shape[0] <= 65
    return factors if ok and np.isfinite(factors).all() else None


def latent_preview(latents: Any, factors: np.ndarray = SD15_LATENT_RGB) -> np.ndarray:
    """RGB uint8 (h, w, 3) at latent resolution from one latent (1 or no batch, C, h, w).
    ``factors`` holds one row per latent channel, plus optionally a bias row."""
    lat = latents.detach()
    if lat.ndim == 4:
        lat = lat[0]
    arr = lat.float().cpu().numpy()  # (C, h, w); tiny: 4 x h/8 x w/8
    channels = arr.shape[0]
    rgb = np.tensordot(factors[:channels].T, arr, axes=1)  # (3, h, w)
    if factors.shape[0] == channels + 1:
        rgb = rgb + factors[channels][:, None, None]
    rgb = np.clip((rgb + 1.0) * 127.5, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(rgb.transpose(1, 2, 0))


def predicted_x0(model_in: Any, model_out: Any, t: Any, alphas: Any, prediction: str = "epsilon"):
    """The clean latent the model predicts at timestep ``t``, from the scaled model input
    (``sqrt(a) x0 + sqrt(1-a) eps`` for every scheduler); ``None`` when ``t`` has no alpha."""
    try:
        a = float(alphas[int(round(float(t)))])
    except (IndexError, ValueError, TypeError):
        return None
    x, out = model_in.float(), model_out[-1:].float()
    if prediction == "v_prediction":
        return a**0.5 * x - (1 - a) ** 0.5 * out
    return (x - (1 - a) ** 0.5 * out) / a**0.5
