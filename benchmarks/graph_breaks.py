"""Compile readiness: graph breaks of the denoiser (and ControlNet) per family and path.

    python benchmarks/graph_breaks.py [--families sd15,sdxl,flux] [--paths plain,regions,controlnet]
                                      [--size 64]

Renders with the tiny random-weight models on the CPU and runs ``torch._dynamo.explain`` on
the first call of the denoiser (the UNet or FLUX.1 transformer) and, on the ControlNet path,
of the ControlNet, with the attention processors the job installs. Prints one line per
family, path and model: ``graphs``, ``breaks`` (goal 0), then each break's reason.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import tiny_flux, tiny_models, tiny_sdxl  # noqa: E402

SIZE = 64  # latents 8x8 (SD1.5, SDXL), 4x4 FLUX.1 tokens (a dense regional mask)
PATHS = ("plain", "regions", "controlnet")


def _request(models: dict[str, Path], path: str, flux: bool, size: int):  # noqa: ANN202
    import numpy as np

    from f1studio.engine.request import (
        ControlKind,
        ControlSpec,
        GenerationRequest,
        Pixels,
        RegionSpec,
    )

    extra: dict = {}
    if path == "regions":
        left = np.zeros((size, size), np.uint8)
        left[:, : size // 2] = 255
        extra["regions"] = (RegionSpec(Pixels.of(left), "a green forest", weight=0.8),)
    if path == "controlnet":
        edges = np.zeros((size, size), np.uint8)
        edges[size // 4 : -size // 4, size // 4] = 255
        extra["controls"] = (
            ControlSpec(ControlKind.EDGE, Pixels.of(edges), str(models["controlnet-edge"]), 0.8),
        )
    return GenerationRequest(
        prompt="a red car on a street",
        negative_prompt="" if flux else "blurry",
        model=str(models["pipeline"]),
        width=size,
        height=size,
        steps=2,
        seed=1,
        device="cpu",
        guidance_scale=3.5 if flux else 7.0,
        **extra,
    )


def explain(family: str, models: dict[str, Path], path: str, size: int = SIZE) -> dict:
    import torch

    from f1studio.engine.events import Failed
    from f1studio.engine.models import ModelCache
    from f1studio.engine.runner import run
    from f1studio.engine.speed import denoiser_of
    from f1studio.testing.compile_check import explained_first_calls

    cache = ModelCache()
    request = _request(models, path, flux=family == "flux", size=size)
    events: list = []
    run(request.with_changes(steps=1), events.append, cache=cache)  # loads every model
    model = cache.loaded
    assert model is not None, events[-1:]
    watched = {"denoiser": denoiser_of(model.pipe)}
    for spec in request.controls:
        watched["controlnet"] = cache.controlnet(
            spec.model or "", "cpu", torch.float32, False, model.family
        )
    with explained_first_calls(watched) as results:
        run(request, events.append, cache=cache)
    failed = [e for e in events if isinstance(e, Failed)]
    if failed:
        raise SystemExit(f"{family} {path}: {failed[0]}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--families", default="sd15,sdxl,flux")
    parser.add_argument("--paths", default=",".join(PATHS))
    parser.add_argument("--size", type=int, default=SIZE, help="canvas side in pixels")
    args = parser.parse_args()
    builders = {"sd15": tiny_models, "sdxl": tiny_sdxl, "flux": tiny_flux}
    total = 0
    for family in args.families.split(","):
        models = builders[family]()
        for path in args.paths.split(","):
            for name, found in explain(family, models, path, args.size).items():
                total += found.breaks
                print(f"{family:5} {path:10} {name:10} graphs={found.graphs} breaks={found.breaks}")
                for reason in found.reasons:
                    print(f"      - {reason}")
    print(f"total graph breaks: {total}")


if __name__ == "__main__":
    main()
