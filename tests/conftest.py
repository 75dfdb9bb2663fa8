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
# recovery copies of test windows stay out of ~, and each xdist worker keeps its own
if "F1STUDIO_DATA_DIR" not in os.environ or "PYTEST_XDIST_WORKER" in os.environ:
    import tempfile

    os.environ["F1STUDIO_DATA_DIR"] = tempfile.mkdtemp(prefix="f1studio-test-data-")

# Under pytest-xdist (scripts/test.sh runs one worker per core, up to four) each worker gets
# its share of the cores, so torch's threads never outnumber them.
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0") or 0)
if _WORKERS > 1:
    from f1studio.engine_environment import usable_cores

    _THREADS = str(max(1, usable_cores() // _WORKERS))
    for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, _THREADS)
    # Training (`TrainSettings.threads`, the LoRA and IP-Adapter stages) asks torch for two
    # threads; two workers doing so on two cores spin in each other's way (several times
    # slower), so a worker's torch never takes more than its share.
    import torch

    _set_num_threads = torch.set_num_threads
    torch.set_num_threads = lambda n: _set_num_threads(min(int(n), int(_THREADS)))

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
