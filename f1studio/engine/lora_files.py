"""What a LoRA file is, from its tensor names, shapes and metadata alone (no torch): which model
family it was trained for, its trigger words, and whether it may be opened at all.

Families are told by the layers a LoRA names: FLUX.1 LoRAs name the transformer's double and
single blocks, Stable Diffusion LoRAs the UNet's cross-attention (``attn2``), whose key
projection reads the text encoder's width: 768 for SD1.5, 1024 for SD2, 2048 for SDXL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.family_table import ModelFamily
from f1studio.engine.model_files import PICKLE_SUFFIXES, read_safetensors_header

TEXT_WIDTHS = {768: "Stable Diffusion 1.5", 1024: "Stable Diffusion 2", 2048: "SDXL"}
_FLUX_MARKS = ("double_blocks", "single_blocks", "single_transformer_blocks", "x_embedder")
_DOWN = ("lora_down", "lora_A", "lora.down")


@dataclass(frozen=True)
class LoraFile:
    path: Path
    shapes: dict[str, list[int]]
    metadata: dict[str, str]

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def is_flux(self) -> bool:
        return any(mark in key for key in self.shapes for mark in _FLUX_MARKS)

    @property
    def text_width(self) -> int | None:
        """The width of the text the UNet's cross-attention reads (None when not named)."""
        for key, shape in self.shapes.items():
            flat = key.replace(".", "_")
            if "attn2_to_k" in flat and any(d in key for d in _DOWN) and len(shape) == 2:
                return shape[1]
        return None

    def trigger_words(self, limit: int = 6) -> list[str]:
        """Words that call up what the LoRA learned: its stated trigger phrase, else the
        most frequent tags it was trained on (kohya's ``ss_tag_frequency``)."""
        phrase = self.metadata.get("modelspec.trigger_phrase", "").strip()
        if phrase:
            return [w.strip() for w in phrase.split(",") if w.strip()][:limit]
        try:
            frequency = json.loads(self.metadata.get("ss_tag_frequency", "{}"))
        except ValueError:
            return []
        counts: dict[str, int] = {}
        for tags in frequency.values() if isinstance(frequency, dict) else ():
            for tag, n in tags.items() if isinstance(tags, dict) else ():
                counts[tag.strip()] = counts.get(tag.strip(), 0) + int(n)
        ranked = sorted(counts, key=lambda t: -counts[t])
        return [t for t in ranked if t][:limit]

    def family_problem(self, family: ModelFamily, text_width: int | None) -> str | None:
        """One line saying why this LoRA does not fit a ``family`` model whose UNet reads text
        ``text_width`` wide, or None when it fits."""
        model = family.label
        if family == ModelFamily.FLUX:
            if not self.is_flux and (
                self.text_width or any("lora_unet_" in k for k in self.shapes)
            ):
                return f"{self.name} is a Stable Diffusion LoRA; the model is {model}"
            return None
        if self.is_flux:
            return f"{self.name} is a FLUX.1 LoRA; the model is {model}"
        width = self.text_width
        if width is not None and text_width is not None and width != text_width:
            kind = TEXT_WIDTHS.get(width, f"a model with {width}-wide text")
            return f"{self.name} is a LoRA for {kind}; the model is {model}"
        return None


def read_lora(path: str | Path, allow_pickle: bool = False) -> LoraFile:
    """A LoRA file's tensor shapes and metadata. Missing files, pickled files (unless allowed)
    and damaged files are one clear line."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise EngineError(ErrorKind.MODEL_NOT_FOUND, f"LoRA file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in PICKLE_SUFFIXES:
        if not allow_pickle:
            raise EngineError(
                ErrorKind.UNSAFE_WEIGHTS,
                f"{path.name} is a pickled LoRA, which can run code when opened; use a "
                ".safetensors LoRA, or allow pickled weights if you trust its source",
            )
        return LoraFile(path, {}, {})
    if suffix != ".safetensors":
        raise EngineError(ErrorKind.MODEL_INVALID, f"{path.name} is not a LoRA (.safetensors)")
    shapes = read_safetensors_header(path)
    return LoraFile(path, shapes, _metadata(path))


def _metadata(path: Path) -> dict[str, str]:
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="np") as f:
            return dict(f.metadata() or {})
    except Exception:  # noqa: BLE001 - metadata is optional; the header was already read
        return {}
