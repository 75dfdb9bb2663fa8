"""The adapter interface each model family implements, and where a family's adapter is found.

A family adapter turns a :class:`GenerationRequest` into tensors and runs the denoising loop
for one architecture. Adding a family means adding an adapter module and naming it in
:data:`f1studio.engine.family_table.ADAPTERS` (a static table: the adapter is imported the first
time the family is used); the runner, the request and the UI stay as they are.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

import numpy as np

from f1studio.engine.family_table import ADAPTERS, ModelFamily
from f1studio.engine.request import GenerationRequest

__all__ = [
    "FamilyAdapter",
    "JobCancelled",
    "LoadedModel",
    "ModelFamily",
    "StepCallback",
    "adapter_for",
    "in_inference_mode",
]


# A step callback: (steps done, total steps, small RGB preview or None)
StepCallback = Callable[[int, int, "np.ndarray | None"], None]
RenderFn = TypeVar("RenderFn", bound=Callable[..., np.ndarray])


@dataclass
class LoadedModel:
    """A loaded pipeline (components on a device) and what we know about it."""

    family: ModelFamily
    source: str
    pipe: Any  # a diffusers pipeline holding the components
    device: str
    dtype: str
    is_inpainting: bool = False
    memory: str = "full-gpu"  # the memory plan in use (see engine/memory.py)
    tiny_vae: Any = None  # the request's AutoencoderTiny (engine/tiny_vae.py), if it has one

    @property
    def torch_dtype(self) -> Any:
        import torch

        return getattr(torch, self.dtype)


class FamilyAdapter(Protocol):
    family: ModelFamily

    def load_pipeline(
        self, location: str, dtype: Any, allow_pickle: bool, inpainting: bool, config: str | None
    ) -> Any:
        """A diffusers pipeline of this family from a local folder or single file."""
        ...

    def load_controlnet(
        self, location: str, dtype: Any, allow_pickle: bool, config: str | None
    ) -> Any:
        """A ControlNet model of this family from a local folder or single file."""
        ...

    def steps_per_image(self, request: GenerationRequest) -> int:
        """Denoising steps one image of ``request`` takes (the family's img2img rule)."""
        ...

    def render(
        self,
        request: GenerationRequest,
        model: LoadedModel,
        controlnets: dict[str, Any],
        seed: int,
        on_step: StepCallback,
        should_stop: Callable[[], bool],
    ) -> np.ndarray:
        """Render one image (RGB uint8 HxWx3) for ``seed``. Raise :class:`JobCancelled`
        when ``should_stop()`` turns true."""
        ...


def in_inference_mode(render: RenderFn) -> RenderFn:
    """Run an adapter's ``render`` under ``torch.inference_mode()`` (torch imported on call)."""

    @functools.wraps(render)
    def wrapper(*args: Any, **kwargs: Any) -> np.ndarray:
        import torch

        with torch.inference_mode():
            return render(*args, **kwargs)

    return cast(RenderFn, wrapper)


class JobCancelled(Exception):
    """Raised inside the denoising loop when the job was cancelled."""

    def __init__(self, step: int) -> None:
        super().__init__(f"cancelled at step {step}")
        self.step = step


def adapter_for(family: ModelFamily) -> FamilyAdapter:
    """A new adapter of ``family``, its module imported on first use (see ``ADAPTERS``)."""
    if family not in ADAPTERS:
        raise NotImplementedError(f"{family.label} models are not supported yet")
    module, factory = ADAPTERS[family]
    adapter: FamilyAdapter = getattr(importlib.import_module(module), factory)()
    return adapter
