"""What the window adapts to the chosen model's family and variant: sensible steps, guidance
and scheduler, and whether the guidance slider means anything (FLUX.1 schnell ignores it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from f1studio.demo.model import is_demo


@dataclass(frozen=True)
class FamilyDefaults:
    label: str  # e.g. "FLUX.1 schnell"
    steps: int
    guidance: float
    scheduler: str
    guidance_used: bool = True


DEFAULTS = {
    ("sd15", None): FamilyDefaults("Stable Diffusion 1.5", 25, 7.5, "dpmpp-2m"),
    ("sd15", "demo"): FamilyDefaults("shapes-world demo", 20, 5.0, "dpmpp-2m"),
    ("sdxl", None): FamilyDefaults("SDXL", 30, 6.0, "dpmpp-2m"),
    ("flux", "dev"): FamilyDefaults("FLUX.1 dev", 28, 3.5, "flow-euler"),
    # FLUX.1 Fill is usually run at guidance 30; 20 is the slider's top
    ("flux", "fill"): FamilyDefaults("FLUX.1 Fill", 28, 20.0, "flow-euler"),
    ("flux", "schnell"): FamilyDefaults("FLUX.1 schnell", 4, 3.5, "flow-euler", False),
}


def defaults_for(family: str | None, variant: str | None) -> FamilyDefaults | None:
    if family is None:
        return None
    return (
        DEFAULTS.get((family, variant))
        or DEFAULTS.get((family, None))
        or (DEFAULTS[("flux", "dev")] if family == "flux" else None)
    )


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
        from f1studio.engine.catalog import identify

        try:
            model = identify(str(path))
            family = model.family.value if model.family is not None else None
            _cache[key] = (family, model.variant)
        except Exception:  # noqa: BLE001 - unknown is a fine answer for the UI
            _cache[key] = (None, None)
    return _cache[key]
