"""Model families and the adapter interface each family implements.

A family adapter turns a :class:`GenerationRequest` into tensors and runs the denoising loop
for one architecture. Adding SDXL or FLUX.1 means adding an adapter module and registering it
in :data:`ADAPTERS`; the runner, the request and the UI stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

import numpy as np

from f1studio.engine.request import GenerationRequest


class ModelFamily(str, Enum):
    SD15 = "sd15"
    SDXL = "sdxl"
    FLUX = "flux"

    @property
    def label(self) -> str:
        return {"sd15": "Stable Diffusion 1.5", "sdxl": "SDXL", "flux": "FLUX.1"}[self.value]

    @property
    def is_supported(self) -> bool:
        """Families with an adapter in this version of the engine."""
        _load_adapters()
        return self in ADAPTERS

    @property
    def gpu_dtype(self) -> str:
        """torch dtype name used on GPUs (bf16 for FLUX.1, fp16 for the UNet families)."""
        return "bfloat16" if self is ModelFamily.FLUX else "float16"

    @property
    def pipeline_classes(self) -> tuple[str, ...]:
        """diffusers pipeline class names (``model_index.json`` ``_class_name``) of this family."""
        return {
            "sd15": (
                "StableDiffusionPipeline",
                "StableDiffusionImg2ImgPipeline",
                "StableDiffusionInpaintPipeline",
                "StableDiffusionControlNetPipeline",
            ),
            "sdxl": (
                "StableDiffusionXLPipeline",
                "StableDiffusionXLImg2ImgPipeline",
                "StableDiffusionXLInpaintPipeline",
            ),
            "flux": ("FluxPipeline", "FluxFillPipeline", "FluxImg2ImgPipeline"),
        }[self.value]


# A step callback: (steps done, total steps, small RGB preview or None)
StepCallback = Callable[[int, int, "np.ndarray | None"], None]


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


class JobCancelled(Exception):
    """Raised inside the denoising loop when the job was cancelled."""

    def __init__(self, step: int) -> None:
        super().__init__(f"cancelled at step {step}")
        self.step = step


ADAPTERS: dict[ModelFamily, Callable[[], FamilyAdapter]] = {}


def register(family: ModelFamily, factory: Callable[[], FamilyAdapter]) -> None:
    ADAPTERS[family] = factory


def _load_adapters() -> None:
    from f1studio.engine.families import sd15  # noqa: F401  (registers itself)
    from f1studio.engine.families.flux import FluxAdapter  # noqa: F401  (registers itself)
    from f1studio.engine.families.sdxl import SDXLAdapter  # noqa: F401  (registers itself)


def adapter_for(family: ModelFamily) -> FamilyAdapter:
    _load_adapters()
    if family not in ADAPTERS:
        raise NotImplementedError(f"{family.label} models are not supported yet")
    return ADAPTERS[family]()
