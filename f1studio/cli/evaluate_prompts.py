"""``f1studio eval --prompts FILE``: any model on a prompt set — CLIP score, FID against
reference pictures, region CLIP, the solver study (``--write-step-plan``), a Markdown report
with PNG charts (:mod:`f1studio.evaluation`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from f1studio.cli.common import DEVICES, CliError, parse_size

#: What ``--only`` may name with ``--prompts``: the scored renders, the solver study.
PROMPT_TESTS = ("prompt", "solvers")


def add_arguments(ev: argparse.ArgumentParser) -> None:
    from f1studio.evaluation.clip_score import DEFAULT_CLIP

    group = ev.add_argument_group(
        "any model (--prompts)",
        "render a prompt set with --model and score it; --only prompt|solvers picks the scored "
        "renders or the solver study",
    )
    group.add_argument(
        "--prompts",
        type=Path,
        help="one prompt per line, or JSON: [{prompt, negative, seed, regions: [{prompt, "
        "box: [l, t, r, b] (0..1) | mask: PNG, expected}]}]",
    )
    group.add_argument(
        "--clip-model",
        default=DEFAULT_CLIP,
        help="CLIP for the scores: a folder or a hub id in the local cache (default: %(default)s)",
    )
    group.add_argument(
        "--reference-dir", type=Path, help="pictures to measure FID against (PNG, JPEG, WebP)"
    )
    group.add_argument(
        "--fid-features",
        type=Path,
        help="FID features: a TorchScript Inception file (inception-2015-12-05.pt) or a CLIP "
        "folder (default: the CLIP model's image embeddings); a TorchScript file holds "
        "pickled data and needs --allow-pickle",
    )
    group.add_argument(
        "--allow-pickle",
        action="store_true",
        help="read a pickled (TorchScript) --fid-features file; only for files you trust",
    )
    group.add_argument("--size", type=parse_size, help="WxH (default: the model's usual size)")
    group.add_argument("--seeds", type=int, default=1, help="pictures per prompt")
    group.add_argument("--seed", type=int, default=0, help="first seed (prompts without one)")
    group.add_argument("--device", choices=DEVICES, help="default: your settings' device")


def _defaults(base: str) -> tuple[int, int, float, str]:
    """(size, steps, guidance, scheduler) new projects start from with model ``base``."""
    from f1studio.engine.request import DEFAULT_SCHEDULER, GenerationRequest
    from f1studio.gui.family_defaults import project_defaults

    size, found = project_defaults(base)
    if found is None:
        generic = GenerationRequest("")
        return size, generic.steps, generic.guidance_scale, DEFAULT_SCHEDULER
    return size, found.steps, found.guidance, found.scheduler


def _base_model(model: Path | None) -> str:
    """The base model: ``--model`` (a demo-layout folder means its ``pipeline/``), else the
    user's chosen one, else the demo model (:func:`model_library.resolve_models`)."""
    from f1studio.appsettings import AppSettings
    from f1studio.model_choice import ModelChoice
    from f1studio.model_library import resolve_models

    if model is not None and (model / "pipeline" / "model_index.json").is_file():
        return str(model / "pipeline")
    flags = ModelChoice(base=str(model) if model is not None else None)
    base = resolve_models(None, AppSettings.load(), flags).base
    if not base:
        raise CliError("no model to evaluate: pass --model PATH (a folder, file or hub id)")
    return base


def run_prompts(args: argparse.Namespace) -> int:
    from f1studio.appsettings import AppSettings
    from f1studio.evaluation.errors import EvaluationError
    from f1studio.evaluation.prompt_eval import PromptEvalSettings, evaluate_prompts
    from f1studio.evaluation.report import markdown, write

    only = tuple(args.only or PROMPT_TESTS)
    if any(name not in PROMPT_TESTS for name in only):
        raise CliError(f"with --prompts, --only takes {' and '.join(PROMPT_TESTS)}")
    if args.seeds < 1 or args.solver_cases < 1:
        raise CliError("--seeds and --solver-cases must be at least 1")
    base = _base_model(args.model)
    study = "solvers" in (args.only or ()) or args.write_step_plan
    if args.write_step_plan and args.only and "solvers" not in args.only:
        raise CliError("--write-step-plan needs the solver study (add solvers to --only)")
    plan_folder = Path(base) if args.write_step_plan else None
    if plan_folder is not None and not (plan_folder / "model_index.json").is_file():
        raise CliError(
            f"--write-step-plan needs a diffusers model folder to write step_plan.json in; "
            f"{base} is not one"
        )
    size, steps, guidance, scheduler = _defaults(base)
    width, height = args.size or (size, size)
    settings = PromptEvalSettings(
        model=base,
        prompts=args.prompts,
        width=width,
        height=height,
        steps=tuple(args.steps or (steps,)),
        guidance=tuple(args.guidance or (guidance,)),
        schedulers=tuple(args.scheduler or (scheduler,)),
        clip_model=args.clip_model,
        reference_dir=args.reference_dir,
        fid_features=args.fid_features,
        allow_pickle=args.allow_pickle or AppSettings.load().allow_pickle,
        seeds_per_prompt=args.seeds,
        first_seed=args.seed,
        device=args.device or AppSettings.load().device,
        score="prompt" in only,
        solver_study=study,
        solver_cases=args.solver_cases,
        step_plan_folder=plan_folder,
    )
    try:
        figures = evaluate_prompts(
            settings, progress=lambda line: print(f"eval: {line}", file=sys.stderr, flush=True)
        )
    except EvaluationError as e:
        raise CliError(str(e)) from None
    except KeyboardInterrupt as e:
        raise CliError("eval cancelled: no report written") from e
    out, charts = write(figures, args.out)
    print(markdown(figures, charts))
    print(f"report: {out}" + "".join(f", {path}" for path in charts.values()))
    return 0
