"""The tool and brush the last window closed with, kept in the per-user Qt settings so the
next start picks up where the hand left off (the dock layout and geometry are kept beside
them by ``FileWindow.save_window_layout``)."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

from PySide6.QtCore import QSettings

from f1studio.gui.tools import BrushSettings, ToolKind

TOOL_KEY = "tools/tool"
BRUSH_KEY = "tools/brush"


def save(settings: QSettings, tool: ToolKind, brush: BrushSettings) -> None:
    settings.setValue(TOOL_KEY, tool.value)
    settings.setValue(BRUSH_KEY, json.dumps(asdict(brush)))


def saved_tool(settings: QSettings) -> ToolKind | None:
    try:
        return ToolKind(str(settings.value(TOOL_KEY, "")))
    except ValueError:  # never saved, or a tool this version does not have
        return None


def saved_brush(settings: QSettings) -> BrushSettings | None:
    """The saved brush; fields missing or of the wrong type keep their defaults."""
    try:
        data = json.loads(str(settings.value(BRUSH_KEY, "")))
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    brush = BrushSettings()
    for f in fields(BrushSettings):
        value: Any = data.get(f.name)
        default = getattr(brush, f.name)
        if f.name == "color":
            ok = isinstance(value, list) and len(value) == 4
            ok = ok and all(isinstance(c, int) and 0 <= c <= 255 for c in value)
            if ok:
                brush.color = (value[0], value[1], value[2], value[3])
        elif isinstance(default, bool):
            if isinstance(value, bool):
                setattr(brush, f.name, value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            setattr(brush, f.name, type(default)(value))
    return brush.clamp()
