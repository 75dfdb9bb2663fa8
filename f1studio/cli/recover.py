"""``f1studio recover``: the unsaved work of windows that did not close properly."""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from f1studio.cli.common import CliError, Subparsers


def register(subparsers: Subparsers) -> None:
    cmd = subparsers.add_parser(
        "recover",
        help="list or extract autosaved work of windows that did not close properly",
        description="After a crash, the window offers to restore its unsaved work at the next "
        "start. From a terminal: --list shows every recovery copy, SESSION --output FILE "
        "writes one as a project file, --discard SESSION deletes one.",
    )
    cmd.add_argument("session", nargs="?", help="a session from --list")
    cmd.add_argument("--list", action="store_true", help="show what can be recovered")
    cmd.add_argument("--output", "-o", type=Path, help="write the session's copy to this .f1s")
    cmd.add_argument("--discard", action="store_true", help="delete the session's copy")
    cmd.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from f1studio.project.recovery import orphaned_copies, recovery_dir

    if args.session is None:
        if args.output or args.discard:
            raise CliError("name the session to recover (see f1studio recover --list)")
        copies = orphaned_copies()
        if not copies:
            print(f"Nothing to recover ({recovery_dir()} holds no unsaved work).")
            return 0
        print(f"{'SESSION':32} {'AUTOSAVED':19} {'':>17} {'LAYERS':>6}  PROJECT")
        for copy in copies:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(copy.saved_at))
            project = str(copy.original) if copy.original else f"{copy.title} (never saved)"
            if copy.closed_by:
                project += f" [stopped by {copy.closed_by}]"
            print(f"{copy.session:32} {stamp} {copy.age_text():>17} {copy.layers:>6}  {project}")
        print("Restore one with: f1studio recover SESSION --output FILE.f1s")
        return 0
    return _one(args)


def _one(args: argparse.Namespace) -> int:
    from f1studio.project.f1s import load_project
    from f1studio.project.recovery import find_copy

    copy = find_copy(args.session)
    if copy is None:
        raise CliError(f"no recovery copy named {args.session!r} (see f1studio recover --list)")
    if args.output is None and not args.discard:
        raise CliError("say what to do with it: --output FILE.f1s or --discard")
    if args.output is not None:
        target = args.output if args.output.suffix == ".f1s" else args.output.with_suffix(".f1s")
        if target.exists():
            raise CliError(f"{target} exists; choose another file name")
        load_project(copy.path)  # it opens: a damaged copy is reported, not handed on
        shutil.copyfile(copy.path, target)
        print(f"Wrote {target} ({copy.layers} layers, autosaved {copy.age_text()}).")
    if args.discard:
        copy.discard()
        print(f"Discarded the recovery copy {copy.session}.")
    return 0
