"""``f1studio models``: list, add, download or remove models (the operations themselves are
:mod:`f1studio.model_library`'s, shared with the Models dialog)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from f1studio.cli.common import CliError, Subparsers


def register(subparsers: Subparsers) -> None:
    from f1studio.cli import models_download

    mods = subparsers.add_parser("models", help="list, add, download or remove models")
    msub = mods.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    mlist = msub.add_parser("list", help="models in your folders and the Hugging Face cache")
    mlist.add_argument("--json", action="store_true", help="print JSON instead of a table")
    mlist.add_argument("--all", action="store_true", help="also list what was not identified")
    mlist.set_defaults(func=run_list)
    madd = msub.add_parser("add", help="scan a folder (an A1111/ComfyUI install, a models folder)")
    madd.add_argument("path", type=Path, help="a folder, or a model file (its folder is added)")
    madd.set_defaults(func=run_add)
    models_download.register(msub)
    mrem = msub.add_parser(
        "remove", help="forget a folder, or delete a model from the Hugging Face cache"
    )
    mrem.add_argument("target", metavar="NAME_OR_PATH", help="a folder from the list, or a model")
    mrem.add_argument("--yes", action="store_true", help="really delete a Hugging Face cache model")
    mrem.set_defaults(func=run_remove)


def run_list(args: argparse.Namespace) -> int:
    from f1studio import model_library as library
    from f1studio.appsettings import AppSettings

    settings = AppSettings.load()
    models, skipped = library.scan(settings.model_folders)
    if args.json:
        entries = [
            {
                **asdict(m),
                "family": m.family.value if m.family else None,
                "in_use": library.in_use(m, settings),
            }
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
        name, family, variant, role, size, where = library.table_row(m)
        mark = "* " if library.in_use(m, settings) else ""
        note = f" [{m.note}]" if m.note else ""
        rows.append((mark + name, family, variant or "-", role, size, where + note))
    if models:
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        for r in rows:
            print("  ".join(c.ljust(w) for c, w in zip(r[:5], widths, strict=True)), r[5])
        if any(library.in_use(m, settings) for m in models):
            print("* in use (f1studio config)")
    if skipped and args.all:
        print("not identified:")
        for where, why in skipped:
            print(f"  {where}: {why}")
    elif skipped:
        print(f"{len(skipped)} other files or folders were not identified (--all lists them)")
    return 0


def run_add(args: argparse.Namespace) -> int:
    from f1studio import model_library as library
    from f1studio.appsettings import AppSettings

    folder, found = library.models_to_add(args.path)
    text, added = library.add_folder(AppSettings.load(), folder)
    print(f"added {text}" if added else f"{text} is already in the list")
    for m in found:
        variant = f" ({m.variant})" if m.variant else ""
        print(f"  {m.name}: {m.family_label} {m.role}{variant}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from f1studio import model_library as library
    from f1studio.appsettings import AppSettings
    from f1studio.engine import catalog

    settings = AppSettings.load()
    target = args.target
    folder = library.remove_folder(settings, target)
    if folder is not None:
        print(f"removed {folder} from the model folders (its files are untouched)")
        return 0
    models, _ = library.scan(settings.model_folders)
    matches = library.find_models(models, target)
    if not matches:
        raise CliError(f"no model folder or model named {target!r} (see f1studio models list)")
    m = next((m for m in matches if m.source == "hf-cache"), matches[0])
    if m.source == "hf-cache" and not args.yes:
        raise CliError(
            f"this deletes {m.hub_id} ({catalog.format_size(m.size_bytes)}) from the Hugging Face "
            "cache: pass --yes to delete it"
        )
    freed = library.delete_from_hf_cache(m)
    print(f"deleted {m.hub_id} from the Hugging Face cache ({freed})")
    if library.in_use(m, settings):
        print("your settings still name it: choose another model (f1studio config)")
    return 0
