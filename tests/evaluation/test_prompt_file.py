"""Prompt files: one prompt per line, or JSON with seeds, negatives and regions."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from f1studio.evaluation.errors import EvaluationError
from f1studio.evaluation.prompt_file import PromptCase, RegionCase, read_prompt_file


def test_a_text_file_is_one_prompt_per_line(tmp_path):
    path = tmp_path / "prompts.txt"
    path.write_text("a red car\n\n# a comment\n  a dog on the street  \n", encoding="utf-8")
    assert read_prompt_file(path) == [PromptCase("a red car"), PromptCase("a dog on the street")]


def test_a_json_file_carries_seeds_negatives_and_regions(tmp_path):
    mask = np.zeros((20, 40), np.uint8)
    mask[5:15, 30:38] = 255
    (tmp_path / "masks").mkdir()
    Image.fromarray(mask).save(tmp_path / "masks" / "sun.png")
    items = [
        "a plain prompt",
        {
            "prompt": "a street at night",
            "negative": "blurry",
            "seed": 7,
            "regions": [
                {"box": [0, 0.5, 0.5, 1], "prompt": "a red car", "expected": "a car"},
                {"mask": "masks/sun.png", "prompt": "a yellow sun"},
            ],
        },
    ]
    path = tmp_path / "set.json"
    path.write_text(json.dumps({"prompts": items}), encoding="utf-8")
    plain, street = read_prompt_file(path)
    assert plain == PromptCase("a plain prompt")
    assert (street.prompt, street.negative, street.seed) == ("a street at night", "blurry", 7)
    car, sun = street.regions
    assert car == RegionCase("a red car", box=(0.0, 0.5, 0.5, 1.0), expected="a car")
    assert car.expected_text == "a car" and sun.expected_text == "a yellow sun"
    # a box in fractions of the render, a mask scaled to it
    assert car.crop_box(64, 32) == (0, 16, 32, 32)
    assert sun.crop_box(80, 40) == (60, 10, 76, 30)
    assert sun.mask_at(80, 40)[20, 70] == 255 and sun.mask_at(80, 40)[20, 10] == 0


def test_a_region_only_case_is_scored_against_its_regions(tmp_path):
    path = tmp_path / "set.json"
    regions = [
        {"box": [0, 0, 0.5, 1], "prompt": "red"},
        {"box": [0.5, 0, 1, 1], "prompt": "blue"},
    ]
    path.write_text(json.dumps([{"regions": regions}]), encoding="utf-8")
    (case,) = read_prompt_file(path)
    assert case.scored_text == "red, blue"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ('{"a": 1}', "expected a list"),
        ("[]", "holds no prompts"),
        ('[{"prompt": "x", "seed": -1}]', "seed must be"),
        ('[{"prompt": "x", "regions": [{"prompt": "y"}]}]', "either a box or a mask"),
        ('[{"prompt": "x", "regions": [{"prompt": "y", "box": [0.5, 0, 0.2, 1]}]}]', "0 <= left"),
        ('[{"prompt": "x", "regions": [{"prompt": "y", "mask": "gone.png"}]}]', "no mask picture"),
        ('[{"prompt": "x", "regions": [{"box": [0, 0, 1, 1]}]}]', "needs a prompt"),
        ('[{"negative": "x"}]', "no prompt and no regions"),
    ],
)
def test_a_broken_json_file_says_what_is_wrong(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(EvaluationError, match=message):
        read_prompt_file(path)
