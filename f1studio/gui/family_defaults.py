"""What the window adapts to the chosen model's family and variant: sensible steps, guidance
and scheduler, and whether the guidance slider means anything (FLUX.1 schnell ignores it).

A Qt-free reader of the engine's family table (:mod:`f1studio.engine.family_table`) keyed by
plain strings, with the model identified by :func:`f1studio.engine.identification.identify`.
"""

from __future__ import annotations

from pathlib import Path

from f1studio.demo.model import is_demo
from f1studio.engine import family_table
from f1studio.engine.family_table import FAMILY_DEFAULTS, ModelFamily, VariantDefaults

# (family, variant) -> defaults, as the window names them ("sd15", "demo")
DEFAULTS: dict[tuple[str, str | None], VariantDefaults] = {
    (family.value, variant): found for (family, variant), found in FAMILY_DEFAULTS.items()
}


def defaults_for(family: str | None, variant: str | None) -> VariantDefaults | None:
    """The defaults of a family (``"sd15"``, ...) and variant; None for an unknown family."""
    try:
        known = ModelFamily(family)
    except ValueError:
        return None
    return family_table.defaults_for(known, variant)


_cache: dict[tuple[str, float], tuple[str | None, str | None]] = {}


def identify_model(ref: str | None) -> tuple[str | None, str | None]:
    """(family, variant) of a local model folder or file, read from its configs or tensor names
    (no torch); (None, None) for hub ids and anything that cannot be identified."""
    if not ref:
        return None, None
    path = Path(ref).expanduser()
    if not path.exists():
        return None, None
    if is_demo(str(path)):
        return "sd15", "demo"
    key = (str(path), path.stat().st_mtime)
    if key not in _cache:
        from f1studio.engine.identification import identify

        try:
            model = identify(str(path))
            family = model.family.value if model.family is not None else None
            _cache[key] = (family, model.variant)
        except Exception:  # noqa: BLE001 - unknown is a fine answer for the UI
            _cache[key] = (None, None)
    return _cache[key]
