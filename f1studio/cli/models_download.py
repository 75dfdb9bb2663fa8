"""``f1studio models download``: a model from the Hugging Face hub, its licence shown first."""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any

from f1studio.cli.common import CliError, Subparsers


def register(subparsers: Subparsers) -> None:
    mdown = subparsers.add_parser("download", help="download a model from the Hugging Face hub")
    mdown.add_argument(
        "repo_id", metavar="ID", help="e.g. stable-diffusion-v1-5/stable-diffusion-v1-5"
    )
    mdown.add_argument("--yes", action="store_true", help="accept the licence without asking")
    mdown.add_argument("--token", help="Hugging Face token (default: HF_TOKEN or `hf auth login`)")
    mdown.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from f1studio.engine import catalog, downloads
    from f1studio.engine.events import EngineError
    from f1studio.engine.recommended import find_recommended

    repo_id = args.repo_id
    rec = find_recommended(repo_id)
    if rec is not None:
        size = catalog.format_size(rec.size_bytes)
        print(f"{rec.name} ({rec.id}, about {size}): {rec.description}")
        print(rec.licence_line())
    else:
        print(
            f"{repo_id} is not in F1 Studio's recommended list: read its licence on "
            f"https://huggingface.co/{repo_id} before using it"
        )
    if downloads.hub_offline():
        raise CliError(
            f"you are offline (HF_HUB_OFFLINE is set): {repo_id} cannot be downloaded now"
        )
    if not args.yes:
        try:
            answer = input("Download it and accept its licence? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            raise CliError("not downloaded (answer y, or pass --yes)")
    path = _download(repo_id, args.token, (list(rec.files) or None) if rec is not None else None)
    print(f"downloaded {repo_id} to {path}")
    if rec is not None and rec.role == "lora":
        for file in rec.files:
            print(f"use it: f1studio add-lora PROJECT.f1s {path / file}")
        return 0
    if rec is not None and rec.role == "ip-adapter":
        family = rec.family.value if rec.family else "sd15"
        for file in (f for f in rec.files if f.endswith(".safetensors")):
            print(f"use it: f1studio config --ip-adapter {family}={path / file}")
        return 0
    try:
        found = catalog.identify(path)
    except EngineError:
        return 0
    hint = _config_hint(found, repo_id, str(path), rec.guides if rec is not None else ())
    if hint:
        print(f"use it: f1studio config {hint}")
    return 0


def _config_hint(found: Any, repo_id: str, path: str, guides: tuple[str, ...]) -> str | None:
    """The ``f1studio config`` options that choose a downloaded model, by its role."""
    from f1studio.engine.request import ControlKind

    ref = repo_id if found.role in ("base", "depth-estimator", "tiny-vae") else path
    guide = guides[0] if guides else ControlKind.EDGE.value
    return {
        "base": f"--model {ref}",
        "controlnet": f"--controlnet {guide}={ref}",
        "depth-estimator": f"--depth-model {ref}",
        "tiny-vae": f"--tiny-vae {found.family.value if found.family else 'sd15'}={ref}",
    }.get(found.role)


def _download(repo_id: str, token: str | None, files: list[str] | None = None) -> Any:
    """Download with a progress bar on stderr (size, rate, time left); the snapshot folder."""
    from f1studio.engine import catalog, downloads

    bar: Any = None

    def on_progress(p: Any) -> None:
        nonlocal bar
        if bar is None:  # made at the first report, when the size is known
            from tqdm import tqdm

            bar = tqdm(
                total=p.bytes_total,
                unit="B",
                unit_scale=True,
                file=sys.stderr,
                desc=repo_id,
                leave=False,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}B/{total_fmt}B{postfix}",
            )
        if p.bytes_total is not None and bar.total != p.bytes_total:
            bar.total = p.bytes_total
        rate = f"{catalog.format_size(int(p.rate))}/s" if p.rate else "…/s"
        left = downloads.format_duration(p.eta_seconds) if p.eta_seconds is not None else "?"
        bar.set_postfix_str(f"{rate}, {left} left", refresh=False)
        bar.update(p.bytes_done - bar.n)
        bar.refresh()  # downloads.download already reports at most ~10 times a second

    try:
        return downloads.download(
            repo_id,
            on_progress=on_progress,
            cancel=threading.Event(),
            token=token,
            allow_patterns=files,
        )
    except KeyboardInterrupt as e:
        raise CliError("cancelled: run the same command again to continue") from e
    except downloads.DownloadCancelled as e:
        raise CliError("cancelled: run the same command again to continue") from e
    except downloads.DownloadError as e:
        raise CliError(e.message) from e
    finally:
        if bar is not None:
            bar.close()
