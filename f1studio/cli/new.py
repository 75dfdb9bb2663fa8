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
        "--size", type=parse_size, default=(512, 512), help="WIDTHxHEIGHT (default 512x512)"
    )
    new.add_argument("--prompt", required=True)
    new.add_argument("--negative", default="")
    new.add_argument("--guidance", type=float, default=7.5)
    new.add_argument(
        "--steps",
        type=parse_steps,
        default=25,
        help="denoising steps, or 'auto' (up to 25: the model's step plan, or stop once settled)",
    )
    new.add_argument("--seed", type=int, default=42)
    new.add_argument("--random-seed", action="store_true", help="pick a new seed for every render")
    new.add_argument("--scheduler", choices=SCHEDULERS, default=DEFAULT_SCHEDULER)
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
    from f1studio.document.document import Document
    from f1studio.document.settings import GenerationSettings, ModelChoice, SeedMode
    from f1studio.project.f1s import save_project

    if args.project.exists() and not args.force:
        raise CliError(f"{args.project} already exists (use --force to replace it)")
    settings = GenerationSettings(
        scheduler=args.scheduler,
        steps=25 if args.steps == "auto" else args.steps,
        auto_steps=args.steps == "auto",
        guidance_scale=args.guidance,
        seed=args.seed,
        seed_mode=SeedMode.RANDOM if args.random_seed else SeedMode.FIXED,
        strength=args.strength,
        batch_count=args.batch,
        models=ModelChoice(base=args.model),
    )
    width, height = args.size
    doc = Document(
        width, height, prompt=args.prompt, negative_prompt=args.negative, settings=settings
    )
    save_project(doc, args.project)
    print(f"created {args.project} ({width}x{height})")
    return 0
