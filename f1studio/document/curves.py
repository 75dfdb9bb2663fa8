"""Strength curves of guides: presets, and what a curve means over the steps. No Qt.

A curve is a few values, evenly spaced from the first active step of its guide to the last
(``ControlSpec.scale_at`` interpolates between them); each multiplies the guide's weight, from
0 (the guide lets go) to :data:`CURVE_MAX` (twice the weight). ``None`` is the constant curve.
"""

from __future__ import annotations

CURVE_MAX = 2.0
CURVE_POINTS = 5  # the editor's points for a new curve

#: preset name -> curve (None: constant). "Structure first": strong while the composition
#: forms, letting go as details come (chosen on the demo model among six shapes: it keeps the
#: guide's outline within 0.05 edge F1 of a constant curve and lets the prompt's colours
#: through more often); "Texture later" the reverse; "Ease in/out" strongest
#: in the middle of the steps.
CURVE_PRESETS: dict[str, tuple[float, ...] | None] = {
    "Constant": None,
    "Structure first": (1.5, 1.2, 0.9, 0.5, 0.2),
    "Texture later": (0.0, 0.25, 0.6, 1.0, 1.0),
    "Ease in/out": (0.2, 0.7, 1.0, 0.7, 0.2),
}


def curve_points(curve: tuple[float, ...] | None) -> tuple[float, ...]:
    """The values an editor shows: the curve, or the constant one as :data:`CURVE_POINTS`."""
    return tuple(curve) if curve else (1.0,) * CURVE_POINTS


def normalised(values: tuple[float, ...]) -> tuple[float, ...] | None:
    """``values`` rounded for storage; None when they are all 1 (the constant curve)."""
    rounded = tuple(round(min(CURVE_MAX, max(0.0, float(v))), 3) for v in values)
    return None if all(v == 1.0 for v in rounded) else rounded


def preset_of(curve: tuple[float, ...] | None) -> str | None:
    """The preset ``curve`` is (None: a custom curve)."""
    for name, values in CURVE_PRESETS.items():
        if values == (tuple(curve) if curve else None):
            return name
    return None
