"""Region CLIP: does each region show its own prompt, and not its neighbours'?

Each region's crop (the bounding box of its box or mask) is scored against its own expected
text and against the other regions' texts of the same picture. The margin (own minus the mean
of the others) and the share of regions whose own text scores highest say how well the model
keeps the regions' meanings apart ("semantic decoupling"): 0 and 1/k for a model that mixes
them, positive and near 1 for one that does not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from f1studio.evaluation.prompt_file import RegionCase

ScoreMatrix = Callable[[Sequence[np.ndarray], Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class RegionScore:
    own: float
    #: mean score against the other regions' texts; None for a picture's only region
    others: float | None
    #: the own text scores above every other region's text
    own_highest: bool | None

    @property
    def margin(self) -> float | None:
        return None if self.others is None else self.own - self.others


def region_crops(
    image: np.ndarray, regions: Sequence[RegionCase]
) -> list[tuple[RegionCase, np.ndarray]]:
    """Each region with its crop of ``image`` (regions with an empty mask are left out)."""
    height, width = image.shape[:2]
    out = []
    for region in regions:
        box = region.crop_box(width, height)
        if box is not None:
            x0, y0, x1, y1 = box
            out.append((region, image[y0:y1, x0:x1]))
    return out


def region_scores(
    image: np.ndarray, regions: Sequence[RegionCase], score_matrix: ScoreMatrix
) -> list[RegionScore]:
    """The scores of each region of one picture (see the module)."""
    crops = region_crops(image, regions)
    if not crops:
        return []
    texts = [region.expected_text for region, _ in crops]
    matrix = np.asarray(score_matrix([crop for _, crop in crops], texts), np.float64)
    out = []
    for k in range(len(crops)):
        others = np.delete(matrix[k], k)
        out.append(
            RegionScore(
                own=float(matrix[k, k]),
                others=float(others.mean()) if others.size else None,
                own_highest=bool(matrix[k, k] > others.max()) if others.size else None,
            )
        )
    return out


def summarise(scores: Sequence[RegionScore]) -> dict[str, float]:
    """Means over regions: own score, score against the others, margin, share own highest."""
    shared = [s for s in scores if s.others is not None]
    return {
        "regions": float(len(scores)),
        "own": _mean([s.own for s in scores]),
        "others": _mean([s.others for s in shared if s.others is not None]),
        "margin": _mean([s.margin for s in shared if s.margin is not None]),
        "own_highest": _mean([float(bool(s.own_highest)) for s in shared]),
    }


def _mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if len(values) else float("nan")
