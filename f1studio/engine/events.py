"""The small typed family of events that cross the engine boundary."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from f1studio.engine.request import GenerationRequest


class ErrorKind(str, Enum):
    """Why a job failed, so a UI can say the right thing and stay usable."""

    BAD_REQUEST = "bad-request"
    MODEL_NOT_FOUND = "model-not-found"
    MODEL_INVALID = "model-invalid"
    UNSAFE_WEIGHTS = "unsafe-weights"
    OFFLINE = "offline"
    OUT_OF_MEMORY = "out-of-memory"
    DEVICE = "device"
    INTERNAL = "internal"


class EngineError(Exception):
    """An error with a kind and a one-line message meant for the user."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class Result:
    """Finished images (RGB uint8 HxWx3, one per seed) and the exact request that made them."""

    images: tuple[np.ndarray, ...]
    request: GenerationRequest
    seeds: tuple[int, ...]
    seconds: float = 0.0
    device: str = "cpu"
    dtype: str = "float32"
    memory: str = "full-gpu"


@dataclass(frozen=True)
class Loading:
    """A model is being loaded before the job's first step (seconds for SDXL and FLUX.1 the
    first time); a cancel takes effect once it is in memory."""

    what: str  # "model" or "ControlNet"
    name: str  # the file or folder name, or the hub id


@dataclass(frozen=True)
class Started:
    total_steps: int
    device: str = "cpu"
    dtype: str = "float32"


@dataclass(frozen=True)
class Progress:
    step: int  # 1-based: this many steps are done
    total: int
    preview: np.ndarray | None = field(default=None, repr=False)  # small RGB uint8


@dataclass(frozen=True)
class Finished:
    result: Result


@dataclass(frozen=True)
class Failed:
    kind: ErrorKind
    message: str


@dataclass(frozen=True)
class Cancelled:
    step: int = 0


Event = Loading | Started | Progress | Finished | Failed | Cancelled
