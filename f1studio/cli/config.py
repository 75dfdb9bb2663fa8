"""``f1studio config``: show or set the user's default models and device."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from f1studio.cli.common import DEVICES, CliError, Subparsers, add_controlnet_option
from f1studio.engine.family_table import ModelFamily


def register(subparsers: Subparsers) -> None:
    cfg = subparsers.add_parser("config", help="show or set default models for this user")
    cfg.add_argument("--model")
    add_controlnet_option(cfg)
    cfg.add_argument("--depth-model")
    cfg.add_argument("--device", choices=DEVICES)
    cfg.add_argument(
        "--tiny-vae",
        type=_family_model,
        action="append",
        default=[],
        metavar="FAMILY=PATH",
        help="a tiny VAE (AutoencoderTiny: madebyollin/taesd, taesdxl, taef1) that decodes step "
        "previews and live renders of that family (sd15, sdxl, flux); FAMILY= removes it",
    )
    cfg.add_argument(
        "--ip-adapter",
        type=_family_model,
        action="append",
        default=[],
        metavar="FAMILY=PATH",
        help="the IP-Adapter (a folder with the adapter's .safetensors and its image_encoder/) "
        "that reference pictures use with models of that family (sd15, sdxl); FAMILY= removes it",
    )
    cfg.add_argument(
        "--inpaint-controlnet",
        type=_family_model,
        action="append",
        default=[],
        metavar="FAMILY=PATH",
        help="the inpaint ControlNet inpaint masks render with on models of that family (sd15: "
        "lllyasviel/control_v11p_sd15_inpaint); FAMILY= removes it",
    )
    cfg.add_argument(
        "--autosave-interval",
        type=int,
        metavar="SECONDS",
        help="seconds between recovery copies of unsaved work in the window (0 = off)",
    )
    cfg.set_defaults(func=run)


FAMILIES = tuple(family.value for family in ModelFamily)


def _family_model(text: str) -> tuple[str, str]:
    family, sep, model = text.partition("=")
    if not sep or family.strip().lower() not in FAMILIES:
        raise argparse.ArgumentTypeError(
            f"expected FAMILY=PATH with FAMILY one of {', '.join(FAMILIES)}, not {text!r}"
        )
    return family.strip().lower(), model.strip()


def run(args: argparse.Namespace) -> int:
    from f1studio.appsettings import MAX_AUTOSAVE_S, AppSettings, config_dir
    from f1studio.engine.request import ControlKind
    from f1studio.model_choice import BASE_SLOT, DEPTH_ESTIMATOR_SLOT

    settings = AppSettings.load()
    choices = [(BASE_SLOT, args.model), (DEPTH_ESTIMATOR_SLOT, args.depth_model)]
    choices += [(ControlKind(kind).settings_key, path) for kind, path in args.controlnet]
    changed = False
    for slot, value in choices:
        if value is not None:
            settings = settings.with_model(slot, value)
            changed = True
    for family, model in args.tiny_vae:
        settings = settings.with_tiny_vae(family, model or None)
        changed = True
    for family, model in args.ip_adapter:
        settings = settings.with_ip_adapter(family, model or None)
        changed = True
    for family, model in args.inpaint_controlnet:
        settings = settings.with_inpaint_controlnet(family, model or None)
        changed = True
    if args.device is not None:
        settings.device = args.device
        changed = True
    if args.autosave_interval is not None:
        if not 0 <= args.autosave_interval <= MAX_AUTOSAVE_S:
            raise CliError(f"--autosave-interval must be 0..{MAX_AUTOSAVE_S} seconds")
        settings.autosave_interval_s = args.autosave_interval
        changed = True
    if changed:
        settings.save()
    print(json.dumps({"file": str(config_dir() / "settings.json"), **asdict(settings)}, indent=2))
    return 0
