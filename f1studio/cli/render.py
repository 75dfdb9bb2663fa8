"""``f1studio render``: render a project to PNG files, with a progress bar."""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Any

from f1studio.cli.common import DEVICES, CliError, Subparsers, add_controlnet_option, parse_steps


def register(subparsers: Subparsers) -> None:
    ren = subparsers.add_parser("render", help="render the project to a PNG")
    ren.add_argument("project", type=Path)
    ren.add_argument("--out", type=Path, required=True)
    ren.add_argument("--model", help="base model: diffusers folder, .safetensors file or hub id")
    add_controlnet_option(ren, "ControlNet for edge or depth guides")
    ren.add_argument("--device", default=None, choices=DEVICES)
    ren.add_argument("--seed", type=int)
    ren.add_argument(
        "--steps", type=parse_steps, help="override steps: N, or 'auto' (up to the project's steps)"
    )
    ren.add_argument("--guidance", type=float)
    ren.add_argument(
        "--allow-pickle",
        action="store_true",
        help="allow .ckpt/.bin weights (they can run code: only for files you trust)",
    )
    ren.add_argument(
        "--ip-adapter",
        help="the IP-Adapter reference pictures use (default: the one chosen for the model's "
        "family with `f1studio config --ip-adapter`)",
    )
    ren.add_argument(
        "--inpaint-controlnet",
        help="the inpaint ControlNet inpaint masks render with (SD1.5; default: the one chosen "
        "with `f1studio config --inpaint-controlnet`, the demo model's own for the demo model)",
    )
    ren.add_argument("--quiet", action="store_true", help="no progress bar")
    ren.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from f1studio.appsettings import AppSettings
    from f1studio.document.build import build_request
    from f1studio.document.settings import SeedMode
    from f1studio.lora_library import embeddings_in
    from f1studio.model_choice import ModelChoice
    from f1studio.model_library import inpaint_controlnet_for, ip_adapter_for, resolve_models
    from f1studio.project.export import export_png
    from f1studio.project.f1s import load_project

    doc = load_project(args.project)
    if doc.settings.layout_auto:  # as the window does before Generate (the file is not changed)
        from f1studio.layout import default_planner
        from f1studio.layout.regions import apply_layout

        plan = default_planner().plan(doc.prompt)
        apply_layout(doc, plan, doc.prompt, shape=doc.settings.layout_shape)
    app = AppSettings.load()
    flags = ModelChoice(base=args.model, controlnets=dict(args.controlnet))
    models = resolve_models(doc.settings.models, app, flags)
    ignored = [
        kind
        for kind in flags.controlnets
        if models.controlnets.get(kind) != flags.controlnets[kind]
    ]
    if ignored:  # no base model chosen anywhere: the demo model runs with its own ControlNets
        raise CliError(
            f"--controlnet {ignored[0]}=… needs a base model of its family: add --model PATH "
            "(the demo model uses its own ControlNets)"
        )
    seed = args.seed
    if seed is None and doc.settings.seed_mode == SeedMode.RANDOM:
        seed = random.randrange(2**32)
    try:
        request = build_request(
            doc,
            model=models.base,
            controlnets=models.controlnets,
            device=args.device or app.device,
            allow_pickle=args.allow_pickle or app.allow_pickle,
            seed=seed,
            steps=None if args.steps == "auto" else args.steps,
            auto_steps=True if args.steps == "auto" else None,
            guidance=args.guidance,
            embeddings=embeddings_in(app.model_folders),
            ip_adapter=args.ip_adapter or ip_adapter_for(models.base, app),
            inpaint_controlnet=args.inpaint_controlnet or inpaint_controlnet_for(models.base, app),
        )
    except ValueError as e:
        raise CliError(str(e)) from e
    result = run_with_progress(request, quiet=args.quiet)
    outputs = []
    for index, (image, image_seed) in enumerate(zip(result.images, result.seeds, strict=True)):
        out = (
            args.out
            if index == 0
            else args.out.with_name(f"{args.out.stem}-{index}{args.out.suffix}")
        )
        export_png(image, out, request, seed=image_seed)
        outputs.append(out)
    took = f"{result.seconds:.1f}s on {result.device} ({result.dtype})"
    print(f"wrote {', '.join(map(str, outputs))} (seed {result.seeds[0]}, {took})")
    return 0


def run_with_progress(request: Any, quiet: bool) -> Any:
    """Run ``request`` with a progress bar on stderr; the result, or :class:`CliError`."""
    from f1studio.engine.events import Failed, Progress, Started
    from f1studio.engine.runner import run

    bar = None
    failure: list[Failed] = []

    def on_event(event: Any) -> None:
        nonlocal bar
        if isinstance(event, Started) and not quiet:
            from tqdm import tqdm

            bar = tqdm(
                total=event.total_steps,
                unit="step",
                file=sys.stderr,
                leave=False,
                desc=f"rendering on {event.device}",
            )
        elif isinstance(event, Progress) and bar is not None:
            bar.n = event.step
            bar.refresh()
        elif isinstance(event, Failed):
            failure.append(event)

    try:
        result = run(request, on_event)
    except KeyboardInterrupt as e:
        raise CliError("cancelled") from e
    finally:
        if bar is not None:
            bar.close()
    if result is None:
        raise CliError(failure[0].message if failure else "the render was cancelled")
    return result
