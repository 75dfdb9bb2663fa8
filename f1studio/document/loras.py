"""LoRAs as a document keeps them: on the whole picture (the settings' list) or on a region
layer, each with a weight and an on/off switch; and AUTOMATIC1111's ``<lora:name:weight>``
prompt tags, which the PNG parameters carry and which a pasted prompt may hold. No Qt, no
torch.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePath

from f1studio.engine.request import LORA_WEIGHT, LoraSpec

MAX_LORAS = 16  # per list: more is a mistake, and each one costs time per step
_TAG = re.compile(r"<lora:([^:<>]+?)(?::(-?[0-9]*\.?[0-9]+))?(?::[^<>]*)?>", re.IGNORECASE)


@dataclass(frozen=True)
class LoraEntry:
    """One LoRA in a list: its file, weight (-2..2) and whether it is switched on."""

    path: str
    weight: float = 1.0
    enabled: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.path, str) or not self.path.strip():
            raise ValueError(f"a LoRA needs the path of its file, not {self.path!r}")
        weight = self.weight
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise ValueError(f"LoRA weight must be a number, not {weight!r}")
        if not math.isfinite(weight) or not -LORA_WEIGHT <= weight <= LORA_WEIGHT:
            raise ValueError(f"LoRA weight must be -{LORA_WEIGHT:g}..{LORA_WEIGHT:g}, not {weight}")
        object.__setattr__(self, "weight", float(weight))
        if not isinstance(self.enabled, bool):
            raise ValueError(f"LoRA enabled must be true or false, not {self.enabled!r}")

    @property
    def name(self) -> str:
        return PurePath(self.path.replace("\\", "/")).stem

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "weight": self.weight, "enabled": self.enabled}


def check_loras(value: object) -> tuple[LoraEntry, ...]:
    """A list of LoRAs from entries or their JSON objects; ``ValueError`` names what is wrong."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise ValueError(f"loras must be a list of LoRAs, not {value!r}")
    out: list[LoraEntry] = []
    for item in value:
        if isinstance(item, LoraEntry):
            out.append(item)
        elif isinstance(item, Mapping):
            unknown = set(item) - {"path", "weight", "enabled"}
            if unknown:
                raise ValueError(f"a LoRA has no field {sorted(unknown)[0]!r}")
            out.append(LoraEntry(**item))
        else:
            raise ValueError(f"a LoRA must be an object with a path, not {item!r}")
    if len(out) > MAX_LORAS:
        raise ValueError(f"at most {MAX_LORAS} LoRAs per list, not {len(out)}")
    return tuple(out)


def lora_specs(entries: Iterable[LoraEntry]) -> tuple[LoraSpec, ...]:
    """What the engine gets: the switched-on LoRAs with a weight other than 0."""
    return tuple(LoraSpec(e.path, e.weight) for e in entries if e.enabled and e.weight != 0.0)


def lora_tags(loras: Iterable[LoraSpec]) -> str:
    """AUTOMATIC1111's prompt tags for ``loras``: ``<lora:name:0.8> <lora:other:1>``."""
    return " ".join(f"<lora:{lora.name}:{lora.weight:g}>" for lora in loras)


def split_lora_tags(prompt: str) -> tuple[str, list[tuple[str, float]]]:
    """``prompt`` without its ``<lora:name:weight>`` tags, and the (name, weight) of each."""
    found = [(m.group(1).strip(), float(m.group(2) or 1.0)) for m in _TAG.finditer(prompt)]
    rest = _TAG.sub("", prompt)
    rest = re.sub(r"\s*,\s*(,\s*)+", ", ", rest)
    return re.sub(r"[ \t]{2,}", " ", rest).strip(" ,\t"), found


def with_words(prompt: str, words: str) -> str | None:
    """``prompt`` with ``words`` (a LoRA's trigger words) added at the end after ", ", or None
    when the prompt already lists them."""
    text = prompt.rstrip().rstrip(",").rstrip()
    if words.strip().lower() in (part.strip().lower() for part in text.split(",")):
        return None
    return f"{text}, {words}" if text else words
