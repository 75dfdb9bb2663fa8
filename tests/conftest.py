"""Shared fixtures. Tests never touch the network; Qt runs offscreen.

The tiny models are built once per run (session fixtures) and are read-only for tests: a
test that changes files copies them first. ``engine_cache`` is the one model cache tests
share, as the app keeps one between jobs; a test that must load afresh (a changed memory
mode, configuration or environment) makes its own ``ModelCache()``.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if "F1STUDIO_DATA_DIR" not in os.environ:  # recovery copies of test windows stay out of ~
    import tempfile

    os.environ["F1STUDIO_DATA_DIR"] = tempfile.mkdtemp(prefix="f1studio-test-data-")

from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

import pytest  # noqa: E402

if TYPE_CHECKING:
    from f1studio.engine.models import ModelCache


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The deterministic tiny SD1.5 pipeline, edge/depth ControlNets and depth estimator."""
    from f1studio.testing.tiny_models import build_sd15

    return build_sd15(tmp_path_factory.mktemp("tiny-models"), seed=0)


@pytest.fixture(scope="session")
def tiny_sdxl(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The tiny SDXL pipeline, its edge/depth ControlNets and a 9-channel inpaint pipeline."""
    from f1studio.testing.tiny_sdxl import build_sdxl, build_sdxl_inpaint

    out = tmp_path_factory.mktemp("tiny-sdxl")
    return {**build_sdxl(out, seed=0), **build_sdxl_inpaint(out, seed=0)}


@pytest.fixture(scope="session")
def tiny_flux(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The tiny FLUX.1 dev, schnell and Fill pipelines and edge/depth/union ControlNets."""
    from f1studio.testing.tiny_flux import build_flux

    return build_flux(tmp_path_factory.mktemp("tiny-flux"), seed=0)


@pytest.fixture(scope="session")
def engine_cache() -> ModelCache:
    """One model cache for the whole session, as the app keeps one between jobs."""
    from f1studio.engine.models import ModelCache

    return ModelCache()
