"""Per-step cost of regional prompting: 0 regions against 1, 2 and 4 regions.

    python benchmarks/regions_cost.py [--size 256] [--steps 20] [--runs 5]

Step time is measured between the first and the last Progress event, so text encoding and the
VAE decode are left out. Prints ``step_ms regions=N`` lines and ``ratio4 <x>`` (goal <= 1.15).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import median, tiny_models  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    import numpy as np

    from f1studio.engine.events import Progress
    from f1studio.engine.models import ModelCache
    from f1studio.engine.request import GenerationRequest, Pixels, RegionSpec
    from f1studio.engine.runner import run

    models = tiny_models()
    cache = ModelCache()
    size = args.size
    prompts = ["a red car", "a blue sky", "a green tree", "a black cat"]

    def regions(count: int) -> tuple[RegionSpec, ...]:
        out = []
        for i in range(count):
            mask = np.zeros((size, size), np.uint8)
            mask[:, i * size // count : (i + 1) * size // count] = 255
            out.append(RegionSpec(Pixels.of(mask), prompts[i]))
        return tuple(out)

    def step_time(count: int) -> float:
        request = GenerationRequest(
            "a photo",
            size,
            size,
            model=str(models["pipeline"]),
            steps=args.steps,
            seed=3,
            device="cpu",
            regions=regions(count),
        )
        stamps: list[float] = []
        run(
            request,
            lambda e: stamps.append(time.perf_counter()) if isinstance(e, Progress) else None,
            cache=cache,
        )
        return (stamps[-1] - stamps[0]) / (len(stamps) - 1)

    step_time(0)
    step_time(4)  # warm up
    results: dict[int, list[float]] = {n: [] for n in (0, 1, 2, 4)}
    for _ in range(args.runs):
        for n in results:
            results[n].append(step_time(n))
    base = median(results[0])
    for n, values in results.items():
        print(f"step_ms regions={n} {median(values) * 1000:.1f} (x{median(values) / base:.3f})")
    print(f"ratio4 {median(results[4]) / base:.3f}")


if __name__ == "__main__":
    main()
