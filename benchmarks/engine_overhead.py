"""Our engine's render against a direct diffusers pipeline call: same tiny model and settings.

    python benchmarks/engine_overhead.py [--runs 7] [--size 256] [--steps 20]

Prints per-run times and ``ratio <x>`` (median engine time / median diffusers time; goal <= 1.02).
Runs alternate between the two so that machine noise hits both alike.
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
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()

    import torch
    from diffusers import StableDiffusionPipeline

    from f1studio.engine.models import ModelCache
    from f1studio.engine.request import GenerationRequest
    from f1studio.engine.runner import run
    from f1studio.engine.schedulers import make_scheduler

    models = tiny_models()
    request = GenerationRequest(
        "a red car on a street",
        args.size,
        args.size,
        negative_prompt="blurry",
        model=str(models["pipeline"]),
        steps=args.steps,
        guidance_scale=7.0,
        seed=1,
        device="cpu",
    )
    cache = ModelCache()
    pipe = StableDiffusionPipeline.from_pretrained(
        str(models["pipeline"]), safety_checker=None, requires_safety_checker=False
    )
    pipe.set_progress_bar_config(disable=True)

    def ours() -> None:
        assert run(request, cache=cache) is not None

    def reference() -> None:
        pipe.scheduler = make_scheduler("dpmpp-2m", pipe.scheduler.config)
        pipe(
            "a red car on a street",
            negative_prompt="blurry",
            height=args.size,
            width=args.size,
            num_inference_steps=args.steps,
            guidance_scale=7.0,
            generator=torch.Generator("cpu").manual_seed(1),
            output_type="np",
        )

    ours()
    reference()  # warm up both (model load, allocator)
    engine_times, diffusers_times = [], []
    for _ in range(args.runs):
        for fn, bucket in ((ours, engine_times), (reference, diffusers_times)):
            start = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - start)
    print(f"device cpu, torch threads {torch.get_num_threads()}, {args.size}px, {args.steps} steps")
    print("engine   s: " + " ".join(f"{t:.3f}" for t in engine_times))
    print("diffusers s: " + " ".join(f"{t:.3f}" for t in diffusers_times))
    print(f"ratio {median(engine_times) / median(diffusers_times):.3f}")


if __name__ == "__main__":
    main()
