"""The user's LoRAs and textual-inversion embeddings: found where people keep them, with what
the window shows of each.

Searched: the LoRA folders of every AUTOMATIC1111 or ComfyUI install among the user's model
folders (``models/Lora``, ``models/LyCORIS``; ``models/loras``), the user's other model
folders themselves, a few levels deep, and LoRAs downloaded into the Hugging Face cache. A ``.safetensors`` file is a LoRA when its tensors say
so (``lora_down``/``lora_A`` names); pickled files are not opened. No Qt, no torch.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from f1studio.engine.events import EngineError
from f1studio.engine.family_table import ModelFamily
from f1studio.engine.lora_files import TEXT_WIDTHS, LoraFile, read_lora

#: the LoRA folders of an install, under its ``models`` folder
INSTALL_FOLDERS = ("Lora", "LyCORIS", "loras")
MAX_DEPTH = 3
MAX_FILES = 2000  # files looked at per folder, so a huge drive cannot hang the search
_MARKS = (".lora_down.", ".lora_A.", "lora_unet_", ".lora.down.")
#: the text width each family's UNet reads (real models; tiny test models differ)
FAMILY_TEXT_WIDTH = {ModelFamily.SD15: 768, ModelFamily.SDXL: 2048}


@dataclass(frozen=True)
class LoraFound:
    path: Path
    name: str
    family: str | None  # "SDXL", "FLUX.1", ... when its layers tell
    trigger_words: tuple[str, ...]


def is_lora(lora: LoraFile) -> bool:
    return any(mark in key for key in lora.shapes for mark in _MARKS)


def family_label(lora: LoraFile) -> str | None:
    if lora.is_flux:
        return "FLUX.1"
    width = lora.text_width
    return TEXT_WIDTHS.get(width) if width is not None else None


def describe(path: str | Path) -> LoraFound:
    """What the window shows of one LoRA file (``EngineError`` when it is not a readable
    LoRA: missing, damaged, pickled or a model)."""
    from f1studio.engine.events import ErrorKind

    lora = read_lora(path)
    if not is_lora(lora):
        raise EngineError(
            ErrorKind.MODEL_INVALID, f"{lora.path.name} holds no LoRA weights (is it a model?)"
        )
    return LoraFound(lora.path, lora.name, family_label(lora), tuple(lora.trigger_words()))


def fit_problem(path: str | Path, family: ModelFamily | None) -> str | None:
    """One line when the LoRA at ``path`` is for another family than ``family`` (a real
    model's), else None; unreadable files say so."""
    if family is None:
        return None
    try:
        lora = read_lora(path)
    except EngineError as e:
        return e.message
    return lora.family_problem(family, FAMILY_TEXT_WIDTH.get(family))


def lora_folders(model_folders: list[str]) -> list[Path]:
    """Where to look: each install's LoRA folders, and the other folders as they are."""
    out: list[Path] = []
    for folder in model_folders:
        root = Path(os.path.expanduser(folder))
        inside = [
            models / sub
            for models in (root / "models", root)
            for sub in INSTALL_FOLDERS
            if (models / sub).is_dir()
        ]
        for path in inside or ([root] if root.is_dir() else []):
            if path not in out:
                out.append(path)
    return out


def hf_cache_loras() -> list[Path]:
    """LoRA files downloaded into the Hugging Face cache (a repository's top-level
    ``.safetensors`` files that are LoRAs, e.g. ``latent-consistency/lcm-lora-sdv1-5``)."""
    from f1studio.engine.model_files import hf_cache_dir

    out = []
    for snapshot in sorted(hf_cache_dir().glob("models--*/snapshots/*")):
        for path in sorted(snapshot.glob("*.safetensors"))[:20]:
            try:
                if is_lora(read_lora(path)):
                    out.append(path)
            except EngineError:
                continue
    return out


def _cache_name(path: Path) -> str:
    """A cached file's name as people know it: the repository's (``lcm-lora-sdv1-5``) when
    the file has a generic name (``pytorch_lora_weights``)."""
    repo = path.parents[2].name.split("--")[-1] if len(path.parents) > 2 else path.stem
    return repo if "lora_weights" in path.stem or path.stem == "model" else path.stem


def find_loras(model_folders: list[str], hf_cache: bool = True) -> list[LoraFound]:
    """Every LoRA in the user's folders (and the Hugging Face cache), sorted by name;
    unreadable files are left out."""
    found: dict[Path, LoraFound] = {}
    if hf_cache:
        for path in hf_cache_loras():
            item = describe(path)
            found.setdefault(
                path.resolve(), LoraFound(path, _cache_name(path), item.family, item.trigger_words)
            )
    for folder in lora_folders(model_folders):
        seen = 0
        for dirpath, dirnames, filenames in os.walk(folder):
            depth = len(Path(dirpath).relative_to(folder).parts)
            dirnames[:] = [d for d in dirnames if not d.startswith(".") and depth < MAX_DEPTH]
            for name in sorted(filenames):
                if not name.lower().endswith(".safetensors"):
                    continue
                seen += 1
                if seen > MAX_FILES:
                    break
                path = Path(dirpath) / name
                try:
                    found.setdefault(path.resolve(), describe(path))
                except EngineError:
                    continue
    return sorted(found.values(), key=lambda f: (f.name.lower(), str(f.path)))


#: embedding folders of an install: AUTOMATIC1111's beside its ``models``, ComfyUI's inside
EMBEDDING_FOLDERS = ("embeddings", "models/embeddings")
_EMBEDDING_KEYS = {"emb_params", "clip_l", "clip_g"}


def _is_embedding(shapes: dict[str, list[int]]) -> bool:
    if not shapes or any(mark in key for key in shapes for mark in _MARKS):
        return False
    if set(shapes) <= _EMBEDDING_KEYS:
        return True
    return len(shapes) == 1 and len(next(iter(shapes.values()))) == 2  # diffusers: one tensor


def find_embeddings(model_folders: list[str]) -> dict[str, str]:
    """Textual-inversion embeddings (``.safetensors``) in the embedding folders of the user's
    installs, by the name prompts call them with (the file name); the first of a name wins."""
    from f1studio.engine.model_files import read_safetensors_header

    found: dict[str, str] = {}
    for folder in model_folders:
        root = Path(os.path.expanduser(folder))
        for sub in EMBEDDING_FOLDERS:
            where = root / sub
            if not where.is_dir():
                continue
            for path in sorted(where.rglob("*.safetensors"))[:MAX_FILES]:
                name = path.stem
                if name in found or any(c.isspace() for c in name):
                    continue
                try:
                    if _is_embedding(read_safetensors_header(path)):
                        found[name] = str(path)
                except EngineError:
                    continue
    return found


def embeddings_in(model_folders: list[str]) -> dict[str, str]:
    """:func:`find_embeddings`, searched again only when an embedding folder changed (renders
    call this each time; live mode renders often)."""
    stamps = []
    for folder in model_folders:
        for sub in EMBEDDING_FOLDERS:
            where = Path(os.path.expanduser(folder)) / sub
            try:
                stamps.append((str(where), where.stat().st_mtime_ns))
            except OSError:
                continue
    return dict(_found_embeddings(tuple(model_folders), tuple(stamps)))


@lru_cache(maxsize=4)
def _found_embeddings(folders: tuple[str, ...], _stamps: tuple) -> tuple[tuple[str, str], ...]:
    return tuple(find_embeddings(list(folders)).items())
