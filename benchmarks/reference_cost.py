"""What a reference picture costs per step once its embeddings are cached, on the demo model.

    python benchmarks/reference_cost.py [--steps 12] [--runs 3]

A random IP-Adapter built for the demo model's UNet (``f1studio.testing.tiny_ip_adapter``)
stands in for a trained one: the cost depends on the adapter's shape, not on what it learned.
Step time is measured between the first and the last Progress event. Prints ``step_ms`` for
no reference, one and two references, and ``ratio_one`` (goal <= 1.10, embeddings cached:
every run after the first reuses them).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import median  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import numpy as np
    from diffusers import UNet2DConditionModel

    from f1studio.demo.model import demo_model
    from f1studio.engine.events import Progress
    from f1studio.engine.models import ModelCache
    from f1studio.engine.request import GenerationRequest, Pixels, ReferenceSpec
    from f1studio.engine.runner import run
    from f1studio.testing.tiny_ip_adapter import build_ip_adapter

    model = str(demo_model().pipeline)
    unet = UNet2DConditionModel.from_pretrained(model, subfolder="unet")
    adapter = build_ip_adapter(unet, Path(tempfile.mkdtemp()) / "ip-adapter")
    del unet
    cache = ModelCache()
    rng = np.random.default_rng(0)
    pictures = [Pixels.of(rng.integers(0, 255, (96, 96, 3), dtype=np.uint8)) for _ in range(2)]

    def request(count: int) -> GenerationRequest:
        refs = tuple(
            ReferenceSpec(p, "style" if i else "subject") for i, p in enumerate(pictures[:count])
        )
        return GenerationRequest(
            "a blue square on a white background", width=128, height=128, model=model,
            steps=args.steps, seed=3, device="cpu", guidance_scale=5.0, references=refs,
            ip_adapter=str(adapter) if refs else None,
        )  # fmt: skip

    def step_time(count: int) -> float:
        stamps: list[float] = []
        run(request(count), lambda e: stamps.append(time.perf_counter()) if isinstance(e, Progress) else None,
            cache=cache)  # fmt: skip
        return (stamps[-1] - stamps[0]) / (len(stamps) - 1)

    times: dict[int, list[float]] = {0: [], 1: [], 2: []}
    for count in times:  # warm up: load, and encode each picture once
        step_time(count)
    for _ in range(args.runs):
        for count in times:
            times[count].append(step_time(count))
    for count, values in times.items():
        print(f"step_ms references={count}: {median(values) * 1000:.1f}")
    print(f"ratio_one {median(times[1]) / median(times[0]):.3f}")
    print(f"ratio_two {median(times[2]) / median(times[0]):.3f}")


if __name__ == "__main__":
    main()
