"""Generation settings and model choices stored with a document. No Qt, no torch."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum

from f1studio.engine.request import DEFAULT_SCHEDULER, MAX_STEPS, SCHEDULERS
from f1studio.model_choice import ModelChoice

__all__ = ["GenerationSettings", "ModelChoice", "SeedMode"]


class SeedMode(str, Enum):
    FIXED = "fixed"
    RANDOM = "random"


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

    def __post_init__(self) -> None:
        self.seed_mode = SeedMode(self.seed_mode)
        if isinstance(self.models, dict):
            self.models = ModelChoice(**self.models)
        self.validate()

    def validate(self) -> None:
        if self.scheduler not in SCHEDULERS:
            raise ValueError(
                f"unknown scheduler {self.scheduler!r} (choose from {', '.join(SCHEDULERS)})"
            )
        if not 1 <= int(self.steps) <= MAX_STEPS:
            raise ValueError(f"steps must be 1..{MAX_STEPS}, not {self.steps}")
        if not 1.0 <= float(self.guidance_scale) <= 30.0:
            raise ValueError(f"guidance scale must be 1..30, not {self.guidance_scale}")
        if not 0.0 <= float(self.strength) <= 1.0:
            raise ValueError(f"denoise strength must be 0..1, not {self.strength}")
        if not 1 <= int(self.batch_count) <= 64:
            raise ValueError(f"batch count must be 1..64, not {self.batch_count}")
        if not 0 <= int(self.seed) < 2**63:
            raise ValueError(f"seed must be a non-negative integer, not {self.seed}")

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["seed_mode"] = self.seed_mode.value
        return d
