"""Tool kinds and brush settings shared by the canvas and the tool bar."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from f1studio.document.layers import LayerKind
from f1studio.gui.i18n import translate


class ToolKind(str, Enum):
    MOVE = "move"  # move and scale the active layer's content
    BRUSH = "brush"
    ERASER = "eraser"
    FILL = "fill"
    RECT = "rect"  # rectangle mask/selection fill
    ELLIPSE = "ellipse"

    @property
    def label(self) -> str:
        """The tool's name in the window's language."""
        return {
            "move": translate("ToolKind", "Move"),
            "brush": translate("ToolKind", "Brush"),
            "eraser": translate("ToolKind", "Eraser"),
            "fill": translate("ToolKind", "Fill"),
            "rect": translate("ToolKind", "Rectangle"),
            "ellipse": translate("ToolKind", "Ellipse"),
        }[self.value]

    @property
    def shortcut(self) -> str | None:
        keys = {"move": "V", "brush": "B", "eraser": "E", "fill": "G", "rect": "M", "ellipse": "O"}
        return keys.get(self.value)

    @property
    def is_brush(self) -> bool:
        """Freehand tools: a drag paints dabs along the pointer path."""
        return self in (ToolKind.BRUSH, ToolKind.ERASER)

    @property
    def is_shape(self) -> bool:
        """Drag a box, filled on release."""
        return self in (ToolKind.RECT, ToolKind.ELLIPSE)

    @property
    def erases(self) -> bool:
        """Clears alpha on pictures, writes 0 on masks and guides (Alt does it for any tool)."""
        return self is ToolKind.ERASER


@dataclass
class BrushSettings:
    """What a stroke paints with. The active layer's kind decides how these apply:
    colour on paint/reference layers, mask value on region/inpaint layers, white lines on edge
    guides, ``depth_level`` (0 = far, 255 = near) on depth guides."""

    size: float = 24.0  # diameter in canvas pixels
    hardness: float = 0.8  # 0..1
    opacity: float = 1.0  # 0..1
    color: tuple[int, int, int, int] = (20, 20, 20, 255)
    depth_level: int = 200
    pressure: bool = True  # use tablet pressure for size when the device reports it
    fill_tolerance: int = 32  # flood fill: max difference per channel (0..255) still filled

    def clamp(self) -> BrushSettings:
        self.size = float(min(max(self.size, 1.0), 1000.0))
        self.hardness = float(min(max(self.hardness, 0.0), 1.0))
        self.opacity = float(min(max(self.opacity, 0.0), 1.0))
        self.depth_level = int(min(max(self.depth_level, 0), 255))
        self.fill_tolerance = int(min(max(self.fill_tolerance, 0), 255))
        return self


# A fresh brush's diameter as a share of the canvas' longer side, by the kind of layer it paints:
# thin lines for edge guides, broad strokes for masks and depth, in between for pictures.
BRUSH_SHARE: dict[LayerKind, float] = {
    LayerKind.PAINT: 1 / 32,
    LayerKind.REFERENCE: 1 / 32,
    LayerKind.EDGE: 1 / 128,
    LayerKind.REGION: 1 / 8,
    LayerKind.DEPTH: 1 / 8,
    LayerKind.INPAINT: 1 / 8,
}


def default_brush_size(kind: LayerKind, width: int, height: int) -> float:
    """The brush diameter a layer kind starts with on a ``width`` x ``height`` canvas (at least
    3 px: a thinner hard line is mostly antialiased edge)."""
    return float(max(3, round(max(width, height) * BRUSH_SHARE[kind])))


@dataclass
class BrushSizes:
    """Each layer kind's own brush size: the default for the canvas until the user changes it."""

    width: int
    height: int
    chosen: dict[LayerKind, float] = field(default_factory=dict)

    def size_for(self, kind: LayerKind) -> float:
        return self.chosen.get(kind) or default_brush_size(kind, self.width, self.height)

    def remember(self, kind: LayerKind, size: float) -> None:
        self.chosen[kind] = float(size)
