"""Guides made from pictures: each :class:`ControlKind` names its extractor, registered here.

Used by ``f1studio add-layer --from-image`` and the window's "make a guide from this image".
Extractors live in :mod:`f1studio.engine.preprocess` (torch only for the depth estimator,
imported when it runs). No Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from f1studio.engine.request import ControlKind


@dataclass(frozen=True)
class ExtractOptions:
    """What the extractors may need: the depth estimator and its device, Canny thresholds."""

    depth_model: str | None = None  # a folder or hub id; None: the default estimator
    device: str = "auto"
    low: int = 100
    high: int = 200


Extractor = Callable[[np.ndarray, ExtractOptions], np.ndarray]


def _canny(picture: np.ndarray, options: ExtractOptions) -> np.ndarray:
    from f1studio.engine.preprocess import canny_edges

    return canny_edges(picture, options.low, options.high)


def _depth(picture: np.ndarray, options: ExtractOptions) -> np.ndarray:
    from f1studio.engine.preprocess import estimate_depth

    return estimate_depth(picture, options.depth_model, device=options.device)


#: ``ControlKind.extractor`` -> the function that draws the guide (uint8 HxW) from a picture.
EXTRACTORS: dict[str, Extractor] = {"canny": _canny, "depth-estimator": _depth}


def extract_guide(
    kind: ControlKind | str, picture: np.ndarray, options: ExtractOptions | None = None
) -> np.ndarray:
    """The ``kind`` guide of ``picture`` (RGB or RGBA uint8): uint8 HxW at the picture's size."""
    return EXTRACTORS[ControlKind(kind).extractor](picture, options or ExtractOptions())
