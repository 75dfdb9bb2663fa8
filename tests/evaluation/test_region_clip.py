"""Region CLIP: each region's crop against its own prompt and the other regions' prompts."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.evaluation.prompt_file import RegionCase
from f1studio.evaluation.region_clip import region_crops, region_scores, summarise
from f1studio.testing.tiny_clip import colour_picture

LEFT = RegionCase("a red picture", box=(0.0, 0.0, 0.5, 1.0))
RIGHT = RegionCase("a blue picture", box=(0.5, 0.0, 1.0, 1.0))


def _halves(left: str, right: str) -> np.ndarray:
    return np.concatenate(
        [
            colour_picture(left, size=64, seed=1)[:, :32],
            colour_picture(right, size=64, seed=2)[:, 32:],
        ],
        axis=1,
    )


def test_crops_follow_the_regions():
    picture = _halves("red", "blue")
    (_, left), (_, right) = region_crops(picture, [LEFT, RIGHT])
    assert left.shape == right.shape == (64, 32, 3)
    assert left[..., 0].mean() > 150 and right[..., 2].mean() > 150


def test_regions_showing_their_own_prompt_score_a_positive_margin(scorer):
    figures = summarise(region_scores(_halves("red", "blue"), [LEFT, RIGHT], scorer.score_matrix))
    assert figures["regions"] == 2
    assert figures["own_highest"] == 1.0
    assert figures["margin"] > 20
    assert figures["own"] == pytest.approx(figures["others"] + figures["margin"])


def test_swapped_crops_score_a_negative_margin(scorer):
    right_way = summarise(region_scores(_halves("red", "blue"), [LEFT, RIGHT], scorer.score_matrix))
    swapped = summarise(region_scores(_halves("blue", "red"), [LEFT, RIGHT], scorer.score_matrix))
    assert swapped["own_highest"] == 0.0
    assert swapped["margin"] < 0 < right_way["margin"]


def test_a_single_region_has_an_own_score_but_no_margin(scorer):
    (score,) = region_scores(_halves("red", "blue"), [LEFT], scorer.score_matrix)
    assert score.own > 0 and score.others is None and score.margin is None
    assert np.isnan(summarise([score])["margin"])
