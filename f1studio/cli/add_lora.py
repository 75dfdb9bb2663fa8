"""``f1studio add-lora``: put a LoRA on a project's picture, or on one of its region layers."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from f1studio.cli.add_layer import region_id
from f1studio.cli.common import CliError, Subparsers

if TYPE_CHECKING:
    from f1studio.document.loras import LoraEntry


def register(subparsers: Subparsers) -> None:
    cmd = subparsers.add_parser(
        "add-lora",
        help="add a LoRA to a project (the whole picture, or one region with --region)",
        description="Add a LoRA file (.safetensors in the diffusers, kohya/AUTOMATIC1111 or "
        "ComfyUI form) to the project's LoRA list, or with --region to a region layer, where "
        "it acts only inside the region's mask and on its prompt. A LoRA already in that list "
        "gets the new weight. `render` and the window use the project's LoRAs.",
    )
    cmd.add_argument("project", type=Path)
    cmd.add_argument("lora", type=Path, help="the LoRA file")
    cmd.add_argument("--weight", type=float, default=1.0, help="-2..2 (default 1)")
    cmd.add_argument("--region", default=None, help="the region layer (its name) it acts in")
    cmd.add_argument(
        "--keep-settings",
        action="store_true",
        help="a few-step LoRA (LCM, Hyper-SD, Lightning, ...) normally sets its sampler, steps "
        "and guidance; keep the project's instead",
    )
    cmd.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from f1studio.document.fast_presets import apply_preset, preset_for
    from f1studio.document.loras import LoraEntry
    from f1studio.lora_library import describe
    from f1studio.project.f1s import load_project, save_project

    info = describe(args.lora)  # a missing, damaged, pickled or non-LoRA file is one line
    doc = load_project(args.project)
    entry = LoraEntry(str(info.path.resolve()), args.weight)
    if args.region is not None:
        layer = doc.layer(region_id(doc, args.region))
        doc.set_layer_property(layer.id, "loras", _with(layer.loras, entry))
        where = f"region {layer.name!r}"
    else:
        doc.set_setting("loras", _with(doc.settings.loras, entry))
        where = "the whole picture"
    preset = None if args.keep_settings else preset_for(entry.path)
    if preset is not None:
        apply_preset(doc, preset)
    save_project(doc, args.project)
    report: dict[str, object] = {
        "lora": info.name,
        "weight": entry.weight,
        "on": where,
        "trigger_words": list(info.trigger_words),
    }
    if preset is not None:
        report["settings"] = preset.describe()
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


def _with(entries: tuple[LoraEntry, ...], entry: LoraEntry) -> tuple[LoraEntry, ...]:
    """``entries`` with ``entry`` in place of the one with the same file, or added last."""
    if any(e.path == entry.path for e in entries):
        return tuple(entry if e.path == entry.path else e for e in entries)
    if len(entries) >= 16:
        raise CliError("this list already has 16 LoRAs: remove one first")
    return (*entries, entry)
