"""Which files of a hub repository to download (see :mod:`f1studio.engine.downloads`): safetensors
weights and the JSON/text/tokenizer files that describe them, never pickled weights or code; for
a diffusers pipeline only its component folders and only the default (or preferred) weights
variant. No Qt, no torch."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from typing import Any

from f1studio.engine.model_files import PICKLE_SUFFIXES, weights_variant

WEIGHT_PATTERNS = ("*.safetensors",)
DESCRIPTION_PATTERNS = ("*.json", "*.txt", "*.model")
EXTRA_TOP_FILES = ("README.md", "LICENSE", "LICENSE.md", "LICENSE.txt")
# pickled weights and code are never downloaded (nor weights of other frameworks)
NEVER = PICKLE_SUFFIXES + (".pickle", ".py", ".pyc", ".msgpack", ".h5")


def _variant_of(name: str) -> bool:
    return weights_variant(name) is not None


def _is_weight_file(name: str) -> bool:
    base = name.rpartition("/")[2]
    return (
        _matches(base, WEIGHT_PATTERNS)
        or base.endswith(".safetensors.index.json")
        or (_variant_of(base) and base.endswith(".json"))
    )


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def select_files(
    files: Iterable[str],
    *,
    components: Iterable[str] | None = None,
    allow_patterns: Iterable[str] | str | None = None,
    prefer_variant: str | None = None,
) -> list[str]:
    """The files of a repository to download (see the module docstring). ``components`` are the
    pipeline's component folders (``None``: not a pipeline). ``prefer_variant`` (``"fp16"``):
    a folder with weights of that variant gets only those (and their index), the others their
    default weights."""
    names = [f for f in files if not f.lower().endswith(NEVER)]
    if allow_patterns is not None:
        patterns = [allow_patterns] if isinstance(allow_patterns, str) else list(allow_patterns)
        return sorted(n for n in names if _matches(n, patterns))
    keep: list[str] = []
    folders = set(components) if components is not None else None
    for name in names:
        folder, _, base = name.rpartition("/")
        top = "/" not in name
        if top and base in EXTRA_TOP_FILES:
            keep.append(name)
            continue
        if not _matches(base, WEIGHT_PATTERNS + DESCRIPTION_PATTERNS):
            continue
        if folders is not None:
            if top and _matches(base, WEIGHT_PATTERNS):
                continue  # single-file copies next to a diffusers pipeline
            if not top and folder.split("/")[0] not in folders:
                continue  # onnx exports, alternative VAEs, sample folders, ...
        keep.append(name)
    if prefer_variant is not None:
        preferred_dirs = {
            n.rpartition("/")[0]
            for n in keep
            if _matches(n.rpartition("/")[2], WEIGHT_PATTERNS)
            and weights_variant(n) == prefer_variant
        }
        keep = [
            n
            for n in keep
            if n.rpartition("/")[0] not in preferred_dirs
            or not _is_weight_file(n)
            or weights_variant(n) == prefer_variant
        ]
    # drop fp16/non_ema/... copies where the folder has the default weights
    default_dirs = {
        n.rpartition("/")[0]
        for n in keep
        if _matches(n.rpartition("/")[2], WEIGHT_PATTERNS) and not _variant_of(n)
    }
    return sorted(n for n in keep if not (_variant_of(n) and n.rpartition("/")[0] in default_dirs))


def preferred_variant(model_index: Mapping[str, Any]) -> str | None:
    """The weights variant worth downloading for a pipeline: ``fp16`` for SDXL (the engine runs
    it in fp16 on GPUs anyway, and the default fp32 weights are twice the size), else None."""
    name = model_index.get("_class_name")
    return "fp16" if isinstance(name, str) and name.startswith("StableDiffusionXL") else None
