"""Shared setup for the benchmark scripts: tiny models built once into a cache folder."""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]


def tiny_models(folder: Path | None = None) -> dict[str, Path]:
    """Build (or reuse) the tiny SD1.5 models under ``.tiny-models/`` in the repo."""
    from f1studio.testing.tiny_models import build_sd15

    folder = folder or ROOT / ".tiny-models"
    names = ("pipeline", "controlnet-edge", "controlnet-depth", "depth-estimator")
    if all((folder / n).exists() for n in names):
        return {n: folder / n for n in names}
    return build_sd15(folder)


def timed(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def median(values: list[float]) -> float:
    return statistics.median(values)


def tiny_sdxl(folder: Path | None = None) -> dict[str, Path]:
    """Build (or reuse) the tiny SDXL pipeline and its edge/depth ControlNets under
    ``.tiny-models/sdxl/``."""
    from f1studio.testing.tiny_sdxl import build_sdxl

    folder = folder or ROOT / ".tiny-models" / "sdxl"
    names = ("pipeline", "controlnet-edge", "controlnet-depth")
    if all((folder / n).exists() for n in names):
        return {n: folder / n for n in names}
    return build_sdxl(folder)


def tiny_flux(folder: Path | None = None) -> dict[str, Path]:
    """Build (or reuse) the tiny FLUX.1 pipelines and ControlNets under ``.tiny-models/flux/``."""
    from f1studio.testing.tiny_flux import build_flux

    folder = folder or ROOT / ".tiny-models" / "flux"
    names = ("pipeline", "pipeline-schnell", "pipeline-fill", "controlnet-edge", "controlnet-depth")
    if all((folder / n).exists() for n in names):
        return {n: folder / n for n in names}
    return build_flux(folder)


def rss_mb() -> float:
    """This process's resident memory now, in MB (Linux ``/proc``; else psutil)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20
