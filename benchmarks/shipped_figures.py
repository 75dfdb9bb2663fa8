"""Every figure ``tests/demo/test_shipped_model.py`` asserts, measured on a demo model folder.

    python benchmarks/shipped_figures.py [--model DIR] [--only prompt hand-edges ...]

The tests hold thresholds "a little under what these first held-out cases measure with the
shipped model". When a new model is about to ship, this prints what those same calls measure on
it (the same cases, seeds and settings as the tests), so that the thresholds can be set from
its figures rather than guessed. Each group prints one line per figure; about 10 minutes for
all of them on the 2-core CPU.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def groups(model: Path) -> dict[str, Callable[[], dict[str, float]]]:
    """Each test's measure, as the test calls it: group name -> its figures."""
    from f1studio.demo import evaluate

    def renderer(**settings: int) -> evaluate.Renderer:
        return evaluate.Renderer(evaluate.EvalSettings(model=model, **settings))

    four = renderer(cases=4, solver_cases=2)
    two = renderer(cases=2, per_size_cases=2)

    def figures_of(r: evaluate.Renderer, measure: Callable, name: str) -> dict[str, float]:
        figures = evaluate.Figures(r.settings)
        measure(r, figures)
        return dict(getattr(figures, name))

    def layout_triangles() -> dict[str, float]:
        from f1studio.demo.evaluate_layout import layout_triangles_right

        right = layout_triangles_right(four)
        return {"triangles_right": sum(right) / len(right), "triangles": len(right)}

    def outlines() -> dict[str, float]:
        import numpy as np

        from f1studio.demo.evaluate_guides import HAND_OUTLINES, hand_outline_inside

        out: dict[str, float] = {}
        for name, (corners, prompt, colour, seed) in HAND_OUTLINES.items():
            for suggested, label in ((True, "suggested"), (False, "balanced")):
                shares = hand_outline_inside(four, corners, prompt, colour, seed, suggested)
                out[f"{name}_{label}"] = float(np.mean(shares))
                out[f"{name}_{label}_lowest"] = float(np.min(shares))
        return out

    return {
        "prompt": lambda: figures_of(renderer(cases=16), evaluate.eval_prompt, "prompt"),
        "hand-edges": lambda: figures_of(two, evaluate.eval_hand_edges, "hand_edges"),
        "painted-depth": lambda: figures_of(four, evaluate.eval_painted_depth, "painted_depth"),
        "live": lambda: figures_of(four, evaluate.eval_live, "live"),
        "layout-triangles": layout_triangles,
        "regions": lambda: figures_of(two, evaluate.eval_regions, "regions"),
        "layout": lambda: figures_of(renderer(cases=6), evaluate.eval_layout, "layout"),
        "edges": lambda: figures_of(two, evaluate.eval_edges, "edges"),
        "depth": lambda: figures_of(two, evaluate.eval_depth, "depth"),
        "autoencoder": lambda: figures_of(four, evaluate.eval_autoencoder, "autoencoder"),
        "inpaint": lambda: figures_of(four, evaluate.eval_inpaint, "inpaint"),
        "outlines": outlines,
    }


def main(argv: list[str] | None = None) -> int:
    from f1studio.demo.model import DEMO_ROOT

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEMO_ROOT)
    parser.add_argument("--only", nargs="+", default=None, help="groups to measure (default all)")
    args = parser.parse_args(argv)
    if not (args.model / "pipeline").is_dir():
        parser.error(f"no demo model at {args.model} (a folder holding pipeline/)")
    measures = groups(args.model)
    unknown = sorted(set(args.only or []) - set(measures))
    if unknown:
        parser.error(f"unknown groups: {', '.join(unknown)} (known: {', '.join(measures)})")
    for name in args.only or list(measures):
        began = time.monotonic()
        figures = measures[name]()
        print(f"## {name} ({time.monotonic() - began:.0f} s)", flush=True)
        for key, value in figures.items():
            shown = f"{value:.3f}" if isinstance(value, float) else str(value)
            print(f"{name}.{key} = {shown}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
