"""Text to layout: spatial phrases of a prompt become boxes with their own region prompts.

``default_planner().plan("a red car on the left and a blue house on the right")`` gives one
:class:`LayoutObject` per object (a region prompt, a layer name, a :class:`Box` in fractions of
the canvas and a stacking depth) and the prompt left over for the whole picture. Planners are
registered by name in :data:`PLANNERS`, so a model-based one can join without touching callers.
Pure Python: no Qt, torch or numpy.
"""

from __future__ import annotations

from collections.abc import Callable

from f1studio.layout.plan import Box, Layout, LayoutObject, Planner
from f1studio.layout.rules import RulePlanner

PLANNERS: dict[str, Callable[[], Planner]] = {RulePlanner.name: RulePlanner}


def default_planner() -> RulePlanner:
    return RulePlanner()


__all__ = [
    "PLANNERS",
    "Box",
    "Layout",
    "LayoutObject",
    "Planner",
    "RulePlanner",
    "default_planner",
]
