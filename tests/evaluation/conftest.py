"""The tiny CLIP (it knows six colours) and the tiny FID feature extractor, built once."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from f1studio.testing.tiny_clip import build_tiny_clip

    return build_tiny_clip(tmp_path_factory.mktemp("tiny-clip") / "clip", seed=0)


@pytest.fixture(scope="session")
def tiny_fid_features(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from f1studio.testing.tiny_clip import build_tiny_fid_extractor

    return build_tiny_fid_extractor(tmp_path_factory.mktemp("tiny-fid") / "features.pt", seed=0)


@pytest.fixture(scope="session")
def scorer(tiny_clip: Path):
    from f1studio.evaluation.clip_score import ClipScorer

    return ClipScorer(str(tiny_clip), "cpu")
