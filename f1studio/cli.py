"""The ``f1studio`` command: projects, layers and renders from a terminal.

Heavy modules (torch, diffusers) are imported only inside the commands that need them, so
``f1studio --help`` starts instantly. Every failure exits non-zero with one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

from f1studio import __version__

LAYER_KINDS = ("paint", "reference", "region", "edge", "depth", "inpaint")


class CliError(Exception):
    """A user-facing failure: printed as one line, exit status 1."""


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"size must look like 512x512, not {text!r}") from e
    return w, h


EVAL_TESTS = ("prompt", "regions", "edges", "depth", "inpaint", "solvers", "auto")


def _steps(text: str) -> int | str:
    if text.strip().lower() == "auto":
        return "auto"
    try:
        return int(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"steps must be a number or 'auto', not {text!r}") from e


def _controlnet(text: str) -> tuple[str, str]:
    kind, _, path = text.partition("=")
    if kind not in ("edge", "depth") or not path:
        raise argparse.ArgumentTypeError(f"use --controlnet edge=PATH or depth=PATH, not {text!r}")
    return kind, path


def build_parser() -> argparse.ArgumentParser:
    from f1studio.engine.request import DEFAULT_SCHEDULER, SCHEDULERS

    p = argparse.ArgumentParser(
        prog="f1studio",
        description="F1 Studio: paint regions, guides and masks, then render them with "
        "Stable Diffusion on your own GPU. Without a command it opens the window (the last "
        "project, or a new one).",
    )
    p.add_argument("--version", action="version", version=f"f1studio {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    new = sub.add_parser("new", help="create a project")
    new.add_argument("project", type=Path)
    new.add_argument(
        "--size", type=_size, default=(512, 512), help="WIDTHxHEIGHT (default 512x512)"
    )
    new.add_argument("--prompt", required=True)
    new.add_argument("--negative", default="")
    new.add_argument("--guidance", type=float, default=7.5)
    new.add_argument(
        "--steps",
        type=_steps,
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

    add = sub.add_parser("add-layer", help="add a layer from an image file")
    add.add_argument("project", type=Path)
    add.add_argument("--kind", choices=LAYER_KINDS, required=True)
    src = add.add_mutually_exclusive_group(required=True)
    src.add_argument("--image", type=Path, help="masks: white = inside; guides: as drawn")
    src.add_argument("--from-image", type=Path, help="extract an edge or depth guide from a photo")
    add.add_argument("--name", default="")
    add.add_argument("--prompt", default=None)
    add.add_argument("--negative", default=None)
    add.add_argument("--weight", type=float, default=None)
    add.add_argument("--start", type=float, default=None)
    add.add_argument("--end", type=float, default=None)
    add.add_argument("--strength", type=float, default=None)
    add.add_argument("--feather", type=int, default=None)
    add.add_argument("--opacity", type=float, default=None)
    add.add_argument("--low", type=int, default=100, help="Canny low threshold (--from-image edge)")
    add.add_argument("--high", type=int, default=200, help="Canny high threshold")
    add.add_argument("--depth-model", help="depth estimator (folder or hub id)")
    add.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])

    op = sub.add_parser("open", help="open a project in the window")
    op.add_argument("project", type=Path, nargs="?", help="default: the last project")

    info = sub.add_parser("info", help="print the project as JSON")
    info.add_argument("project", type=Path)

    ren = sub.add_parser("render", help="render the project to a PNG")
    ren.add_argument("project", type=Path)
    ren.add_argument("--out", type=Path, required=True)
    ren.add_argument("--model", help="base model: diffusers folder, .safetensors file or hub id")
    ren.add_argument(
        "--controlnet",
        type=_controlnet,
        action="append",
        default=[],
        metavar="KIND=PATH",
        help="ControlNet for edge or depth guides",
    )
    ren.add_argument("--device", default=None, choices=["auto", "cpu", "cuda", "mps"])
    ren.add_argument("--seed", type=int)
    ren.add_argument(
        "--steps", type=_steps, help="override steps: N, or 'auto' (up to the project's steps)"
    )
    ren.add_argument("--guidance", type=float)
    ren.add_argument(
        "--allow-pickle",
        action="store_true",
        help="allow .ckpt/.bin weights (they can run code: only for files you trust)",
    )
    ren.add_argument("--quiet", action="store_true", help="no progress bar")

    cfg = sub.add_parser("config", help="show or set default models for this user")
    cfg.add_argument("--model")
    cfg.add_argument(
        "--controlnet", type=_controlnet, action="append", default=[], metavar="KIND=PATH"
    )
    cfg.add_argument("--depth-model")
    cfg.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"])

    mods = sub.add_parser("models", help="list, add, download or remove models")
    msub = mods.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    mlist = msub.add_parser("list", help="models in your folders and the Hugging Face cache")
    mlist.add_argument("--json", action="store_true", help="print JSON instead of a table")
    mlist.add_argument("--all", action="store_true", help="also list what was not identified")
    madd = msub.add_parser("add", help="scan a folder (an A1111/ComfyUI install, a models folder)")
    madd.add_argument("path", type=Path, help="a folder, or a model file (its folder is added)")
    mdown = msub.add_parser("download", help="download a model from the Hugging Face hub")
    mdown.add_argument(
        "repo_id", metavar="ID", help="e.g. stable-diffusion-v1-5/stable-diffusion-v1-5"
    )
    mdown.add_argument("--yes", action="store_true", help="accept the licence without asking")
    mdown.add_argument("--token", help="Hugging Face token (default: HF_TOKEN or `hf auth login`)")
    mrem = msub.add_parser(
        "remove", help="forget a folder, or delete a model from the Hugging Face cache"
    )
    mrem.add_argument("target", metavar="NAME_OR_PATH", help="a folder from the list, or a model")
    mrem.add_argument("--yes", action="store_true", help="really delete a Hugging Face cache model")
    ev = sub.add_parser(
        "eval", help="measure how well the demo model obeys prompts, regions, guides and masks"
    )
    ev.add_argument(
        "--model", type=Path, help="demo-layout folder (pipeline/ + controlnet-*/) or a pipeline"
    )
    ev.add_argument("--cases", type=int, default=50, help="held-out scenes per test")
    ev.add_argument("--out", type=Path, default=Path("eval-report.md"), help="Markdown report")
    ev.add_argument("--only", nargs="+", choices=EVAL_TESTS, help="run only these tests")
    ev.add_argument("--steps", type=int, default=20)
    ev.add_argument("--guidance", type=float, default=5.0)
    ev.add_argument("--scheduler", choices=SCHEDULERS, default="dpmpp-2m")
    ev.add_argument("--solver-cases", type=int, default=6, help="cases in the solver study")
    ev.add_argument(
        "--write-step-plan",
        action="store_true",
        help="save the solver study's step counts in the model (used by steps: auto)",
    )
    return p


# ---- commands ----------------------------------------------------------------------------
def cmd_new(args: argparse.Namespace) -> int:
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


def _layer_pixels(args: argparse.Namespace, doc: Any) -> Any:
    from f1studio.project.imports import load_mask, load_picture

    kind = args.kind
    if args.from_image is not None:
        if kind not in ("edge", "depth"):
            raise CliError(
                "--from-image extracts edge or depth guides; use --image for other kinds"
            )
        photo = load_picture(args.from_image, doc.width, doc.height)
        if kind == "edge":
            from f1studio.engine.preprocess import canny_edges

            return canny_edges(photo, args.low, args.high)
        from f1studio.appsettings import AppSettings
        from f1studio.engine.preprocess import estimate_depth

        model = args.depth_model or doc.settings.models.depth_estimator
        model = model or AppSettings.load().depth_estimator
        return estimate_depth(photo, model, device=args.device)
    if kind in ("paint", "reference"):
        return load_picture(args.image, doc.width, doc.height)
    return load_mask(args.image, doc.width, doc.height)


def cmd_add_layer(args: argparse.Namespace) -> int:
    from f1studio.document.layers import LayerKind
    from f1studio.project.f1s import load_project, save_project

    doc = load_project(args.project)
    data = _layer_pixels(args, doc)
    props = {
        "prompt": args.prompt,
        "negative_prompt": args.negative,
        "weight": args.weight,
        "start": args.start,
        "end": args.end,
        "strength": args.strength,
        "feather": args.feather,
        "opacity": args.opacity,
    }
    kind = LayerKind(args.kind)
    from f1studio.document.layers import COMMON_PROPERTIES, KIND_PROPERTIES

    allowed = set(COMMON_PROPERTIES) | set(KIND_PROPERTIES[kind])
    wrong = [k for k, v in props.items() if v is not None and k not in allowed]
    if wrong:
        flags = ", ".join("--" + ("negative" if w == "negative_prompt" else w) for w in wrong)
        raise CliError(f"a {kind.label.lower()} layer does not take {flags}")
    props = {k: v for k, v in props.items() if v is not None}
    layer = doc.add_layer(kind, name=args.name, data=data, **props)
    save_project(doc, args.project)
    print(f"added {kind.label.lower()} layer {layer.name!r} ({layer.id}) to {args.project}")
    return 0


def project_summary(doc: Any) -> dict[str, Any]:
    import numpy as np

    layers = []
    for layer in doc.layers:
        entry: dict[str, Any] = {"id": layer.id, "kind": layer.kind.value, **layer.properties()}
        if entry.get("curve") is not None:
            entry["curve"] = list(entry["curve"])
        painted = layer.data[..., 3] if layer.kind.is_picture else layer.data
        entry["painted_fraction"] = round(float(np.count_nonzero(painted)) / painted.size, 4)
        layers.append(entry)
    return {
        "width": doc.width,
        "height": doc.height,
        "prompt": doc.prompt,
        "negative_prompt": doc.negative_prompt,
        "settings": doc.settings.to_dict(),
        "layers": layers,
    }


def cmd_open(args: argparse.Namespace) -> int:
    return start_window(str(args.project) if args.project else None)


def start_window(project: str | None) -> int:
    try:
        from f1studio.gui.app import main as gui_main
    except ImportError as e:
        raise CliError(f"the window needs PySide6, superqt and qasync ({e})") from e
    return gui_main(project)


def cmd_info(args: argparse.Namespace) -> int:
    from f1studio.project.f1s import load_project

    print(json.dumps(project_summary(load_project(args.project)), indent=2))
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from f1studio.appsettings import AppSettings
    from f1studio.demo.model import resolve_models
    from f1studio.document.build import build_request
    from f1studio.document.settings import SeedMode
    from f1studio.project.export import export_png
    from f1studio.project.f1s import load_project

    doc = load_project(args.project)
    app = AppSettings.load()
    chosen = doc.settings.models
    nets = dict(args.controlnet)
    base, edge, depth = resolve_models(
        args.model or chosen.base or app.base,
        nets.get("edge") or chosen.edge_controlnet or app.edge_controlnet,
        nets.get("depth") or chosen.depth_controlnet or app.depth_controlnet,
    )
    controlnets = {"edge": edge, "depth": depth}
    seed = args.seed
    if seed is None and doc.settings.seed_mode == SeedMode.RANDOM:
        seed = random.randrange(2**32)
    try:
        request = build_request(
            doc,
            model=base,
            controlnets=controlnets,
            device=args.device or app.device,
            allow_pickle=args.allow_pickle or app.allow_pickle,
            seed=seed,
            steps=None if args.steps == "auto" else args.steps,
            auto_steps=True if args.steps == "auto" else None,
            guidance=args.guidance,
        )
    except ValueError as e:
        raise CliError(str(e)) from e
    result = _run_with_progress(request, quiet=args.quiet)
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


def _run_with_progress(request: Any, quiet: bool) -> Any:
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


def cmd_config(args: argparse.Namespace) -> int:
    from f1studio.appsettings import AppSettings, config_dir

    settings = AppSettings.load()
    changed = False
    for attr, value in (
        ("base", args.model),
        ("depth_estimator", args.depth_model),
        ("device", args.device),
    ):
        if value is not None:
            setattr(settings, attr, value or None)
            changed = True
    for kind, path in args.controlnet:
        setattr(settings, f"{kind}_controlnet", path)
        changed = True
    if changed:
        settings.save()
    from dataclasses import asdict

    print(json.dumps({"file": str(config_dir() / "settings.json"), **asdict(settings)}, indent=2))
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    import os
    from dataclasses import asdict

    from f1studio.appsettings import AppSettings
    from f1studio.engine import catalog

    settings = AppSettings.load()
    in_use = {
        v
        for v in (
            settings.base,
            settings.edge_controlnet,
            settings.depth_controlnet,
            settings.depth_estimator,
        )
        if v
    }

    def same_path(a: str, b: str) -> bool:
        return os.path.realpath(os.path.expanduser(a)) == os.path.realpath(os.path.expanduser(b))

    def used(m: Any) -> bool:
        return m.hub_id in in_use or any(same_path(m.location, v) for v in in_use)

    def download() -> int:
        import threading

        from f1studio.engine import downloads
        from f1studio.engine.events import EngineError
        from f1studio.engine.recommended import find_recommended

        repo_id = args.repo_id
        rec = find_recommended(repo_id)
        if rec is not None:
            size = catalog.format_size(rec.size_bytes)
            print(f"{rec.name} ({rec.id}, about {size}): {rec.description}")
            print(rec.licence_line())
        else:
            print(
                f"{repo_id} is not in F1 Studio's recommended list: read its licence on "
                f"https://huggingface.co/{repo_id} before using it"
            )
        if downloads.hub_offline():
            raise CliError(
                f"you are offline (HF_HUB_OFFLINE is set): {repo_id} cannot be downloaded now"
            )
        if not args.yes:
            try:
                answer = input("Download it and accept its licence? [y/N] ")
            except EOFError:
                answer = ""
            if answer.strip().lower() not in ("y", "yes"):
                raise CliError("not downloaded (answer y, or pass --yes)")
        bar: Any = None

        def on_progress(p: Any) -> None:
            nonlocal bar
            if bar is None:  # made at the first report, when the size is known
                from tqdm import tqdm

                bar = tqdm(
                    total=p.bytes_total,
                    unit="B",
                    unit_scale=True,
                    file=sys.stderr,
                    desc=repo_id,
                    leave=False,
                    bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}B/{total_fmt}B{postfix}",
                )
            if p.bytes_total is not None and bar.total != p.bytes_total:
                bar.total = p.bytes_total
            rate = f"{catalog.format_size(int(p.rate))}/s" if p.rate else "…/s"
            left = downloads.format_duration(p.eta_seconds) if p.eta_seconds is not None else "?"
            bar.set_postfix_str(f"{rate}, {left} left", refresh=False)
            bar.update(p.bytes_done - bar.n)
            bar.refresh()  # downloads.download already reports at most ~10 times a second

        try:
            path = downloads.download(
                repo_id, on_progress=on_progress, cancel=threading.Event(), token=args.token
            )
        except KeyboardInterrupt as e:
            raise CliError("cancelled: run the same command again to continue") from e
        except downloads.DownloadCancelled as e:
            raise CliError("cancelled: run the same command again to continue") from e
        except downloads.DownloadError as e:
            raise CliError(e.message) from e
        finally:
            if bar is not None:
                bar.close()
        print(f"downloaded {repo_id} to {path}")
        try:
            found = catalog.identify(path)
        except EngineError:
            found = None
        role = found.role if found is not None else None
        ref = repo_id if role in ("base", "depth-estimator") else str(path)
        guide = rec.guides[0] if rec is not None and rec.guides else "edge"
        hint = {
            "base": f"--model {ref}",
            "controlnet": f"--controlnet {guide}={ref}",
            "depth-estimator": f"--depth-model {ref}",
        }.get(role or "")
        if hint:
            print(f"use it: f1studio config {hint}")
        return 0

    action = args.models_command
    if action == "list":
        skipped: list[tuple[str, str]] = []
        models = catalog.scan(settings.model_folders, skipped=skipped)
        if args.json:
            entries = [
                {**asdict(m), "family": m.family.value if m.family else None, "in_use": used(m)}
                for m in models
            ]
            print(json.dumps(entries, indent=2))
            return 0
        if not models:
            print(
                "no models found: add a folder (f1studio models add PATH) or download one "
                "(f1studio models download ID)"
            )
        rows = [("NAME", "FAMILY", "VARIANT", "ROLE", "SIZE", "WHERE")]
        for m in models:
            note = f" [{m.note}]" if m.note else ""
            rows.append(
                (
                    ("* " if used(m) else "") + m.name,
                    m.family_label,
                    m.variant or "-",
                    m.role,
                    catalog.format_size(m.size_bytes),
                    f"{m.source}: {m.location}{note}",
                )
            )
        if models:
            widths = [max(len(r[i]) for r in rows) for i in range(5)]
            for r in rows:
                print("  ".join(c.ljust(w) for c, w in zip(r[:5], widths, strict=True)), r[5])
            if any(used(m) for m in models):
                print("* in use (f1studio config)")
        if skipped and args.all:
            print("not identified:")
            for where, why in skipped:
                print(f"  {where}: {why}")
        elif skipped:
            print(f"{len(skipped)} other files or folders were not identified (--all lists them)")
        return 0

    if action == "add":
        path = args.path.expanduser()
        if not path.exists():
            raise CliError(f"{path} does not exist")
        if path.is_file():
            found = [catalog.identify(path)]
            folder = path.parent
        else:
            skipped = []
            found = catalog.scan_folder(path, skipped)
            if not found:
                why = f" ({skipped[0][0]}: {skipped[0][1]})" if skipped else ""
                raise CliError(f"no model F1 Studio can identify in {path}{why}")
            folder = path
        folder_text = str(folder.resolve())
        if any(same_path(f, folder_text) for f in settings.model_folders):
            print(f"{folder_text} is already in the list")
        else:
            settings.model_folders.append(folder_text)
            settings.save()
            print(f"added {folder_text}")
        for m in found:
            variant = f" ({m.variant})" if m.variant else ""
            print(f"  {m.name}: {m.family_label} {m.role}{variant}")
        return 0

    if action == "download":
        return download()

    # remove
    target = args.target
    for folder in settings.model_folders:
        if folder == target or same_path(folder, target):
            settings.model_folders.remove(folder)
            settings.save()
            print(f"removed {folder} from the model folders (its files are untouched)")
            return 0
    models = catalog.scan(settings.model_folders)
    matches = [
        m
        for m in models
        if target in (m.name, m.hub_id, m.location) or same_path(m.location, target)
    ]
    if not matches:
        raise CliError(f"no model folder or model named {target!r} (see f1studio models list)")
    cached = [m for m in matches if m.source == "hf-cache"]
    if not cached:
        m = matches[0]
        where = {"a1111": "an AUTOMATIC1111", "comfyui": "a ComfyUI"}.get(m.source, "your own")
        raise CliError(
            f"{m.name} is in {where} folder ({m.location}): F1 Studio never deletes files "
            "from your own, AUTOMATIC1111 or ComfyUI folders; delete it yourself, or forget its "
            "folder with f1studio models remove FOLDER"
        )
    m = cached[0]
    if not args.yes:
        raise CliError(
            f"this deletes {m.hub_id} ({catalog.format_size(m.size_bytes)}) from the Hugging Face "
            "cache: pass --yes to delete it"
        )
    from huggingface_hub import scan_cache_dir

    info = scan_cache_dir(catalog.hf_cache_dir())
    hashes = [
        rev.commit_hash
        for repo in info.repos
        if repo.repo_id == m.hub_id and repo.repo_type == "model"
        for rev in repo.revisions
    ]
    strategy = info.delete_revisions(*hashes)
    strategy.execute()
    print(f"deleted {m.hub_id} from the Hugging Face cache ({strategy.expected_freed_size_str})")
    if used(m):
        print("your settings still name it: choose another model (f1studio config)")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from f1studio.demo.evaluate import EvalSettings, evaluate
    from f1studio.demo.model import DEMO_ROOT
    from f1studio.demo.report import markdown, write

    model = args.model or DEMO_ROOT
    if not model.exists():
        raise CliError(f"no model at {model} (train one: python -m f1studio.demo.train)")
    if args.cases < 1 or args.solver_cases < 1:
        raise CliError("--cases and --solver-cases must be at least 1")
    settings = EvalSettings(
        model=model,
        cases=args.cases,
        steps=args.steps,
        guidance=args.guidance,
        scheduler=args.scheduler,
        solver_cases=args.solver_cases,
        write_step_plan=args.write_step_plan,
    )
    if args.write_step_plan and args.only and "solvers" not in args.only:
        raise CliError("--write-step-plan needs the solver study (add solvers to --only)")
    figures = evaluate(
        settings,
        only=tuple(args.only or EVAL_TESTS),
        progress=lambda line: print(f"eval: {line}", file=sys.stderr, flush=True),
    )
    out, png = write(figures, args.out)
    print(markdown(figures))
    print(f"report: {out}" + (f", samples: {png}" if png else ""))
    return 0


COMMANDS = {
    "eval": cmd_eval,
    "new": cmd_new,
    "add-layer": cmd_add_layer,
    "open": cmd_open,
    "info": cmd_info,
    "render": cmd_render,
    "config": cmd_config,
    "models": cmd_models,
}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            return start_window(None)
        return COMMANDS[args.command](args)
    except CliError as e:
        print(f"f1studio: {e}", file=sys.stderr)
    except (ValueError, KeyError) as e:
        print(f"f1studio: {str(e).strip(chr(39))}", file=sys.stderr)
    except Exception as e:  # noqa: BLE001 - project/import/engine errors carry user messages
        import os

        from f1studio.engine.events import EngineError

        if os.environ.get("F1STUDIO_DEBUG"):
            raise
        message = e.message if isinstance(e, EngineError) else str(e)
        print(
            f"f1studio: {message.splitlines()[0] if message else type(e).__name__}", file=sys.stderr
        )
    return 1


if __name__ == "__main__":
    sys.exit(main())
