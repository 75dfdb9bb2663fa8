"""Generation settings and model choices stored with a document. No Qt, no torch.

Every field is checked for its type as well as its range (``"steps": "8"`` is refused, not
stored as text), so a project file, the command line and the window all meet the same rule:
:func:`check_setting` for one field, :meth:`GenerationSettings.validate` for all of them.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from enum import Enum

from f1studio.document.loras import LoraEntry, check_loras
from f1studio.engine.request import DEFAULT_SCHEDULER, MAX_STEPS, SCHEDULERS
from f1studio.model_choice import ModelChoice

__all__ = ["GenerationSettings", "ModelChoice", "SeedMode", "check_setting"]

MAX_SEED = 2**63 - 1
MAX_BATCH = 64


class SeedMode(str, Enum):
    FIXED = "fixed"
    RANDOM = "random"


#: number field -> (whole numbers only, lowest, highest, the range as messages write it)
_NUMBER_FIELDS: dict[str, tuple[bool, float, float, str]] = {
    "steps": (True, 1, MAX_STEPS, f"1..{MAX_STEPS}"),
    "guidance_scale": (False, 1.0, 30.0, "1..30"),
    "seed": (True, 0, MAX_SEED, "0..2**63-1"),
    "strength": (False, 0.0, 1.0, "0..1"),
    "batch_count": (True, 1, MAX_BATCH, f"1..{MAX_BATCH}"),
    "live_steps": (True, 1, MAX_STEPS, f"1..{MAX_STEPS}"),
    "live_seed": (True, 0, MAX_SEED, "0..2**63-1"),
    "live_strength": (False, 0.0, 1.0, "0..1"),
    "live_guidance": (False, 0.0, 30.0, "0 (the prompt's guidance) or 1..30"),
}
#: true-or-false fields
_FLAG_FIELDS = ("auto_steps", "live", "layout_auto", "live_few_step")
#: how Layout draws a region: a box, a soft ellipse inside the box, or "fitted": the shape the
#: object's name says (an ellipse for a circle, a ball..., a triangle for a triangle, else a box)
LAYOUT_SHAPES = ("box", "ellipse", "fitted")


def check_setting(name: str, value: object) -> object:
    """``value`` for the field ``name`` of :class:`GenerationSettings`, normalised (whole
    numbers as ``int``, fractions as ``float``, the seed mode as :class:`SeedMode`).

    Raises ``ValueError`` whose message starts with the field's name and shows the value.
    """
    if name in _NUMBER_FIELDS:
        whole, low, high, shown = _NUMBER_FIELDS[name]
        kind = "a whole number" if whole else "a number"
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (whole and not isinstance(value, int))
        ):
            raise ValueError(f"{name} must be {kind} {shown}, not {value!r}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{name} must be {kind} {shown}, not {value!r}")
        if not low <= value <= high or (name == "live_guidance" and 0 < value < 1):
            raise ValueError(f"{name} must be {shown}, not {_brief(value)}")
        return int(value) if whole else float(value)
    if name == "scheduler":
        if not isinstance(value, str) or value not in SCHEDULERS:
            raise ValueError(f"unknown scheduler {value!r} (choose from {', '.join(SCHEDULERS)})")
        return value
    if name in _FLAG_FIELDS:
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false, not {value!r}")
        return value
    if name == "layout_shape":
        if not isinstance(value, str) or value not in LAYOUT_SHAPES:
            raise ValueError(
                f"layout_shape must be one of {', '.join(LAYOUT_SHAPES)}, not {value!r}"
            )
        return value
    if name == "seed_mode":
        try:
            return SeedMode(value)
        except (TypeError, ValueError):
            modes = ", ".join(mode.value for mode in SeedMode)
            raise ValueError(f"seed_mode must be one of {modes}, not {value!r}") from None
    if name == "loras":
        return check_loras(value)
    if name == "models":
        if isinstance(value, dict):
            return ModelChoice(**value)
        if not isinstance(value, ModelChoice):
            raise ValueError(f"models must be a model choice, not {value!r}")
        value.validate()
        return value
    raise ValueError(f"unknown setting {name!r}")


def _brief(number: float) -> str:
    """A number for a message (Python refuses to print an int of thousands of digits)."""
    if isinstance(number, int) and number.bit_length() > 64:
        return f"a number of about {round(number.bit_length() * math.log10(2))} digits"
    return repr(number)


@dataclass
class GenerationSettings:
    scheduler: str = DEFAULT_SCHEDULER
    steps: int = 25
    auto_steps: bool = False  # steps is then the most the engine may take
    guidance_scale: float = 7.5
    seed: int = 42
    seed_mode: SeedMode = SeedMode.FIXED
    strength: float = 1.0  # 1 = from scratch; < 1 = transform the visible canvas
    batch_count: int = 1
    models: ModelChoice = field(default_factory=ModelChoice)
    # live mode (gui/live.py): re-render on every change with these instead of the above
    live: bool = False
    live_seed: int = 42
    live_strength: float = 0.65  # img2img over the visible canvas; 1 = from scratch
    live_steps: int = 8
    # live mode's own guidance; 0 = the prompt's (guidance_scale). Few steps overshoot at a
    # guidance that suits 20 (gui.family_defaults.DEMO_LIVE).
    live_guidance: float = 0.0
    # live renders with the model's own few-step LoRA where it has one (the demo model's:
    # model_library.few_step_lora_for), at that LoRA's sampler and guidance
    live_few_step: bool = True
    # Layout (f1studio.layout): region layers from the prompt's spatial phrases
    layout_auto: bool = False  # lay the prompt out before each render
    layout_shape: str = "fitted"
    # LoRAs on the whole picture (region layers carry their own)
    loras: tuple[LoraEntry, ...] = ()

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check (and normalise) every field; ``ValueError`` names the first bad one."""
        for f in fields(self):
            setattr(self, f.name, check_setting(f.name, getattr(self, f.name)))

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["seed_mode"] = self.seed_mode.value
        d["loras"] = [lora.to_json() for lora in self.loras]
        return d
