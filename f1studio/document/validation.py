"""Checks of the values a Document accepts, with messages a user can act on."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

import numpy as np

from f1studio.document.layers import Layer, LayerKind
from f1studio.document.settings import GenerationSettings

MIN_SIZE, MAX_SIZE = 64, 2048


def check_canvas_size(width: object, height: object) -> tuple[int, int]:
    """Return (width, height) as ints or raise ValueError with a user-facing message."""
    try:
        w, h = int(width), int(height)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ValueError(f"canvas size must be whole numbers, not {width!r}x{height!r}") from None
    if (
        w != width
        or h != height
        or w % 8
        or h % 8
        or not (MIN_SIZE <= w <= MAX_SIZE and MIN_SIZE <= h <= MAX_SIZE)
    ):
        raise ValueError(
            f"canvas size {width}x{height} is not allowed: width and height must be "
            f"multiples of 8 within {MIN_SIZE}..{MAX_SIZE}"
        )
    return w, h


def layer_kind(kind: LayerKind | str) -> LayerKind:
    try:
        return LayerKind(kind)
    except ValueError:
        names = ", ".join(k.value for k in LayerKind)
        raise ValueError(f"unknown layer kind {kind!r} (choose from {names})") from None


def check_index(index: int, count: int) -> int:
    if (
        not isinstance(index, (int, np.integer))
        or isinstance(index, bool)
        or not 0 <= index < count
    ):
        raise ValueError(f"layer position must be within 0..{count - 1}, not {index!r}")
    return int(index)


def check_range(start: float, end: float) -> None:
    if not start < end:
        raise ValueError(f"a guide's start ({start}) must be before its end ({end})")


def coerce_setting(name: str, current: object, value: object) -> object:
    """Cast a setting value to the type of its current value, with a clear error."""
    try:
        if isinstance(current, Enum):
            return type(current)(value)
        if isinstance(current, bool):
            if not isinstance(value, bool):
                raise ValueError
            return value
        if isinstance(current, int):
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)  # type: ignore[call-overload]
        if isinstance(current, float):
            if isinstance(value, bool):
                raise ValueError
            return float(value)  # type: ignore[arg-type]
        if isinstance(current, tuple):  # a list setting (loras): its own check casts it
            return value
        return str(value)
    except (TypeError, ValueError):
        kind = type(current).__name__
        raise ValueError(f"setting {name} needs a {kind} value, not {value!r}") from None


def validated_setting(settings: GenerationSettings, name: str, value: object) -> object:
    """``value`` as setting ``name`` would hold it (cast to its type), or a ValueError."""
    names = [f.name for f in dataclasses.fields(GenerationSettings) if f.name != "models"]
    if name == "models":
        raise ValueError("choose models with set_model(kind, value)")
    if name not in names:
        raise ValueError(f"unknown setting {name!r} (choose from {', '.join(names)})")
    value = coerce_setting(name, getattr(settings, name), value)
    change: dict[str, Any] = {name: value}  # coerce_setting cast it to the field's type
    return getattr(dataclasses.replace(settings, **change), name)  # replace validates


def check_new_layer(layer: Layer, width: int, height: int, layers: list[Layer]) -> None:
    """A layer may join a ``width`` x ``height`` document holding ``layers``."""
    if not isinstance(layer, Layer):
        raise TypeError(f"expected a Layer, got {type(layer).__name__}")
    if (layer.width, layer.height) != (width, height):
        raise ValueError(
            f"layer {layer.name!r} is {layer.width}x{layer.height}, the canvas is {width}x{height}"
        )
    if any(other.id == layer.id for other in layers):
        raise ValueError(f"a layer with id {layer.id!r} is already in the document")
