"""Find installed models, without copying them and without loading any weights.

Where models are found:

- the folders the caller names (the user's ``AppSettings.model_folders``): a model folder
  itself, a folder of models (searched a few levels deep), or the root of an AUTOMATIC1111
  install (``models/Stable-diffusion``, ``models/ControlNet``) or a ComfyUI install
  (``models/checkpoints``, ``models/controlnet``, ``models/diffusion_models``, and for
  reference pictures ``models/ipadapter``, ``models/clip_vision``, ``models/style_models``);
- the Hugging Face cache (``$HF_HUB_CACHE``, else ``$HF_HOME/hub``, else
  ``~/.cache/huggingface/hub``).

What each model is comes from :mod:`f1studio.engine.identification` (:func:`identify`, also
offered here as the catalog's own). Pickled files (``.ckpt``/``.bin``/``.pt``/``.pth``) are
listed but never opened. No Qt, no torch.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from f1studio.engine.events import EngineError
from f1studio.engine.family_table import ModelFamily
from f1studio.engine.identification import ROLES, InstalledModel, identify, is_depth_config
from f1studio.engine.model_files import PICKLE_SUFFIXES, hf_cache_dir, optional_json

__all__ = [
    "InstalledModel",
    "Skipped",
    "format_size",
    "hf_cache_dir",
    "identify",
    "install_layout",
    "scan",
    "scan_folder",
    "scan_hf_cache",
]

# Sub-folders of an AUTOMATIC1111 / ComfyUI ``models`` folder: (sub-folder, role of its files).
A1111_FOLDERS = (("Stable-diffusion", "base"), ("ControlNet", "controlnet"))
COMFYUI_FOLDERS = (
    ("checkpoints", "base"),
    ("controlnet", "controlnet"),
    ("diffusion_models", "base"),
    ("ipadapter", "ip-adapter"),
    ("clip_vision", "image-encoder"),
    ("style_models", "ip-adapter"),
)

MAX_DEPTH = 4  # how deep a user folder is searched
MAX_FOLDERS = 4000  # folders visited per user folder, so that adding ~ cannot hang the scan
_SKIP_DIRS = {"__pycache__", "node_modules", "venv", "site-packages", "outputs", "output"}


Skipped = list[tuple[str, str]]  # (location, why it was not listed)


def install_layout(folder: str | Path) -> tuple[str, list[tuple[Path, str]]] | None:
    """("a1111" | "comfyui", [(models sub-folder, role)]) when ``folder`` is the root (or the
    ``models`` folder) of an AUTOMATIC1111 or ComfyUI install, else None."""
    root = Path(folder)
    for models in (root / "models", root):
        found = [(models / sub, role) for sub, role in A1111_FOLDERS if (models / sub).is_dir()]
        if found and (models / A1111_FOLDERS[0][0]).is_dir():
            return "a1111", found
        found = [(models / sub, role) for sub, role in COMFYUI_FOLDERS if (models / sub).is_dir()]
        if found and (models / COMFYUI_FOLDERS[0][0]).is_dir():
            return "comfyui", found
    return None


def _is_model_dir(d: Path) -> bool:
    if (d / "model_index.json").is_file():
        return True
    config = optional_json(d / "config.json") if (d / "config.json").is_file() else {}
    return bool(config) and (
        str(config.get("_class_name", "")).endswith(
            ("ControlNetModel", "ControlNetUnionModel", "AutoencoderTiny")
        )
        or is_depth_config(config)
    )


def _listable(entry: Path, source: str, depth: int) -> bool:
    """Whether a file is a candidate model: ``.safetensors`` and ``.ckpt`` anywhere; other pickled
    suffixes (``.bin``, ``.pt``, ...) hold many things besides models, so they are listed in
    A1111/ComfyUI model folders and at the top of a user folder only."""
    suffix = entry.suffix.lower()
    if suffix in (".safetensors", ".ckpt"):
        return True
    return suffix in PICKLE_SUFFIXES and (source != "folder" or depth == 0)


def _walk(root: Path, source: str, role_hint: str, skipped: Skipped) -> list[InstalledModel]:
    found: list[InstalledModel] = []

    def add(path: Path) -> None:
        try:
            model = identify(path, role_hint=role_hint)
        except EngineError as e:
            skipped.append((str(path), e.message))
            return
        found.append(replace(model, source=source))

    if root.is_file():
        add(root)
        return found
    stack = [(root, 0)]
    visited = 0
    while stack and visited < MAX_FOLDERS:
        folder, depth = stack.pop()
        visited += 1
        if _is_model_dir(folder):
            add(folder)
            continue
        try:
            entries = sorted(folder.iterdir(), reverse=True)
        except OSError as e:
            skipped.append((str(folder), f"cannot read: {e.strerror or e}"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if is_dir:
                if depth < MAX_DEPTH and entry.name not in _SKIP_DIRS:
                    stack.append((entry, depth + 1))
            elif _listable(entry, source, depth):
                add(entry)
    return found


def scan_folder(folder: str | Path, skipped: Skipped | None = None) -> list[InstalledModel]:
    """Models in one folder: an install root (A1111/ComfyUI), a model folder or a folder of
    models. Problems go to ``skipped`` as (location, reason)."""
    skipped = [] if skipped is None else skipped
    root = Path(os.path.expanduser(str(folder)))
    if not root.exists():
        skipped.append((str(root), "does not exist"))
        return []
    layout = install_layout(root) if root.is_dir() else None
    if layout is None:
        return _walk(root, "folder", "base", skipped)
    source, parts = layout
    found: list[InstalledModel] = []
    for sub, role in parts:
        found.extend(_walk(sub, source, role, skipped))
    return found


def _pick_revision(repo: Any) -> Any:
    revisions = list(repo.revisions)
    with_main = [r for r in revisions if "main" in r.refs]
    if with_main:
        return with_main[0]
    return max(revisions, key=lambda r: r.last_modified) if revisions else None


def scan_hf_cache(skipped: Skipped | None = None) -> list[InstalledModel]:
    """Identified models in the Hugging Face cache (one entry per repository: the revision
    ``main`` points to, else the newest)."""
    skipped = [] if skipped is None else skipped
    cache = hf_cache_dir()
    if not cache.is_dir():
        return []
    from huggingface_hub import scan_cache_dir

    try:
        info = scan_cache_dir(cache)
    except Exception as e:  # noqa: BLE001 - a damaged cache must not break the listing
        skipped.append((str(cache), f"cannot read the Hugging Face cache: {e}"))
        return []
    found: list[InstalledModel] = []
    for repo in sorted(info.repos, key=lambda r: r.repo_id):
        if repo.repo_type != "model":
            continue
        revision = _pick_revision(repo)
        if revision is None:
            continue
        snapshot = Path(revision.snapshot_path)
        try:
            model = identify(snapshot)
        except EngineError as folder_error:
            # a repository of single files: list each checkpoint at the snapshot's top
            singles = sorted(snapshot.glob("*.safetensors"))
            if not singles:
                skipped.append((repo.repo_id, folder_error.message))
            for file in singles:
                try:
                    single = identify(file)
                except EngineError as e:
                    skipped.append((f"{repo.repo_id}/{file.name}", e.message))
                    continue
                found.append(
                    replace(
                        single,
                        name=f"{repo.repo_id}/{file.name}",
                        source="hf-cache",
                        hub_id=repo.repo_id,
                    )
                )
            continue
        found.append(
            replace(
                model,
                name=repo.repo_id,
                source="hf-cache",
                hub_id=repo.repo_id,
                size_bytes=revision.size_on_disk,
            )
        )
    return found


_ROLE_ORDER = {role: i for i, role in enumerate(ROLES)}
_FAMILY_ORDER = {family: i for i, family in enumerate(ModelFamily)}


def scan(
    folders: list[str],
    include_hf_cache: bool = True,
    *,
    skipped: Skipped | None = None,
) -> list[InstalledModel]:
    """Every identifiable model in ``folders`` (the user's ``AppSettings.model_folders``) and,
    with ``include_hf_cache``, in the Hugging Face cache. Nothing is copied or loaded. What could
    not be identified goes to ``skipped`` as (location, reason)."""
    skipped = [] if skipped is None else skipped
    found: list[InstalledModel] = []
    for folder in folders:
        found.extend(scan_folder(folder, skipped))
    if include_hf_cache:
        found.extend(scan_hf_cache(skipped))
    unique: dict[str, InstalledModel] = {}
    for model in found:
        key = os.path.realpath(model.location)
        if key not in unique or model.source == "hf-cache":  # a cache entry knows its hub id
            unique[key] = model
    return sorted(
        unique.values(),
        key=lambda m: (
            _ROLE_ORDER.get(m.role, 9),
            _FAMILY_ORDER.get(m.family, 9) if m.family is not None else 9,
            m.name.lower(),
        ),
    )


def format_size(size: int | None) -> str:
    """``1.9 GB``, ``340 MB``, ``12 KB``, ``512 B``; ``?`` when unknown."""
    if size is None:
        return "?"
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if size >= scale:
            value = size / scale
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{size} B"
