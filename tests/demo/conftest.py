"""Fixtures the demo model's tests share."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    """The world's word-level CLIP tokenizer, written to a temporary folder."""
    from transformers import CLIPTokenizer

    from f1studio.demo.vocab import write_tokenizer

    folder = tmp_path_factory.mktemp("tokenizer")
    write_tokenizer(folder)
    return CLIPTokenizer.from_pretrained(str(folder))
