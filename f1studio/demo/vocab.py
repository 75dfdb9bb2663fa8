"""The words of the shapes world and the demo model's own CLIP tokenizer over them."""

from __future__ import annotations

from pathlib import Path

from f1studio.demo.world import COLORS, SHAPES, SIZES
from f1studio.engine.vocabulary import Vocabulary
from f1studio.wording import Wording

_GRAMMAR_WORDS = (
    "a",
    "an",
    "on",
    "the",
    "in",
    "at",
    "and",
    "left",
    "right",
    "top",
    "bottom",
    "centre",
    "background",
    "split",
)

#: Every word a caption of the world can hold (the tokenizer has merges for each).
VOCABULARY: tuple[str, ...] = tuple(dict.fromkeys((*_GRAMMAR_WORDS, *SIZES, *COLORS, *SHAPES)))


#: Words people write for the world's own (the model reads them as those; any other word it
#: does not know is left out of the prompt: see ``f1studio.engine.vocabulary``). On 30
#: held-out captions with "in the centre" written "in the middle" (2026-12-06), the six
#: untrained byte tokens of "middle" cut position 80 -> 62%, size 73 -> 40% and the background
#: 100 -> 63%.
SYNONYMS: dict[str, str] = {
    "middle": "centre",
    "center": "centre",
    "central": "centre",
    "big": "large",
    "huge": "large",
    "little": "small",
    "tiny": "small",
    "upper": "top",
    "lower": "bottom",
    "violet": "purple",
    "ball": "circle",
    "disc": "circle",
    "disk": "circle",
}


def demo_vocabulary() -> Vocabulary:
    """The demo model's vocabulary (``pipeline/vocabulary.json``)."""
    return Vocabulary(frozenset(VOCABULARY), dict(SYNONYMS))


#: the example prompt the empty prompt field shows while the demo model is in use
EXAMPLE_PROMPT = (
    "a large red circle on the left and a small blue square at the top right, "
    "on a yellow background"
)
#: the words it knows, by group, as the prompt field lists them (a window translates the
#: template, never the words: the model knows only these)
KNOWN_WORDS_TEMPLATE = "colours: {colours}; shapes: {shapes}; sizes: {sizes}; places: {places}"


def known_words() -> Wording:
    """The words the demo model knows, by group ("colours: red, green, …; shapes: …")."""
    return Wording(
        KNOWN_WORDS_TEMPLATE,
        colours=", ".join(COLORS),
        shapes=", ".join(SHAPES),
        sizes=", ".join(SIZES),
        places="left, right, top, bottom, centre, top left, …",
    )


def write_tokenizer(out: Path) -> None:
    """Write a CLIP tokenizer with byte-level BPE merges that keep each of the world's words
    one token."""
    from f1studio.testing.tiny_models import write_clip_tokenizer

    write_clip_tokenizer(Path(out), VOCABULARY, whole_words=True)
