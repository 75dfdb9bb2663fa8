"""``f1studio eval``: how well the demo model obeys prompts, regions, guides and masks; with
``--prompts FILE``, how any model renders a prompt set (:mod:`f1studio.cli.evaluate_prompts`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from f1studio.cli.common import CliError, Subparsers

EVAL_TESTS = (
    "autoencoder",
    "prompt",
    "regions",
    "edges",
    "hand-edges",
    "depth",
    "painted-depth",
    "inpaint",
    "live",
    "layout",
    "control",
    "solvers",
    "auto",
)
#: The tests that take their scenes from the case list alone, so --training-scenes applies.
TRAINING_SCENE_TESTS = frozenset({"prompt", "autoencoder"})


def register(subparsers: Subparsers) -> None:
    from f1studio.cli import evaluate_prompts
    from f1studio.engine.request import SCHEDULERS

    ev = subparsers.add_parser(
        "eval",
        help="measure how well the demo model obeys prompts, regions, guides and masks, or "
        "(--prompts FILE) how any model renders a prompt set",
    )
    ev.add_argument(
        "--model",
        type=Path,
        help="demo-layout folder (pipeline/ + controlnet-*/) or a pipeline; with --prompts any "
        "base model (folder, .safetensors file or hub id)",
    )
    ev.add_argument("--cases", type=int, default=50, help="held-out scenes per test")
    ev.add_argument(
        "--first-case",
        type=int,
        default=0,
        metavar="N",
        help="start at held-out scene N (0; e.g. 50 scores captions the report never showed, "
        "for choosing between models without tuning on the report's own cases)",
    )
    ev.add_argument(
        "--training-scenes",
        action="store_true",
        help="score scenes the model was trained on instead of held-out ones (with --only "
        "prompt and/or autoencoder): the same figures there mean it has not fitted them either",
    )
    ev.add_argument("--out", type=Path, default=Path("eval-report.md"), help="Markdown report")
    ev.add_argument("--only", nargs="+", choices=EVAL_TESTS, help="run only these tests")
    ev.add_argument(
        "--steps", type=int, nargs="+", help="20 (with --prompts: the model's; several compare)"
    )
    ev.add_argument(
        "--guidance", type=float, nargs="+", help="5 (with --prompts: the model's; several compare)"
    )
    ev.add_argument(
        "--scheduler",
        choices=SCHEDULERS,
        nargs="+",
        metavar="NAME",
        help=f"dpmpp-2m (with --prompts: the model's; several compare): {', '.join(SCHEDULERS)}",
    )
    ev.add_argument("--solver-cases", type=int, default=6, help="cases in the solver study")
    ev.add_argument(
        "--write-step-plan",
        action="store_true",
        help="save the solver study's step counts in the model (used by steps: auto)",
    )
    evaluate_prompts.add_arguments(ev)
    ev.set_defaults(func=run)


def _one(values: list | None, default: Any, flag: str) -> Any:
    if not values:
        return default
    if len(values) > 1:
        raise CliError(f"the shapes-world eval takes one {flag} (several compare with --prompts)")
    return values[0]


def run(args: argparse.Namespace) -> int:
    if args.prompts is not None:
        from f1studio.cli.evaluate_prompts import run_prompts

        return run_prompts(args)
    from f1studio.demo.evaluate import EvalSettings, evaluate
    from f1studio.demo.model import DEMO_ROOT
    from f1studio.demo.report import markdown, write
    from f1studio.demo.world import HELD_OUT_SEED, TRAIN_SEED

    model = args.model or DEMO_ROOT
    if not model.exists():
        raise CliError(f"no model at {model} (train one: python -m f1studio.demo.train)")
    if args.cases < 1 or args.solver_cases < 1:
        raise CliError("--cases and --solver-cases must be at least 1")
    if args.first_case < 0:
        raise CliError("--first-case must be 0 or more")
    if args.training_scenes and not (args.only and set(args.only) <= TRAINING_SCENE_TESTS):
        raise CliError("--training-scenes needs --only prompt and/or autoencoder")
    settings = EvalSettings(
        model=model,
        cases=args.cases,
        steps=_one(args.steps, 20, "--steps"),
        guidance=_one(args.guidance, 5.0, "--guidance"),
        scheduler=_one(args.scheduler, "dpmpp-2m", "--scheduler"),
        solver_cases=args.solver_cases,
        first_index=args.first_case,
        scene_seed=TRAIN_SEED if args.training_scenes else HELD_OUT_SEED,
        write_step_plan=args.write_step_plan,
    )
    if args.write_step_plan and args.only and "solvers" not in args.only:
        raise CliError("--write-step-plan needs the solver study (add solvers to --only)")
    try:
        figures = evaluate(
            settings,
            only=tuple(args.only or EVAL_TESTS),
            progress=lambda line: print(f"eval: {line}", file=sys.stderr, flush=True),
        )
    except KeyboardInterrupt as e:  # Ctrl+C: stop between renders, write nothing half-done
        raise CliError("eval cancelled: no report written") from e
    out, png = write(figures, args.out)
    print(markdown(figures))
    print(f"report: {out}" + (f", samples: {png}" if png else ""))
    return 0
