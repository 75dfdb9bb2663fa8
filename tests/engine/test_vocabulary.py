"""A model's own vocabulary (``vocabulary.json``): words it never learned are read as the word
they stand for or left out, so they cannot reach the UNet as untrained tokens."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from f1studio.engine.request import GenerationRequest, Pixels, RegionSpec
from f1studio.engine.vocabulary import (
    VOCABULARY_FILE,
    Vocabulary,
    read_vocabulary,
    write_vocabulary,
)
from tests.engine.helpers import render

WORDS = Vocabulary(
    frozenset(
        ["a", "an", "red", "blue", "car", "boat", "in", "the", "centre", "on", "left", "background"]
    ),
    {"middle": "centre", "center": "centre", "ship": "boat"},
)


def test_synonyms_are_read_as_their_word_and_unknown_words_left_out() -> None:
    text = "A red car in the Middle, next to a shiny ship. On a blue background!"
    assert WORDS.restrict(text) == "a red car in the centre, a boat on a blue background"
    assert WORDS.unknown(text) == ["next", "to", "shiny"]
    assert WORDS.read_as(text) == {"middle": "centre", "ship": "boat"}
    caption = "a red car on the left, on a blue background"  # the model's own words: unchanged
    assert WORDS.restrict(caption) == caption
    assert WORDS.restrict(", , pink ,") == ""
    assert WORDS.unknown("a car, a car") == []


def test_a_vocabulary_file_round_trips_and_a_bad_one_is_ignored(tmp_path: Path) -> None:
    write_vocabulary(tmp_path, WORDS)
    assert read_vocabulary(tmp_path) == WORDS
    assert read_vocabulary(tmp_path / "missing") is None
    for bad in ("not json", '{"synonyms": {}}', '{"words": []}', '{"words": 3}', "[]"):
        (tmp_path / VOCABULARY_FILE).write_text(bad, encoding="utf-8")
        assert read_vocabulary(tmp_path) is None, bad
    (tmp_path / VOCABULARY_FILE).write_text(
        '{"words": ["a", "car"], "synonyms": {"auto": "car", "ship": "boat"}}', encoding="utf-8"
    )
    assert read_vocabulary(tmp_path) == Vocabulary(frozenset({"a", "car"}), {"auto": "car"})


@pytest.fixture(scope="module")
def worded_model(tiny_models, tmp_path_factory) -> Path:
    """The tiny SD1.5 pipeline with a vocabulary.json."""
    folder = tmp_path_factory.mktemp("worded") / "pipeline"
    shutil.copytree(tiny_models["pipeline"], folder)
    write_vocabulary(folder, WORDS)
    return folder


def _render(model: Path, cache, prompt: str, **kw) -> np.ndarray:
    request = GenerationRequest(
        prompt, model=str(model), width=64, height=64, steps=4, seed=3, device="cpu", **kw
    )
    return render(request, cache)[0]


def test_a_model_with_a_vocabulary_renders_a_synonym_as_its_word(
    worded_model, tiny_models, engine_cache
) -> None:
    centre = _render(worded_model, engine_cache, "a red car in the centre")
    assert np.array_equal(_render(worded_model, engine_cache, "a red car in the middle"), centre)
    # a word it does not know changes nothing (it was noise to this model)
    assert np.array_equal(
        _render(worded_model, engine_cache, "a shiny red car in the centre"), centre
    )
    # a model without a vocabulary reads every word as its tokenizer does
    plain = tiny_models["pipeline"]
    assert not np.array_equal(
        _render(plain, engine_cache, "a red car in the middle"),
        _render(plain, engine_cache, "a red car in the centre"),
    )


def test_region_prompts_and_negative_prompts_are_read_in_the_models_words(
    worded_model, engine_cache
) -> None:
    mask = np.zeros((64, 64), np.uint8)
    mask[:, :32] = 255

    def regional(region_prompt: str, negative: str) -> np.ndarray:
        region = RegionSpec(Pixels.of(mask), region_prompt)
        return _render(
            worded_model,
            engine_cache,
            "on a blue background",
            regions=(region,),
            negative_prompt=negative,
        )

    assert np.array_equal(regional("a ship", "a center car"), regional("a boat", "a centre car"))
