"""The ``f1studio`` command: projects, layers and renders from a terminal.

One module per command, each with ``register(subparsers)`` that adds its parser and sets
``func``; :func:`main` builds the parser from :data:`COMMANDS` and dispatches. Heavy modules
(torch, diffusers, Qt) are imported only inside the commands that need them, so
``f1studio --help`` starts instantly. Every failure exits non-zero with one line on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys

from f1studio import __version__
from f1studio.cli import (
    add_layer,
    add_lora,
    config,
    evaluate,
    info,
    layout,
    models,
    new,
    open_window,
    recover,
    render,
)
from f1studio.cli.common import CliError

#: The commands, in the order ``f1studio --help`` lists them.
COMMANDS = (
    new,
    add_layer,
    add_lora,
    layout,
    open_window,
    info,
    render,
    recover,
    config,
    models,
    evaluate,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="f1studio",
        description="F1 Studio: paint regions, guides and masks, then render them with "
        "Stable Diffusion on your own GPU. Without a command it opens the window (the last "
        "project, or a new one); with a .f1s file alone, the window on that project.",
    )
    parser.add_argument("--version", action="version", version=f"f1studio {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def project_shortcut(argv: list[str]) -> list[str]:
    """``f1studio PROJECT.f1s`` (as a shell or a file manager calls it) is ``f1studio open
    PROJECT.f1s``; anything else is left as it is (no command ends in ``.f1s``)."""
    if len(argv) == 1 and argv[0].lower().endswith(".f1s") and not argv[0].startswith("-"):
        return ["open", argv[0]]
    return argv


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(project_shortcut(sys.argv[1:] if argv is None else argv))
    try:
        if args.command is not None:  # the window applies them itself
            from f1studio import engine_environment
            from f1studio.appsettings import AppSettings

            engine_environment.apply(AppSettings.load())  # threads and GPU memory mode
        if args.command is None:
            return open_window.start_window(None)
        return int(args.func(args))
    except CliError as e:
        print(f"f1studio: {e}", file=sys.stderr)
    except (ValueError, KeyError) as e:
        print(f"f1studio: {str(e).strip(chr(39))}", file=sys.stderr)
    except Exception as e:  # noqa: BLE001 - project/import/engine errors carry user messages
        from f1studio.engine.events import EngineError

        if os.environ.get("F1STUDIO_DEBUG"):
            raise
        message = e.message if isinstance(e, EngineError) else str(e)
        print(
            f"f1studio: {message.splitlines()[0] if message else type(e).__name__}", file=sys.stderr
        )
    return 1


__all__ = ["COMMANDS", "CliError", "build_parser", "main", "project_shortcut"]
