"""The adaptive sampler against fixed DPM-Solver++ and the step plan on the demo model.

For held-out captions of the demo world it renders each one's 100-step DPM-Solver++ picture
and measures how far every method lands from it (mean absolute difference, fraction of full
scale: the distance of ``f1studio eval``'s solver study) and how many model evaluations (NFE,
one guided evaluation each) it spends; then the adaptive sampler's NFE on simple (one shape)
against busy (three or four shapes) scenes. Prints Markdown tables.

    nice -n 19 python benchmarks/adaptive_sampler.py --cases 16
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

FIXED_STEPS = (8, 12, 20)
TOLERANCES = (0.15, 0.1, 0.05)
REFERENCE_STEPS = 100


def distance(image: np.ndarray, reference: np.ndarray) -> float:
    """Mean absolute difference as a fraction of full scale (the solver study's distance)."""
    return float(np.abs(image.astype(np.float32) - reference.astype(np.float32)).mean() / 255)


def methods(tolerances: tuple[float, ...]) -> dict[str, dict]:
    """Each method's name and the request fields that make it."""
    out: dict[str, dict] = {f"dpmpp-2m, {n} steps": {"steps": n} for n in FIXED_STEPS}
    out["step plan (steps: auto)"] = {"steps": 50, "auto_steps": True}
    for tol in tolerances:
        out[f"adaptive, tolerance {tol}"] = {
            "steps": 40,
            "scheduler": "adaptive",
            "adaptive_tolerance": tol,
        }
    return out


def run(cases: int, first: int, tolerances: tuple[float, ...], model: Path | None) -> None:
    from f1studio.demo.evaluate_base import EvalSettings, Renderer
    from f1studio.demo.world import HELD_OUT_SEED, generate

    settings = EvalSettings() if model is None else EvalSettings(model=model)
    render: Callable = Renderer(settings)
    table = methods(tolerances)
    nfe: dict[str, list[int]] = {name: [] for name in table}
    dist: dict[str, list[float]] = {name: [] for name in table}
    shapes: list[int] = []
    started = time.perf_counter()
    for i in range(first, first + cases):
        scene, _, text = generate(i, HELD_OUT_SEED)
        shapes.append(len(scene.shapes))
        reference, _ = render(text, seed=i, steps=REFERENCE_STEPS)
        line = [f"case {i} ({len(scene.shapes)} shapes)"]
        for name, fields in table.items():
            image, steps = render(text, seed=i, **fields)
            nfe[name].append(steps)
            dist[name].append(distance(image, reference))
            line.append(f"{name.split(',')[0][:8]} {steps}/{dist[name][-1]:.4f}")
        print(" | ".join(line), flush=True)
    seconds = time.perf_counter() - started
    print(f"\n{cases} held-out captions from {first}, guidance {settings.guidance}, "
          f"{seconds:.0f} s\n")  # fmt: skip
    print("| method | mean NFE | mean distance to the 100-step picture |")
    print("| --- | ---: | ---: |")
    for name in table:
        print(f"| {name} | {np.mean(nfe[name]):.1f} | {np.mean(dist[name]):.4f} |")
    simple = [k for k, n in enumerate(shapes) if n == 1]
    busy = [k for k, n in enumerate(shapes) if n >= 3]
    print(f"\n| adaptive NFE | simple (1 shape, {len(simple)}) | busy (3-4 shapes, {len(busy)}) |")
    print("| --- | ---: | ---: |")
    for name in table:
        if name.startswith("adaptive"):
            a = np.mean([nfe[name][k] for k in simple]) if simple else float("nan")
            b = np.mean([nfe[name][k] for k in busy]) if busy else float("nan")
            print(f"| {name} | {a:.1f} | {b:.1f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=16)
    parser.add_argument("--first", type=int, default=0, help="first held-out case")
    parser.add_argument(
        "--tolerances", default=",".join(str(t) for t in TOLERANCES), help="comma-separated"
    )
    parser.add_argument("--model", type=Path, default=None, help="default: the demo model")
    args = parser.parse_args(argv)
    tolerances = tuple(float(t) for t in args.tolerances.split(","))
    run(args.cases, args.first, tolerances, args.model)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
