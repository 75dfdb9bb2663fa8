"""What the commands share: the user-facing error, argument types and the subparsers' shape."""

from __future__ import annotations

import argparse
from typing import Any, Protocol

from f1studio.engine.request import ControlKind

DEVICES = ("auto", "cpu", "cuda", "mps")


class CliError(Exception):
    """A user-facing failure: printed as one line, exit status 1."""


class Subparsers(Protocol):
    """What ``ArgumentParser.add_subparsers()`` returns, as far as a command needs it."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...


def parse_size(text: str) -> tuple[int, int]:
    """``512x768`` -> (512, 768)."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"size must look like 512x512, not {text!r}") from e
    return w, h


def parse_steps(text: str) -> int | str:
    """A step count, or ``auto``."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        return int(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"steps must be a number or 'auto', not {text!r}") from e


def parse_controlnet(text: str) -> tuple[str, str]:
    """``KIND=PATH`` -> (kind, path), the kind one of :class:`ControlKind`."""
    kind, _, path = text.partition("=")
    kinds = [k.value for k in ControlKind]
    if kind not in kinds or not path:
        usage = " or ".join(f"{k}=PATH" for k in kinds)
        raise argparse.ArgumentTypeError(f"use --controlnet {usage}, not {text!r}")
    return kind, path


def add_controlnet_option(parser: argparse.ArgumentParser, help_text: str | None = None) -> None:
    """``--controlnet KIND=PATH``, repeatable: a ControlNet per guide kind."""
    parser.add_argument(
        "--controlnet",
        type=parse_controlnet,
        action="append",
        default=[],
        metavar="KIND=PATH",
        help=help_text,
    )
