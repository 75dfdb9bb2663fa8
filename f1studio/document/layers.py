"""Layers: numpy pixel data plus small metadata. No Qt, no torch.

Every layer covers the whole canvas. Pixel formats by kind:

- paint, reference: RGBA uint8 (H, W, 4)
- region, inpaint mask: uint8 (H, W), 255 = inside
- edge guide: uint8 (H, W), white lines on black
- depth guide: uint8 (H, W), white = near
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from f1studio.document.loras import LoraEntry, check_loras
from f1studio.engine.request import REFERENCE_USES, ControlKind

#: what a reference layer is for: only to trace, or to steer the render
REFERENCE_USES_ALL = ("trace", *REFERENCE_USES)


class LayerKind(str, Enum):
    PAINT = "paint"
    REFERENCE = "reference"
    REGION = "region"
    EDGE = "edge"  # guide layers: one per ControlKind, with its value
    DEPTH = "depth"
    INPAINT = "inpaint"

    @property
    def is_picture(self) -> bool:
        """Paint and reference layers form the visible canvas (RGBA)."""
        return self in (LayerKind.PAINT, LayerKind.REFERENCE)

    @property
    def is_mask(self) -> bool:
        return self in (LayerKind.REGION, LayerKind.INPAINT)

    @property
    def control_kind(self) -> ControlKind | None:
        """The guide kind of a guide layer (its value names a :class:`ControlKind`)."""
        return next((kind for kind in ControlKind if kind.value == self.value), None)

    @property
    def is_control(self) -> bool:
        """Guide layers drive ControlNets (weight, start, end)."""
        return self.control_kind is not None

    @property
    def channels(self) -> int:
        return 4 if self.is_picture else 1

    @property
    def label(self) -> str:
        control = self.control_kind
        if control is not None:
            return control.label
        return {
            "paint": "Paint",
            "reference": "Reference image",
            "region": "Region",
            "inpaint": "Inpaint mask",
        }[self.value]

    def blank(self, width: int, height: int) -> np.ndarray:
        """An empty layer of this kind: transparent, or all-zero mask/guide."""
        if self.is_picture:
            return np.zeros((height, width, 4), np.uint8)
        return np.zeros((height, width), np.uint8)


# The properties a layer of each kind carries beyond name/visible/locked/opacity.
CONTROL_PROPERTIES = ("weight", "start", "end", "curve", "region", "balance")
KIND_PROPERTIES: dict[LayerKind, tuple[str, ...]] = {
    LayerKind.PAINT: (),
    LayerKind.REFERENCE: ("use", "weight", "start", "end", "region"),
    LayerKind.REGION: ("prompt", "negative_prompt", "weight", "layout", "loras"),
    **{kind: CONTROL_PROPERTIES for kind in LayerKind if kind.is_control},
    LayerKind.INPAINT: ("strength", "feather"),
}

COMMON_PROPERTIES = ("name", "visible", "locked", "opacity")


@dataclass
class Layer:
    """One layer. ``data`` is owned by the layer; edit it through the Document so undo works."""

    kind: LayerKind
    data: np.ndarray
    name: str = ""
    visible: bool = True
    locked: bool = False
    opacity: float = 1.0
    # region
    prompt: str = ""
    negative_prompt: str = ""
    # region (influence) and guides (ControlNet conditioning scale 0..2)
    weight: float = 1.0
    # region made by a layout of the prompt: its record (f1studio.layout.regions), else ""
    layout: str = ""
    # region: LoRAs that act only inside it (and on its prompt)
    loras: tuple[LoraEntry, ...] = ()
    # reference picture: "trace" (only to look at and trace; nothing reaches the model) or what
    # it steers through the IP-Adapter: "style", "subject" or "composition" (weight, start, end)
    use: str = "trace"
    # guides: fractions of the denoising steps, start < end; optional strength curve
    start: float = 0.0
    end: float = 1.0
    curve: tuple[float, ...] | None = None
    # guides: the id of the region layer the guide is limited to ("" = the whole canvas), and
    # the control mode: -1 prompt is more important, 0 balanced, 1 guide is more important
    region: str = ""
    balance: float = 0.0
    # inpaint mask (a new one's feather: ``default_feather`` of its canvas)
    strength: float = 1.0
    feather: int = 8
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def __post_init__(self) -> None:
        self.kind = LayerKind(self.kind)
        if not self.name:
            self.name = self.kind.label
        expected = 3 if self.kind.is_picture else 2
        if self.data.ndim != expected or self.data.dtype != np.uint8:
            raise ValueError(
                f"{self.kind.label} layer needs uint8 data with {expected} dimensions, "
                f"got {self.data.dtype} {self.data.shape}"
            )
        if self.kind.is_picture and self.data.shape[2] != 4:
            raise ValueError(f"{self.kind.label} layer needs RGBA data, got {self.data.shape}")

    @property
    def width(self) -> int:
        return int(self.data.shape[1])

    @property
    def height(self) -> int:
        return int(self.data.shape[0])

    def properties(self) -> dict[str, object]:
        """The metadata that belongs to this kind (what the project file stores besides pixels)."""
        names = COMMON_PROPERTIES + KIND_PROPERTIES[self.kind]
        return {n: getattr(self, n) for n in names}

    def copy(self) -> Layer:
        dup = Layer(**{**self.__dict__, "data": self.data.copy()})
        return dup


def numbered_name(base: str, taken: Iterable[str]) -> str:
    """``base``, or ``"base 2"``, ``"base 3"``... : the first that no name in ``taken`` has,
    so that four new edge guides are told apart in the layer list."""
    names = set(taken)
    name, n = base, 2
    while name in names:
        name, n = f"{base} {n}", n + 1
    return name


def validate_property(kind: LayerKind, name: str, value: object) -> object:
    """Check and normalise a property value; raise ValueError with a user-facing message."""
    if name not in COMMON_PROPERTIES + KIND_PROPERTIES[kind]:
        raise ValueError(f"a {kind.label.lower()} layer has no property {name!r}")
    if name in ("name", "prompt", "negative_prompt", "layout", "region"):
        return str(value)
    if name == "balance":
        v = float(value)  # type: ignore[arg-type]
        if not -1.0 <= v <= 1.0:
            raise ValueError(f"balance must be within -1..1 (prompt .. guide), not {v}")
        return v
    if name in ("visible", "locked"):
        return bool(value)
    if name == "opacity" or name == "strength":
        v = float(value)  # type: ignore[arg-type]
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"{name} must be within 0..1, not {v}")
        return v
    if name == "weight":
        v = float(value)  # type: ignore[arg-type]
        if not 0.0 <= v <= 2.0:
            raise ValueError(f"weight must be within 0..2, not {v}")
        return v
    if name in ("start", "end"):
        v = float(value)  # type: ignore[arg-type]
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"{name} must be within 0..1, not {v}")
        return v
    if name == "feather":
        v = int(value)  # type: ignore[call-overload]
        if not 0 <= v <= 256:
            raise ValueError(f"feather must be within 0..256 pixels, not {v}")
        return v
    if name == "loras":
        return check_loras(value)
    if name == "use":
        if value not in REFERENCE_USES_ALL:
            raise ValueError(
                f"a reference is used for {', '.join(REFERENCE_USES_ALL)}, not {value!r}"
            )
        return str(value)
    if name == "curve":
        if value is None:
            return None
        if not isinstance(value, Iterable):
            raise TypeError(f"a strength curve must be a list of numbers, not {value!r}")
        curve = tuple(float(x) for x in value)
        if len(curve) < 2 or any(not 0.0 <= x <= 2.0 for x in curve):
            raise ValueError("a strength curve needs at least two values within 0..2")
        return curve
    raise ValueError(f"unknown property {name!r}")


def default_feather(width: int, height: int) -> int:
    """A new inpaint mask's feather: a 64th of the canvas's longer side (8 px at 512, 2 px
    at the demo model's 128), so the old picture shows through the same share of the mask's
    rim at every canvas size."""
    return max(1, round(max(width, height) / 64))
