"""What a document edit changed: the record a Document sends to its subscribers.

Every edit, undo and redo notifies ``callback(doc, change)`` with one :class:`Change`, so a
listener redraws or refreshes only what it must (the canvas re-converts the tiles of a pixel
edit; the layers panel refills one row for a renamed layer).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ChangeKind(Enum):
    LAYERS = "layers"  # the stack or the canvas size: layers added, removed, moved, resized
    LAYER = "layer"  # metadata of one layer (name, opacity, prompt, range ...)
    PIXELS = "pixels"  # pixels of one layer
    PROMPT = "prompt"
    NEGATIVE_PROMPT = "negative_prompt"
    SETTINGS = "settings"  # generation settings, model choices
    RESULTS = "results"  # the generation history (results added, discarded, applied)
    HISTORY = "history"  # the undo history alone: grouped edits became one named step

    @property
    def has_layer(self) -> bool:
        """True when changes of this kind name the one layer they touched."""
        return self in (ChangeKind.LAYER, ChangeKind.PIXELS)


@dataclass(frozen=True)
class Change:
    """One notification: its kind and, for LAYER and PIXELS, the layer it touched."""

    kind: ChangeKind
    layer_id: str | None = None

    def __post_init__(self) -> None:
        if self.kind.has_layer != (self.layer_id is not None):
            need = "needs a" if self.kind.has_layer else "takes no"
            raise ValueError(f"a {self.kind.value} change {need} layer id")

    @classmethod
    def layer(cls, layer_id: str) -> Change:
        """One layer's metadata changed."""
        return cls(ChangeKind.LAYER, layer_id)

    @classmethod
    def pixels(cls, layer_id: str) -> Change:
        """One layer's pixels changed."""
        return cls(ChangeKind.PIXELS, layer_id)


LAYERS = Change(ChangeKind.LAYERS)
PROMPT = Change(ChangeKind.PROMPT)
NEGATIVE_PROMPT = Change(ChangeKind.NEGATIVE_PROMPT)
SETTINGS = Change(ChangeKind.SETTINGS)
RESULTS = Change(ChangeKind.RESULTS)
HISTORY = Change(ChangeKind.HISTORY)
