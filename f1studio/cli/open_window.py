"""``f1studio open`` (and ``f1studio`` alone): the window, on a project or the last one."""

from __future__ import annotations

import argparse
from pathlib import Path

from f1studio.cli.common import CliError, Subparsers


def register(subparsers: Subparsers) -> None:
    op = subparsers.add_parser("open", help="open a project in the window")
    op.add_argument("project", type=Path, nargs="?", help="default: the last project")
    op.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return start_window(str(args.project) if args.project else None)


def start_window(project: str | None) -> int:
    """Run the window until it closes (Qt is imported here, never by the other commands)."""
    try:
        from f1studio.gui.app import main as gui_main
    except ImportError as e:
        raise CliError(f"the window needs PySide6 and superqt ({e})") from e
    return gui_main(project)
