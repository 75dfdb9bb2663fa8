"""CLIP score: max(100 * cos, 0) with transformers' CLIP, found offline."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.evaluation.clip_score import clip_scores, resolve_clip
from f1studio.evaluation.errors import EvaluationError
from f1studio.testing.tiny_clip import COLOURS, colour_picture


def test_the_score_is_clips_own_similarity_times_100(scorer):
    """Against transformers' CLIPModel forward: logits_per_image is logit_scale * cos."""
    import torch

    pictures = [colour_picture(w, size=40, seed=i) for i, w in enumerate(COLOURS)]
    texts = [f"a {w} picture" for w in COLOURS]
    pixels = scorer.processor(images=pictures, return_tensors="pt")["pixel_values"]
    tokens = scorer.tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        out = scorer.model(pixel_values=pixels, **tokens)
        cos = (out.logits_per_image / scorer.model.logit_scale.exp()).numpy()
    np.testing.assert_allclose(
        scorer.score_matrix(pictures, texts), np.maximum(100 * cos, 0), atol=1e-3
    )
    np.testing.assert_allclose(
        scorer.scores(pictures, texts), np.maximum(100 * np.diag(cos), 0), atol=1e-3
    )


def test_a_picture_scores_higher_with_its_own_colour_than_with_another(scorer):
    words = list(COLOURS)
    pictures = [colour_picture(w, size=64, seed=100 + i) for i, w in enumerate(words)]
    matrix = scorer.score_matrix(pictures, [f"a {w} picture" for w in words])
    for k in range(len(words)):
        assert matrix[k, k] > np.delete(matrix[k], k).max(), words[k]
    matching = scorer.scores(pictures, [f"a {w} picture" for w in words])
    mismatching = scorer.scores(pictures, [f"a {w} picture" for w in words[1:] + words[:1]])
    assert matching.mean() > mismatching.mean() + 20


def test_scores_are_clipped_at_zero_and_identical_embeddings_score_100():
    a = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 4.0]])
    b = np.array([[-1.0, 0.0], [0.0, 5.0], [3.0, 4.0]])
    np.testing.assert_allclose(clip_scores(a, b), [0.0, 100.0, 100.0])


def test_a_missing_clip_model_is_one_clear_line(tmp_path):
    with pytest.raises(EvaluationError) as missing:
        resolve_clip(str(tmp_path / "no-clip-here"))
    message = str(missing.value)
    assert "neither a folder nor in the Hugging Face cache" in message and "\n" not in message
    (tmp_path / "empty").mkdir()
    with pytest.raises(EvaluationError, match="no config.json"):
        resolve_clip(str(tmp_path / "empty"))


def test_a_hub_id_is_found_in_the_local_cache(tiny_clip, tmp_path, monkeypatch):
    """A CLIP in the Hugging Face cache layout (models--org--name/snapshots/<rev>) is found by
    its id without the network."""
    import shutil

    cache = tmp_path / "hub"
    snapshot = cache / "models--someone--tiny-clip" / "snapshots" / ("0" * 40)
    shutil.copytree(tiny_clip, snapshot)
    (cache / "models--someone--tiny-clip" / "refs").mkdir()
    (cache / "models--someone--tiny-clip" / "refs" / "main").write_text("0" * 40)
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(cache))
    assert resolve_clip("someone/tiny-clip") == snapshot
