"""The layout a planner makes of a prompt: boxes (fractions of the canvas) with region prompts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

#: Cell borders of the 3x3 position grid (as in the demo world).
GRID = (0.375, 0.625)
_ROWS = ("top", "", "bottom")
_COLS = ("left", "", "right")


def cell_of(x: float, y: float) -> str:
    """The grid cell of a point: "top left", "left", "centre", ..."""
    col = 0 if x < GRID[0] else 2 if x > GRID[1] else 1
    row = 0 if y < GRID[0] else 2 if y > GRID[1] else 1
    return " ".join(w for w in (_ROWS[row], _COLS[col]) if w) or "centre"


@dataclass(frozen=True)
class Box:
    """A rectangle in fractions of the canvas (0..1, y grows downward)."""

    x0: float
    y0: float
    x1: float
    y1: float

    def __post_init__(self) -> None:
        if not (self.x0 < self.x1 and self.y0 < self.y1):
            raise ValueError(f"an empty box: {self}")

    @classmethod
    def around(cls, x: float, y: float, width: float, height: float) -> Box:
        return cls(x - width / 2, y - height / 2, x + width / 2, y + height / 2)

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cell(self) -> str:
        return cell_of(*self.centre)

    def scaled(self, width: int, height: int) -> tuple[int, int, int, int]:
        """The box in pixels of a ``width`` x ``height`` canvas (x0, y0, x1, y1)."""
        return (
            round(self.x0 * width),
            round(self.y0 * height),
            round(self.x1 * width),
            round(self.y1 * height),
        )

    def overlaps(self, other: Box, margin: float = 0.0) -> bool:
        return (
            min(self.x1, other.x1) - max(self.x0, other.x0) > margin
            and min(self.y1, other.y1) - max(self.y0, other.y0) > margin
        )

    def clamped(self) -> Box:
        """Inside the canvas: shifted in, then shrunk where it is larger than the canvas."""
        x0, x1 = _clamp_span(self.x0, self.x1)
        y0, y1 = _clamp_span(self.y0, self.y1)
        return Box(x0, y0, x1, y1)

    def as_list(self) -> list[float]:
        return [round(v, 4) for v in (self.x0, self.y0, self.x1, self.y1)]


def _clamp_span(a: float, b: float) -> tuple[float, float]:
    size = min(b - a, 1.0)
    a = min(max(a, 0.0), 1.0 - size)
    return a, a + size


@dataclass(frozen=True)
class LayoutObject:
    phrase: str  # the region's prompt ("a red circle on the left")
    name: str  # a short layer name ("red circle", "red apple 1")
    box: Box
    depth: int  # stacking order: 0 = furthest back, higher = in front

    def to_json(self) -> dict[str, Any]:
        return {
            "phrase": self.phrase,
            "name": self.name,
            "box": self.box.as_list(),
            "depth": self.depth,
        }


@dataclass(frozen=True)
class Layout:
    objects: tuple[LayoutObject, ...]
    remainder: str  # the global prompt left once the object phrases are taken out
    notes: tuple[str, ...] = ()  # one line per ambiguity and how it was read

    def to_json(self) -> dict[str, Any]:
        return {
            "objects": [o.to_json() for o in self.objects],
            "remainder": self.remainder,
            "notes": list(self.notes),
        }


class Planner(Protocol):
    name: str

    def plan(self, prompt: str) -> Layout: ...
