"""``f1studio new``: create a project."""

from __future__ import annotations

import argparse
from pathlib import Path

from f1studio.cli.common import CliError, Subparsers, parse_size, parse_steps


def register(subparsers: Subparsers) -> None:
    from f1studio.engine.request import DEFAULT_SCHEDULER, SCHEDULERS

    new = subparsers.add_parser("new", help="create a project")
    new.add_argument("project", type=Path)
    new.add_argument(
        "--size",
        type=parse_size,
        help="WIDTHxHEIGHT (default: the model's, 128x128 for the demo model, else 512x512)",
    )
    new.add_argument("--prompt", required=True)
    new.add_argument("--negative", default="")
    new.add_argument(
        "--guidance", type=float, help="guidance scale (default: the model's, as in the window)"
    )
    new.add_argument(
        "--steps",
        type=parse_steps,
        help="denoising steps (default: the model's, as in the window), or 'auto' (up to that "
        "many: the model's step plan, or stop once settled)",
    )
    new.add_argument("--seed", type=int, default=42)
    new.add_argument("--random-seed", action="store_true", help="pick a new seed for every render")
    new.add_argument(
        "--scheduler",
        choices=SCHEDULERS,
        help=f"default: the model's (for unknown models {DEFAULT_SCHEDULER})",
    )
    new.add_argument(
        "--strength",
        type=float,
        default=1.0,
        help="denoise strength: 1 = from scratch, < 1 = transform the visible canvas",
    )
    new.add_argument("--batch", type=int, default=1, help="images per render (consecutive seeds)")
    new.add_argument("--model", help="base model for this project (folder, .safetensors or hub id)")
    new.add_argument("--force", action="store_true", help="overwrite an existing project")
    new.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from f1studio.appsettings import AppSettings
    from f1studio.document.document import Document
    from f1studio.document.settings import GenerationSettings, ModelChoice, SeedMode
    from f1studio.gui.family_defaults import project_defaults
    from f1studio.model_library import resolve_models
    from f1studio.project.f1s import save_project

    if args.project.exists() and not args.force:
        raise CliError(f"{args.project} already exists (use --force to replace it)")
    size, found = project_defaults(
        resolve_models(ModelChoice(base=args.model), AppSettings.load()).base
    )
    generic = GenerationSettings()  # for a model the defaults table does not know
    steps = found.steps if found is not None else generic.steps
    settings = GenerationSettings(
        scheduler=args.scheduler or (found.scheduler if found is not None else generic.scheduler),
        steps=steps if args.steps in (None, "auto") else args.steps,
        auto_steps=args.steps == "auto",
        guidance_scale=args.guidance
        if args.guidance is not None
        else (found.guidance if found is not None else generic.guidance_scale),
        seed=args.seed,
        seed_mode=SeedMode.RANDOM if args.random_seed else SeedMode.FIXED,
        strength=args.strength,
        batch_count=args.batch,
        models=ModelChoice(base=args.model),
    )
    width, height = args.size or (size, size)
    doc = Document(
        width, height, prompt=args.prompt, negative_prompt=args.negative, settings=settings
    )
    save_project(doc, args.project)
    print(f"created {args.project} ({width}x{height})")
    return 0
