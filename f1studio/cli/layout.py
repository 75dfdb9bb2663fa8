"""``f1studio layout``: turn the project prompt's spatial phrases into region layers."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from f1studio.cli.common import CliError, Subparsers


def register(subparsers: Subparsers) -> None:
    from f1studio.document.settings import LAYOUT_SHAPES

    cmd = subparsers.add_parser(
        "layout",
        help="lay the prompt out: one region layer per object phrase, where the words say",
        description="Plan a layout from the project's prompt ('a red car on the left, a blue "
        "house on the right'), print it as JSON and write the region layers (one undo step in "
        "the window). Regions a layout made before and you have not changed follow the new "
        "text; changed ones are kept.",
    )
    cmd.add_argument("project", type=Path)
    cmd.add_argument(
        "--replace", action="store_true", help="also replace layout regions you have changed"
    )
    cmd.add_argument("--dry-run", action="store_true", help="print the layout, write nothing")
    cmd.add_argument(
        "--shape",
        choices=LAYOUT_SHAPES,
        help="the regions' shape, kept as the project's choice (default: the project's)",
    )
    cmd.add_argument("--planner", default=None, help="the planner to use (default: rules)")
    cmd.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from f1studio.layout import PLANNERS, default_planner
    from f1studio.layout.regions import apply_layout
    from f1studio.project.f1s import load_project, save_project

    if args.planner is not None and args.planner not in PLANNERS:
        raise CliError(f"unknown planner {args.planner!r} (choose from {', '.join(PLANNERS)})")
    planner = PLANNERS[args.planner]() if args.planner else default_planner()
    doc = load_project(args.project)
    layout = planner.plan(doc.prompt)
    report: dict[str, object] = {"planner": planner.name, "prompt": doc.prompt}
    report.update(layout.to_json())
    if not args.dry_run:
        before = doc.revision
        if args.shape:
            doc.set_setting("layout_shape", args.shape)
        outcome = apply_layout(
            doc,
            layout,
            doc.prompt,
            shape=doc.settings.layout_shape,
            replace_touched=bool(args.replace),
        )
        saved = doc.revision != before
        if saved:
            save_project(doc, args.project)
        report["applied"] = {
            "added": list(outcome.added),
            "removed": list(outcome.removed),
            "kept": list(outcome.kept),
            "unchanged": list(outcome.unchanged),
            "saved": saved,
        }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0
