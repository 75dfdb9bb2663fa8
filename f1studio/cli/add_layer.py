"""``f1studio add-layer``: add a layer from an image file, or a guide extracted from a photo."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from f1studio.cli.common import DEVICES, CliError, Subparsers


def register(subparsers: Subparsers) -> None:
    from f1studio.document.layers import LayerKind

    add = subparsers.add_parser("add-layer", help="add a layer from an image file")
    add.add_argument("project", type=Path)
    add.add_argument("--kind", choices=[kind.value for kind in LayerKind], required=True)
    src = add.add_mutually_exclusive_group(required=True)
    src.add_argument("--image", type=Path, help="masks: white = inside; guides: as drawn")
    src.add_argument("--from-image", type=Path, help="extract an edge or depth guide from a photo")
    add.add_argument("--name", default="")
    add.add_argument("--prompt", default=None)
    add.add_argument("--negative", default=None)
    add.add_argument(
        "--weight",
        type=float,
        default=None,
        help="0..2 (default 1; a guide for the demo model: the weight it suggests)",
    )
    add.add_argument("--start", type=float, default=None)
    add.add_argument("--end", type=float, default=None)
    add.add_argument(
        "--region",
        default=None,
        metavar="NAME",
        help="a guide or a steering reference acts only inside this region layer (its name)",
    )
    add.add_argument(
        "--mode",
        choices=tuple(MODES),
        default=None,
        help="a guide's control mode: prompt (is more important), balanced, guide (is more "
        "important); default balanced, or for the demo model the mode it suggests",
    )
    add.add_argument(
        "--curve",
        type=parse_curve,
        default=None,
        help="a guide's strength over its steps, e.g. 1,1,0.3,0 (each 0..2× the weight)",
    )
    add.add_argument(
        "--use",
        choices=("trace", "style", "subject", "composition"),
        default=None,
        help="a reference picture: only to trace (default), or what it steers through the "
        "IP-Adapter: style, subject or composition (with --weight, --start, --end)",
    )
    add.add_argument("--strength", type=float, default=None)
    add.add_argument("--feather", type=int, default=None)
    add.add_argument("--opacity", type=float, default=None)
    add.add_argument("--low", type=int, default=100, help="Canny low threshold (--from-image edge)")
    add.add_argument("--high", type=int, default=200, help="Canny high threshold")
    add.add_argument("--depth-model", help="depth estimator (folder or hub id)")
    add.add_argument("--device", default="auto", choices=DEVICES)
    add.set_defaults(func=run)


MODES = {"prompt": -1.0, "balanced": 0.0, "guide": 1.0}


def region_id(doc: Any, name: str) -> str:
    """The id of the region layer called ``name`` (CliError when there is none, or several)."""
    from f1studio.document.layers import LayerKind

    found = [x.id for x in doc.layers if x.kind is LayerKind.REGION and x.name == name]
    if len(found) != 1:
        names = ", ".join(x.name for x in doc.layers if x.kind is LayerKind.REGION) or "none"
        what = "no region layer" if not found else "several region layers"
        raise CliError(f"--region: {what} called {name!r} (regions: {names})")
    return found[0]


def parse_curve(text: str) -> tuple[float, ...]:
    """``1,1,0.3,0`` -> (1.0, 1.0, 0.3, 0.0)."""
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"a curve is numbers and commas, not {text!r}") from e


def layer_pixels(args: argparse.Namespace, doc: Any) -> Any:
    """The new layer's pixels at the canvas size: an image, a mask, or an extracted guide."""
    from f1studio.document.layers import LayerKind
    from f1studio.project.imports import load_mask, load_picture

    kind = LayerKind(args.kind)
    if args.from_image is not None:
        control = kind.control_kind
        if control is None:
            guides = " or ".join(kind.value for kind in LayerKind if kind.is_control)
            raise CliError(f"--from-image extracts {guides} guides; use --image for other kinds")
        from f1studio.appsettings import AppSettings
        from f1studio.engine.guides import ExtractOptions, extract_guide
        from f1studio.model_choice import ModelChoice
        from f1studio.model_library import resolve_models

        flags = ModelChoice(depth_estimator=args.depth_model)
        chosen = resolve_models(doc.settings.models, AppSettings.load(), flags)
        photo = load_picture(args.from_image, doc.width, doc.height)
        options = ExtractOptions(chosen.depth_estimator, args.device, args.low, args.high)
        return extract_guide(control, photo, options)
    if kind.is_picture:
        return load_picture(args.image, doc.width, doc.height)
    return load_mask(args.image, doc.width, doc.height)


def run(args: argparse.Namespace) -> int:
    from f1studio.document.layers import COMMON_PROPERTIES, KIND_PROPERTIES, LayerKind
    from f1studio.project.f1s import load_project, save_project

    doc = load_project(args.project)
    data = layer_pixels(args, doc)
    props = {
        "prompt": args.prompt,
        "negative_prompt": args.negative,
        "weight": args.weight,
        "start": args.start,
        "end": args.end,
        "curve": args.curve,
        "region": region_id(doc, args.region) if args.region is not None else None,
        "balance": MODES[args.mode] if args.mode is not None else None,
        "strength": args.strength,
        "feather": args.feather,
        "opacity": args.opacity,
        "use": args.use,
    }
    kind = LayerKind(args.kind)
    allowed = set(COMMON_PROPERTIES) | set(KIND_PROPERTIES[kind])
    wrong = [k for k, v in props.items() if v is not None and k not in allowed]
    if wrong:
        shown = {"negative_prompt": "negative", "balance": "mode"}
        flags = ", ".join("--" + shown.get(w, w) for w in wrong)
        raise CliError(f"a {kind.label.lower()} layer does not take {flags}")
    props = {k: v for k, v in props.items() if v is not None}
    if kind.control_kind is not None:  # a guide starts where its model renders it best
        from f1studio.appsettings import AppSettings
        from f1studio.model_library import new_layer_properties

        suited = new_layer_properties(kind.value, doc.settings.models, AppSettings.load())
        props = {**suited, **props}
    layer = doc.add_layer(kind, name=args.name, data=data, **props)
    save_project(doc, args.project)
    print(f"added {kind.label.lower()} layer {layer.name!r} ({layer.id}) to {args.project}")
    return 0
