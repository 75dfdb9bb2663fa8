"""What LoRAs cost per step, and how local a region LoRA is, on the demo model.

    python benchmarks/lora_cost.py [--model PIPELINE] [--steps 12] [--runs 3] [--rank 16]

A random LoRA of ``--rank`` on every attention projection of the UNet and text encoder
(``f1studio.testing.tiny_loras``) stands in for a real one: the cost of a LoRA depends on its
rank and the layers it touches, not on what it learned. Step time is measured between the
first and the last Progress event (text encoding and the VAE decode left out). Prints:

- ``step_ms`` for the base model, one and two LoRAs on the whole picture, and one region
  against one region with a LoRA limited to it;
- ``ratio_global`` (goal <= 1.05) and ``ratio_region`` (goal <= 1.15);
- ``region_change inside outside ratio``: the mean pixel change a LoRA limited to the left
  half makes inside and outside it (away from the border), over a few seeds (goal ratio >= 3).
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
    parser.add_argument("--model", default=None, help="default: the shipped demo model")
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--seeds", type=int, default=6)
    args = parser.parse_args()

    import numpy as np
    from diffusers import StableDiffusionPipeline

    from f1studio.demo.model import demo_model
    from f1studio.engine.events import Progress
    from f1studio.engine.models import ModelCache
    from f1studio.engine.request import GenerationRequest, LoraSpec, Pixels, RegionSpec
    from f1studio.engine.runner import run
    from f1studio.testing.tiny_loras import write_lora

    model = args.model or str(demo_model().pipeline)
    pipe = StableDiffusionPipeline.from_pretrained(model)
    folder = Path(tempfile.mkdtemp())
    first = write_lora(pipe, folder / "first.safetensors", rank=args.rank, seed=1)
    second = write_lora(pipe, folder / "second.safetensors", rank=args.rank, seed=2)
    del pipe
    size = 128 if args.model is None else 512
    cache = ModelCache()
    left = np.zeros((size, size), np.uint8)
    left[:, : size // 2] = 255
    region = RegionSpec(Pixels.of(left), "a red circle")

    def request(seed: int = 3, **kw) -> GenerationRequest:
        base = dict(
            prompt="a blue square on a white background", width=size, height=size, model=model,
            steps=args.steps, seed=seed, device="cpu", guidance_scale=5.0,
        )  # fmt: skip
        return GenerationRequest(**{**base, **kw})

    def step_time(req: GenerationRequest) -> float:
        stamps: list[float] = []
        run(req, lambda e: stamps.append(time.perf_counter()) if isinstance(e, Progress) else None,
            cache=cache)  # fmt: skip
        return (stamps[-1] - stamps[0]) / (len(stamps) - 1)

    one, two = LoraSpec(str(first), 0.8), LoraSpec(str(second), 0.5)
    cases = {
        "base": request(),
        "1 lora": request(loras=(one,)),
        "2 loras": request(loras=(one, two)),
        "1 region": request(regions=(region,)),
        "1 region + its lora": request(
            regions=(RegionSpec(region.mask, region.prompt, loras=(one,)),)
        ),
    }
    for req in cases.values():  # warm up (and load the LoRAs once)
        step_time(req)
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, req in cases.items():
            times[name].append(step_time(req))
    for name, values in times.items():
        print(f"step_ms {name}: {median(values) * 1000:.1f}")
    print(f"ratio_global {median(times['1 lora']) / median(times['base']):.3f}")
    print(f"ratio_global_2 {median(times['2 loras']) / median(times['base']):.3f}")
    print(f"ratio_region {median(times['1 region + its lora']) / median(times['1 region']):.3f}")

    def image(req: GenerationRequest) -> np.ndarray:
        result = run(req, cache=cache)
        assert result is not None
        return result.images[0].astype(int)

    margin = size // 8
    inside, outside = [], []
    scoped = RegionSpec(Pixels.of(left), "a red circle", loras=(LoraSpec(str(first), 1.0),))
    for seed in range(args.seeds):
        plain = image(request(seed, regions=(region,)))
        changed = image(request(seed, regions=(scoped,)))
        change = np.abs(changed - plain).mean(axis=2)
        inside.append(change[:, : size // 2 - margin].mean())
        outside.append(change[:, size // 2 + margin :].mean())
    i, o = float(np.mean(inside)), float(np.mean(outside))
    print(f"region_change inside {i:.2f} outside {o:.2f} ratio {i / max(o, 1e-9):.2f}")


if __name__ == "__main__":
    main()
