"""A model's own vocabulary: the words a small model was trained on, read from the
``vocabulary.json`` its folder may carry (the demo model's does).

A text encoder trained on a closed set of words has never seen any other token: a word outside
it (``middle`` where the model knows ``centre``) reaches the UNet as a few untrained byte
tokens, which is noise, not meaning. So before a prompt is encoded, each word the model does
not know is replaced by the known word it stands for (``synonyms``) or left out, and the window
can say which words were left out. Models without the file are untouched.

The file: ``{"words": ["a", "red", ...], "synonyms": {"middle": "centre", ...}}``; a comma is
always kept (captions use it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

VOCABULARY_FILE = "vocabulary.json"
_TOKENS = re.compile(r"[a-z]+|,")


@dataclass(frozen=True)
class Vocabulary:
    words: frozenset[str]
    synonyms: dict[str, str] = field(default_factory=dict)

    def restrict(self, text: str) -> str:
        """``text`` in the model's words: synonyms replaced, unknown words left out."""
        out: list[str] = []
        for token in _TOKENS.findall(text.lower()):
            word = token if token in self.words or token == "," else self.synonyms.get(token)
            if word is None:
                continue
            if word == ",":
                if out and out[-1] != ",":
                    out.append(",")
            else:
                out.append(word)
        while out and out[0] == ",":
            out.pop(0)
        while out and out[-1] == ",":
            out.pop()
        return " ".join(out).replace(" ,", ",")

    def unknown(self, text: str) -> list[str]:
        """The words of ``text`` the model knows neither as such nor as a synonym, each once."""
        found = [
            t
            for t in _TOKENS.findall(text.lower())
            if t != "," and t not in self.words and t not in self.synonyms
        ]
        return list(dict.fromkeys(found))

    def read_as(self, text: str) -> dict[str, str]:
        """The synonyms ``text`` uses, with the word each is read as."""
        return {
            t: self.synonyms[t]
            for t in _TOKENS.findall(text.lower())
            if t not in self.words and t in self.synonyms
        }

    def to_json(self) -> dict[str, object]:
        return {"words": sorted(self.words), "synonyms": dict(sorted(self.synonyms.items()))}


def read_vocabulary(folder: str | Path) -> Vocabulary | None:
    """The vocabulary a model folder carries, or None (no file, or one that cannot be read)."""
    path = Path(folder) / VOCABULARY_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        words = frozenset(str(w).lower() for w in data["words"])
        synonyms = {str(k).lower(): str(v).lower() for k, v in data.get("synonyms", {}).items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not words:
        return None
    return Vocabulary(words, {k: v for k, v in synonyms.items() if v in words})


def write_vocabulary(folder: str | Path, vocabulary: Vocabulary) -> Path:
    path = Path(folder) / VOCABULARY_FILE
    path.write_text(json.dumps(vocabulary.to_json(), indent=2) + "\n", encoding="utf-8")
    return path
