"""FID: the Fréchet distance of feature statistics, features from a local extractor."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.evaluation.errors import EvaluationError
from f1studio.evaluation.fid import (
    TorchScriptFeatures,
    feature_extractor,
    frechet_distance,
    read_pictures,
)
from f1studio.testing.tiny_clip import colour_picture


def _reference_fid(a: np.ndarray, b: np.ndarray) -> float:
    """The textbook formula with scipy's general matrix square root (pytorch-fid's way)."""
    from scipy import linalg

    mu = a.mean(0) - b.mean(0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = linalg.sqrtm(s_a @ s_b).real
    return float(mu @ mu + np.trace(s_a) + np.trace(s_b) - 2 * np.trace(root))


def test_the_distance_matches_the_textbook_formula():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(200, 8)) @ rng.normal(size=(8, 8))
    b = rng.normal(0.5, 1.5, size=(300, 8))
    assert frechet_distance(a, b) == pytest.approx(_reference_fid(a, b), rel=1e-6)


def test_a_set_against_itself_is_zero_and_a_shift_costs_its_square():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(100, 16))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    shift = np.zeros(16)
    shift[3] = 2.0
    assert frechet_distance(a, a + shift) == pytest.approx(4.0, abs=1e-6)
    with pytest.raises(ValueError, match="at least two"):
        frechet_distance(a[:1], a)


def test_the_tiny_extractor_tells_sets_apart(tiny_fid_features):
    features = TorchScriptFeatures(tiny_fid_features, allow_pickle=True)
    reds = [colour_picture("red", size=64, seed=i) for i in range(8)]
    more_reds = [colour_picture("red", size=64, seed=50 + i) for i in range(8)]
    blues = [colour_picture("blue", size=64, seed=i) for i in range(8)]
    red = features(reds)
    assert red.shape == (8, 16)
    assert frechet_distance(red, red) == pytest.approx(0.0, abs=1e-6)
    same_kind = frechet_distance(features(more_reds), red)
    other_kind = frechet_distance(features(blues), red)
    assert other_kind > 10 * same_kind > 0


def test_a_torchscript_file_is_read_only_when_pickles_are_allowed(tiny_fid_features):
    with pytest.raises(EvaluationError, match="--allow-pickle"):
        feature_extractor(tiny_fid_features, None)
    features, label = feature_extractor(tiny_fid_features, None, allow_pickle=True)
    assert "TorchScript features" in label
    assert features([colour_picture("red", size=64)]).shape == (1, 16)


def test_the_clip_model_is_the_default_extractor(scorer):
    features, label = feature_extractor(None, scorer)
    assert "CLIP image embeddings" in label
    reds = [colour_picture("red", size=48, seed=i) for i in range(4)]
    np.testing.assert_allclose(features(reds), scorer.image_embeddings(reds))


def test_reference_pictures_and_extractors_fail_in_one_line(tmp_path):
    from PIL import Image

    with pytest.raises(EvaluationError, match="does not exist"):
        read_pictures(tmp_path / "nowhere")
    Image.fromarray(colour_picture("red")).save(tmp_path / "one.png")
    (tmp_path / "notes.txt").write_text("not a picture")
    with pytest.raises(EvaluationError, match="holds 1 pictures"):
        read_pictures(tmp_path)
    Image.fromarray(colour_picture("blue")).convert("L").save(tmp_path / "two.jpg")
    pictures = read_pictures(tmp_path)
    assert [p.shape for p in pictures] == [(48, 48, 3), (48, 48, 3)]
    with pytest.raises(EvaluationError, match="not a TorchScript model"):
        TorchScriptFeatures(tmp_path / "notes.txt", allow_pickle=True)
    with pytest.raises(EvaluationError, match="no such file or folder"):
        feature_extractor(tmp_path / "gone.pt", None)
