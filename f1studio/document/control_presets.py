"""The one-slider Control of a guide: from *loose* to *strict*, moving its weight, step range
and strength curve together along a path per guide kind (Krita AI Diffusion's idea, with our
curves). No Qt.

Loose: a weak guide that holds the composition early and lets go ("structure first") over part
of the steps; strict: a strong guide over (almost) all of them, constant. In between, each part
is interpolated linearly.
"""

from __future__ import annotations

from dataclasses import dataclass

from f1studio.document.curves import CURVE_POINTS, CURVE_PRESETS, normalised


@dataclass(frozen=True)
class GuideSettings:
    weight: float
    start: float
    end: float
    curve: tuple[float, ...] | None

    def as_values(self) -> dict[str, object]:
        return {"weight": self.weight, "start": self.start, "end": self.end, "curve": self.curve}


_FIRST = CURVE_PRESETS["Structure first"]
#: guide kind -> (loose, strict)
PATHS: dict[str, tuple[GuideSettings, GuideSettings]] = {
    "edge": (GuideSettings(0.4, 0.0, 0.6, _FIRST), GuideSettings(1.2, 0.0, 1.0, None)),
    "depth": (GuideSettings(0.3, 0.0, 0.5, _FIRST), GuideSettings(1.0, 0.0, 0.9, None)),
}
DEFAULT_PATH = PATHS["edge"]


def _points(curve: tuple[float, ...] | None) -> tuple[float, ...]:
    return curve if curve else (1.0,) * CURVE_POINTS


def settings_at(kind: str, level: float) -> GuideSettings:
    """The guide's settings at ``level`` (0 loose .. 1 strict) of its kind's path."""
    loose, strict = PATHS.get(kind, DEFAULT_PATH)
    t = min(1.0, max(0.0, float(level)))

    def mix(a: float, b: float) -> float:
        return round(a + (b - a) * t, 3)

    curve = tuple(
        mix(a, b) for a, b in zip(_points(loose.curve), _points(strict.curve), strict=True)
    )
    return GuideSettings(
        mix(loose.weight, strict.weight),
        mix(loose.start, strict.start),
        mix(loose.end, strict.end),
        normalised(curve),
    )


def level_of(
    kind: str, weight: float, start: float, end: float, curve: tuple[float, ...] | None
) -> float | None:
    """Where on its kind's path a guide's settings are (0..1, in hundredths), or None when
    they are custom (edited part by part)."""
    for step in range(101):
        level = step / 100
        if settings_at(kind, level) == GuideSettings(weight, start, end, curve):
            return level
    return None
