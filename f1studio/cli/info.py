"""``f1studio info``: the project as JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from f1studio.cli.common import Subparsers


def register(subparsers: Subparsers) -> None:
    info = subparsers.add_parser("info", help="print the project as JSON")
    info.add_argument("project", type=Path)
    info.set_defaults(func=run)


def project_summary(doc: Any) -> dict[str, Any]:
    """Size, prompts, settings and every layer's properties with how much of it is painted."""
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


def run(args: argparse.Namespace) -> int:
    from f1studio.project.f1s import load_project

    print(json.dumps(project_summary(load_project(args.project)), indent=2))
    return 0
