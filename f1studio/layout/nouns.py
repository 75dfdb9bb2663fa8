"""One noun phrase: its count, core ("a small red apple"), head noun, size word and name."""

from __future__ import annotations

from dataclasses import dataclass

from f1studio.layout import words as W
from f1studio.layout.markers import Tok


@dataclass(frozen=True)
class NounPhrase:
    toks: tuple[Tok, ...]
    count: int = 1
    count_end: int = 0  # index of the first token after the count words ("two", "a pair of")
    core_end: int = 0  # index of the first token after the core (where modifiers begin)

    @property
    def head(self) -> str:
        """The head noun, lower case and singular ("apples" -> "apple")."""
        if self.core_end <= self.count_end:
            return ""
        return W.singular(self.toks[self.core_end - 1].text).lower()

    @property
    def adjectives(self) -> frozenset[str]:
        content = self.toks[self.count_end : self.core_end - 1]
        return frozenset(t.low for t in content if t.low not in W.DETERMINERS)

    @property
    def size(self) -> str | None:
        for tok in self.toks[self.count_end : self.core_end]:
            if tok.low in W.SIZES:
                return tok.low
        return None

    @property
    def is_pronoun(self) -> bool:
        return len(self.toks) == 1 and self.toks[0].low in W.PRONOUNS

    @property
    def definite(self) -> bool:
        return bool(self.toks) and self.toks[0].low in ("the", "this", "that")

    def text(self, src: str) -> str:
        return src[self.toks[0].start : self.toks[-1].end] if self.toks else ""

    def singular_text(self, src: str) -> str:
        """The phrase for one of a counted group: "two red apples" -> "a red apple"."""
        if self.count < 2:
            return self.text(src)
        rest = self.toks[self.count_end :]
        head = self.toks[self.core_end - 1]
        body = (
            src[rest[0].start : head.start]
            + W.singular(head.text)
            + src[head.end : self.toks[-1].end]
        )
        return f"{W.article_for(body)} {body}"

    def name(self, src: str) -> str:
        """A short layer name: the core without articles or counts ("small red circle")."""
        content = [
            i
            for i in range(self.count_end, self.core_end)
            if self.toks[i].low not in W.DETERMINERS or i == self.core_end - 1
        ]
        if not content:
            return self.text(src)
        first, last = self.toks[content[0]], self.toks[self.core_end - 1]
        head = W.singular(last.text) if self.count > 1 else last.text
        return (src[first.start : last.start] + head).strip()


def analyse(toks: list[Tok]) -> NounPhrase:
    """Read a noun phrase's count and core (tokens end where its modifiers begin)."""
    count, count_end = _count(toks)
    i = count_end
    content = 0
    while i < len(toks):
        tok = toks[i]
        if not tok.is_word and tok.text not in ("-", "'"):
            break
        low = tok.low
        if content and (low in W.MODIFIER_STARTS or low in W.JOINERS):
            break
        if content and low.endswith("ing") and not _continues(toks, i + 1):
            break
        if tok.is_word and low not in W.DETERMINERS:
            content += 1
        i += 1
    while i > count_end and not toks[i - 1].is_word:
        i -= 1
    return NounPhrase(tuple(toks), count, count_end, i)


def _continues(toks: list[Tok], i: int) -> bool:
    """Does the word at ``i`` carry on a noun phrase core ("a sleeping cat")?"""
    if i >= len(toks) or not toks[i].is_word:
        return False
    low = toks[i].low
    stops = (W.DETERMINERS, W.MODIFIER_STARTS, W.JOINERS, W.FOLLOWERS, W.POSITION_PREPS)
    return not any(low in words for words in stops)


def _count(toks: list[Tok]) -> tuple[int, int]:
    i = 1 if toks and toks[0].low == "the" else 0
    if i >= len(toks):
        return 1, 0
    low = toks[i].low
    following = toks[i + 1] if i + 1 < len(toks) else None
    if following is None or not following.is_word or following.low == "of":
        number = 0
    elif low in W.NUMBERS:
        number = W.NUMBERS[low]
    elif low.isdigit():
        number = int(low)
    else:
        number = 0
    if 2 <= number <= W.MAX_COUNT:
        return number, i + 1
    if number == 1:
        return 1, 0
    nxt = toks[i + 2].low if i + 2 < len(toks) else ""
    grouped = following is not None and following.low in W.GROUPS
    if low in ("a", "an") and grouped and nxt == "of" and i + 3 < len(toks):
        assert following is not None
        return W.GROUPS[following.low], i + 3
    return 1, 0
