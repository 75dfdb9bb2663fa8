"""The GPU benchmark suite (issue 20): full-size random-weight SD1.5, SDXL, FLUX.1-dev and
FLUX.1-schnell models built from their published configurations, timed in the engine and
against diffusers' own pipelines, in one run that fits a time budget.

    python benchmarks/gpu_suite.py [--json PATH] [--budget 480] [--only sd15,sdxl]
                                   [--env F1STUDIO_X=1 ...]
    python benchmarks/gpu_suite.py --tiny [--tiny-models DIR]

Measures per set (``gpu_measures.MEASURES``): per-step time of the engine and of diffusers'
pipeline for the same model, size, steps, sampler and guidance (ratio); 1 and 4 regions (ratio
to none); 1 and 2 ControlNets; the cost of each step preview; VAE and tiny-VAE decode; peak GPU
memory in full-GPU and model-offload modes (FLUX.1-dev also with an int8 and an NF4
transformer); live-mode stroke to picture at 512x512 with a 4-step LCM sampler (SD1.5).

Prints a markdown table and writes JSON (``--json``). What would not fit in the budget is
skipped, with a line in the table; a failure is a row saying why. ``--tiny`` runs every code
path with the tiny test models on the CPU (CI runs it, so the suite never rots): its figures
are a smoke check, not performance. ``--env KEY=VALUE`` sets an environment variable before
anything is built (the engine's switches: memory mode, speed settings), and the JSON records it;
the engine is timed as it runs by default otherwise.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.gpu_measures import ALL_SETS, MEASURES, Measure  # noqa: E402
from benchmarks.gpu_models import PrebuiltCache, build_full, build_tiny, release  # noqa: E402
from benchmarks.gpu_timing import Bench, Row  # noqa: E402

DEFAULT_BUDGET_S = 480.0  # the 8 minutes on one H100/H200-class GPU
TINY_BUDGET_S = 1800.0  # --tiny: a slow or busy CI machine still runs every row
# seconds to build a full-size set on such a GPU, and a step before one is measured
BUILD_S = {"sd15": 10.0, "sdxl": 20.0, "flux-dev": 60.0, "flux-schnell": 45.0}
GUESS_STEP_S = {"sd15": 0.015, "sdxl": 0.04, "flux-dev": 0.13, "flux-schnell": 0.13}
TINY_STEP_S = 0.05
OVERHEAD = 1.5  # warm-ups, text encoding, decoding around the timed steps


class Budget:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.start = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def left(self) -> float:
        return self.seconds - self.elapsed()


def estimate_s(measure: Measure, bench: Bench) -> float:
    """What ``measure`` should take on ``bench``: its renders at the measured (or guessed) step
    time, plus its fixed seconds on a GPU."""
    name = bench.models.name
    if bench.step_ms is not None:
        step_s = bench.step_ms / 1000
    else:
        step_s = GUESS_STEP_S[name] if bench.full else TINY_STEP_S
    fixed = measure.fixed_s.get(name, 0.0) if bench.full else 0.0
    return measure.renders * bench.models.settings.steps * step_s * OVERHEAD + fixed


def unmeasured_rows(measure: Measure, name: str, status: str, note: str) -> list[Row]:
    return [Row(name, m, status=status, note=note) for m in measure.metrics_for(name)]


def complete(rows: list[Row], measure: Measure, name: str) -> list[Row]:
    """``rows`` plus a failed row for any metric the measurement did not give."""
    have = {r.metric for r in rows}
    missing = [m for m in measure.metrics_for(name) if m not in have]
    return rows + [Row(name, m, status="failed", note="not measured") for m in missing]


def log(budget: Budget, text: str) -> None:
    print(f"[{budget.elapsed():6.1f} s] {text}", file=sys.stderr, flush=True)


def run_set(name: str, args: argparse.Namespace, budget: Budget, cache: PrebuiltCache) -> list[Row]:
    """Build one set, run its measurements while the budget lasts, release it."""
    measures = [m for m in MEASURES if name in m.sets]
    if not args.tiny and budget.left() < BUILD_S[name] * 2:
        note = f"not built: ~{BUILD_S[name] * 2:.0f} s needed, {budget.left():.0f} s left"
        return [r for m in measures for r in unmeasured_rows(m, name, "skipped", note)]
    log(budget, f"building {name}")
    try:
        models = build_tiny(name, args.tiny_models) if args.tiny else build_full(name, "cuda")
    except Exception as e:  # noqa: BLE001 - the table says why, the other sets still run
        note = f"build failed: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        return [r for m in measures for r in unmeasured_rows(m, name, "failed", note[:200])]
    bench = Bench(models, cache, full=not args.tiny)
    cache.use(models)
    rows: list[Row] = []
    try:
        for measure in measures:
            need = estimate_s(measure, bench)
            if need > budget.left():
                note = f"would not fit: ~{need:.0f} s needed, {max(budget.left(), 0):.0f} s left"
                rows += unmeasured_rows(measure, name, "skipped", note)
                continue
            started = time.perf_counter()
            try:
                got = measure.run(bench)
            except Exception as e:  # noqa: BLE001
                text = str(e).splitlines()[0] if str(e) else ""
                got = unmeasured_rows(measure, name, "failed", f"{type(e).__name__}: {text}"[:200])
            rows += complete(got, measure, name)
            log(budget, f"{name} {measure.name}: {time.perf_counter() - started:.1f} s")
    finally:
        cache.use(None)
        release(models)
    return rows


def device_name(tiny: bool) -> str:
    import torch

    if not tiny and torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return f"CPU ({os.cpu_count()} cores)"


def fmt(row: Row) -> tuple[str, str, str, str]:
    if row.status != "ok":
        return row.status, "", row.goal, ""
    if row.value is None:
        value = "n/a"
    else:
        digits = 2 if row.unit == "GB" or row.value < 10 else 1
        value = f"{row.value:.{digits}f} {row.unit}"
    ratio = f"{row.ratio:.3f}x" if row.ratio is not None else ""
    met = {True: "yes", False: "no", None: ""}[row.met]
    return value, ratio, row.goal, met


def table(rows: list[Row]) -> str:
    lines = [
        "| model | measure | value | ratio | goal | met | note |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        value, ratio, goal, met = fmt(row)
        note = row.note.replace("|", "/")
        lines.append(
            f"| {row.model} | {row.metric} | {value} | {ratio} | {goal} | {met} | {note} |"
        )
    return "\n".join(lines)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the rows and the run's facts here")
    parser.add_argument("--tiny", action="store_true", help="tiny test models on the CPU")
    parser.add_argument(
        "--tiny-models",
        type=Path,
        default=ROOT / ".tiny-models" / "gpu-suite",
        help="where --tiny builds (or finds) its models",
    )
    parser.add_argument(
        "--budget", type=float, default=None, help="seconds (default 480; --tiny 1800)"
    )
    parser.add_argument("--only", default="", help=f"comma-separated sets of {','.join(ALL_SETS)}")
    parser.add_argument(
        "--env", action="append", default=[], metavar="KEY=VALUE", help="set before building"
    )
    args = parser.parse_args(argv)
    args.sets = [s for s in args.only.split(",") if s] or list(ALL_SETS)
    unknown = [s for s in args.sets if s not in ALL_SETS]
    if unknown:
        parser.error(f"unknown set(s) {', '.join(unknown)} (choose from {', '.join(ALL_SETS)})")
    if any("=" not in item for item in args.env):
        parser.error("--env takes KEY=VALUE")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    env = dict(item.split("=", 1) for item in args.env)
    os.environ.update(env)
    import diffusers
    import torch

    if not args.tiny and not torch.cuda.is_available():
        print(
            "no CUDA GPU here: the full suite needs one (--tiny runs on the CPU)", file=sys.stderr
        )
        return 2
    default = TINY_BUDGET_S if args.tiny else DEFAULT_BUDGET_S
    budget = Budget(args.budget if args.budget is not None else default)
    cache = PrebuiltCache()
    rows: list[Row] = []

    def facts(done: list[str]) -> dict:
        return {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "device": device_name(args.tiny),
            "tiny": args.tiny,
            "torch": torch.__version__,
            "diffusers": diffusers.__version__,
            "env": env,
            "budget_s": budget.seconds,
            "elapsed_s": round(budget.elapsed(), 1),
            "sets_done": done,
            "complete": done == args.sets,
        }

    for i, name in enumerate(args.sets):
        rows += run_set(name, args, budget, cache)
        if args.json is not None:  # after every set, so a run stopped from outside keeps them
            args.json.parent.mkdir(parents=True, exist_ok=True)
            data = {**facts(args.sets[: i + 1]), "rows": [r.as_json() for r in rows]}
            args.json.write_text(json.dumps(data, indent=2) + "\n", "utf-8")
    end = facts(args.sets)
    print(f"GPU suite on {end['device']}, {end['date']}, {end['elapsed_s']} s")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
