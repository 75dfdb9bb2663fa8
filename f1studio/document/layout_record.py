"""The record a layout-made region layer carries (its ``layout`` property), read and written
here so the request builder can use it without knowing the planner (``f1studio.layout``).

A layout turns the prompt's object phrases into region layers; the rest of the prompt (the
*remainder*, e.g. "on a yellow background") is what the picture as a whole is asked for. While
the prompt still reads as it did when it was laid out, the request's global prompt is that
remainder, so an object's words reach its region and do not leak into the rest.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from f1studio.document.layers import Layer, LayerKind


@dataclass(frozen=True)
class LayoutRecord:
    key: str  # the planned object it was made for (unique within one layout)
    print: str  # the layer's fingerprint as the layout made it (see :func:`fingerprint`)
    prompt: str  # the prompt that was laid out
    remainder: str  # what that prompt asks of the picture as a whole

    def dumps(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def loads(cls, text: str) -> LayoutRecord | None:
        """The record in a layer's ``layout`` text; None for "" or anything unreadable."""
        if not text:
            return None
        try:
            raw = json.loads(text)
            return cls(**{name: str(raw[name]) for name in ("key", "print", "prompt", "remainder")})
        except (ValueError, TypeError, KeyError):
            return None

    def matches(self, prompt: str) -> bool:
        """True when ``prompt`` reads as the prompt this record's layout was made from."""
        return " ".join(prompt.split()) == " ".join(self.prompt.split())


def record_of(layer: Layer) -> LayoutRecord | None:
    """The layout record of a region layer (None: not made by a layout)."""
    if layer.kind is not LayerKind.REGION:
        return None
    return LayoutRecord.loads(layer.layout)


def fingerprint(layer: Layer) -> str:
    """What the user may change of a layout-made region (its mask, prompts, weight, name and
    lock), hashed: a layout replaces the regions whose fingerprint is still its own."""
    digest = hashlib.sha1(usedforsecurity=False)
    for part in (layer.name, layer.prompt, layer.negative_prompt, repr(layer.weight)):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(b"locked" if layer.locked else b"open")
    digest.update(repr(layer.data.shape).encode())
    digest.update(layer.data.tobytes())
    return digest.hexdigest()[:20]


def global_prompt(prompt: str, layers: list[Layer]) -> str:
    """The prompt the picture as a whole gets: the remainder of a layout while a visible
    layout-made region was made from ``prompt`` as it reads now, else ``prompt`` itself."""
    for layer in layers:
        record = record_of(layer)
        if layer.visible and layer.prompt.strip() and record is not None and record.matches(prompt):
            return record.remainder.strip()
    return prompt.strip()
