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
    new.add_argument("--prompt", help="required unless --from-png gives one")
    new.add_argument("--negative", default=None)
    new.add_argument(
        "--from-png",
        type=Path,
        help="take prompt, negative prompt, size, steps, sampler, guidance, seed and LoRAs "
        "from a picture's parameters (F1 Studio, AUTOMATIC1111, Forge); options given win",
    )
    new.add_argument(
        "--guidance", type=float, help="guidance scale (default: the model's, as in the window)"
    )
    new.add_argument(
        "--steps",
        type=parse_steps,
        help="denoising steps (default: the model's, as in the window), or 'auto' (up to that "
        "many: the model's step plan, or stop once settled)",
    )
    new.add_argument("--seed", type=int, default=None, help="default 42")
    new.add_argument("--random-seed", action="store_true", help="pick a new seed for every render")
    new.add_argument(
        "--scheduler",
        choices=SCHEDULERS,
        help=f"default: the model's (for unknown models {DEFAULT_SCHEDULER})",
    )
    new.add_argument(
        "--strength",
        type=float,
        default=None,
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
    found_loras: tuple = ()
    if args.from_png is not None:
        found_loras = _from_png(args)
    if args.prompt is None:
        raise CliError("--prompt is required (or --from-png with a picture's parameters)")
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
        seed=42 if args.seed is None else args.seed,
        seed_mode=SeedMode.RANDOM if args.random_seed else SeedMode.FIXED,
        strength=1.0 if args.strength is None else args.strength,
        batch_count=args.batch,
        models=ModelChoice(base=args.model),
        loras=found_loras,
    )
    width, height = args.size or (size, size)
    doc = Document(
        width, height, prompt=args.prompt, negative_prompt=args.negative or "", settings=settings
    )
    save_project(doc, args.project)
    print(f"created {args.project} ({width}x{height})")
    return 0


def _from_png(args: argparse.Namespace) -> tuple:
    """Fill the options not given from the picture's parameters; the LoRAs it names that are
    in the user's folders (by name), the others reported on stderr."""
    import sys

    from f1studio.appsettings import AppSettings
    from f1studio.document.loras import LoraEntry
    from f1studio.lora_library import find_loras
    from f1studio.project.export import PARAMETERS_KEY, read_png_parameters
    from f1studio.project.parameters import parse_parameters

    text = read_png_parameters(args.from_png).get(PARAMETERS_KEY)
    if text is None:
        raise CliError(f"{args.from_png.name} carries no generation parameters")
    try:
        p = parse_parameters(text)
    except ValueError as e:
        raise CliError(f"{args.from_png.name}: {e}") from None
    for name, value in (
        ("prompt", p.prompt), ("negative", p.negative_prompt), ("steps", p.steps),
        ("scheduler", p.scheduler), ("guidance", p.guidance_scale), ("seed", p.seed),
        ("size", p.size), ("strength", p.strength),
    ):  # fmt: skip
        if getattr(args, name) is None and value is not None:
            setattr(args, name, value)
    if p.unknown.get("Sampler"):
        print(f"note: sampler {p.unknown['Sampler']!r} is not one of ours", file=sys.stderr)
    by_name = {f.name.lower(): f for f in find_loras(AppSettings.load().model_folders)}
    entries = []
    for name, weight in p.loras:
        found = by_name.get(name.lower())
        if found is None:
            print(f"note: LoRA {name!r} is not in your model folders", file=sys.stderr)
        else:
            entries.append(LoraEntry(str(found.path), max(-2.0, min(2.0, weight))))
    return tuple(entries)
