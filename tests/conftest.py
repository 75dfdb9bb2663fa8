"""Shared fixtures. Tests never touch the network; Qt runs offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The deterministic tiny SD1.5 pipeline, edge/depth ControlNets and depth estimator."""
    from f1studio.testing.tiny_models import build_sd15

    return build_sd15(tmp_path_factory.mktemp("tiny-models"), seed=0)


@pytest.fixture(scope="session")
def engine_cache():
    """One model cache for the whole session, as the app keeps one between jobs."""
    from f1studio.engine.models import ModelCache

    return ModelCache()
