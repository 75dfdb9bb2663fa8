"""How a pipeline uses GPU memory: all on the GPU, offloaded per model, or offloaded per layer.

``choose_memory_mode(free_bytes, family, width, height)`` picks a :class:`MemoryPlan` from the
free GPU memory (measure it with :func:`free_device_memory` while nothing else is loaded) and
``apply_memory_plan(pipe, plan, device)`` applies it to a freshly loaded diffusers pipeline.

The estimates (GB, half precision, one image at the family's native size; activations grow
with the pixel count):

========  =========  ==================  ====================  ===================
family    weights    largest component   activations (tiled)   native size
========  =========  ==================  ====================  ===================
SD1.5     2.1        1.7 (UNet)          1.4 (0.8)             512 x 512
SDXL      6.9        5.1 (UNet)          3.0 (1.5)             1024 x 1024
FLUX.1    33.7       23.8 (transformer)  3.0 (2.0)             1024 x 1024
========  =========  ==================  ====================  ===================

With 0.5 GB of headroom that gives, at the native size:

- **full-gpu** when the weights and activations fit: SD1.5 from ~4.0 GB, SDXL from ~10.4 GB
  (~8.9 GB with VAE tiling), FLUX.1 from ~37 GB (the transformer alone is 23.8 GB in bf16 and
  the T5 text encoder 9.5 GB, so a 24 GB card cannot hold the whole pipeline);
- **model-offload** (``enable_model_cpu_offload``: each model moves to the GPU while it runs)
  when the largest component fits: SD1.5 from ~3.0 GB, SDXL from ~7.1 GB, FLUX.1 from ~26 GB;
- **sequential-offload** (``enable_sequential_cpu_offload``: layer by layer, slow but small)
  below that.

VAE tiling is switched on when memory is short or the picture is larger than 1.5x the native
area; VAE slicing (one image of a batch at a time) whenever tiling is on. No Qt.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from enum import Enum
from typing import Any

from f1studio.engine.families.base import ModelFamily

GB = 1_000_000_000
HEADROOM_GB = 0.5


class MemoryMode(str, Enum):
    FULL_GPU = "full-gpu"
    MODEL_OFFLOAD = "model-offload"
    SEQUENTIAL_OFFLOAD = "sequential-offload"


@dataclass(frozen=True)
class FamilyMemory:
    """Estimated memory of one family's pipeline in half precision (GB)."""

    weights_gb: float  # every component
    largest_gb: float  # the biggest single component (what model offload keeps on the GPU)
    activations_gb: float  # peak working memory at the native size, VAE decoded whole
    tiled_activations_gb: float  # the same with VAE tiling
    native_pixels: int


FAMILY_MEMORY: dict[ModelFamily, FamilyMemory] = {
    ModelFamily.SD15: FamilyMemory(2.1, 1.7, 1.4, 0.8, 512 * 512),
    ModelFamily.SDXL: FamilyMemory(6.9, 5.1, 3.0, 1.5, 1024 * 1024),
    ModelFamily.FLUX: FamilyMemory(33.7, 23.8, 3.0, 2.0, 1024 * 1024),
}


@dataclass(frozen=True)
class MemoryPlan:
    mode: MemoryMode
    vae_tiling: bool = False
    vae_slicing: bool = False
    reason: str = ""  # one line: why this mode

    @property
    def summary(self) -> str:
        flags = [
            n for n, on in (("VAE tiling", self.vae_tiling), ("slicing", self.vae_slicing)) if on
        ]
        return self.mode.value + (f" + {', '.join(flags)}" if flags else "")


def required_bytes(
    family: ModelFamily, width: int, height: int, mode: MemoryMode, vae_tiling: bool
) -> int:
    """Estimated GPU memory for a render of ``width`` x ``height`` in ``mode`` (bytes)."""
    m = FAMILY_MEMORY[family]
    scale = max(0.25, (width * height) / m.native_pixels)
    activations = (m.tiled_activations_gb if vae_tiling else m.activations_gb) * scale
    if mode is MemoryMode.FULL_GPU:
        resident = m.weights_gb
    elif mode is MemoryMode.MODEL_OFFLOAD:
        resident = m.largest_gb
    else:
        resident = 0.0
    return int((resident + activations + HEADROOM_GB) * GB)


def choose_memory_mode(
    free_bytes: int | None, family: ModelFamily, width: int, height: int
) -> MemoryPlan:
    """The fastest plan that fits in ``free_bytes`` of GPU memory (see the module docstring).

    ``free_bytes=None`` (a CPU, or memory that cannot be measured) keeps everything where it
    is, with VAE tiling only for pictures larger than the native size."""
    m = FAMILY_MEMORY[family]
    large = width * height > 1.5 * m.native_pixels
    if free_bytes is None:
        return MemoryPlan(
            MemoryMode.FULL_GPU,
            vae_tiling=large,
            vae_slicing=large,
            reason="free memory unknown: no offloading",
        )
    free_gb = free_bytes / GB

    def need(mode: MemoryMode, tiling: bool) -> int:
        return required_bytes(family, width, height, mode, tiling)

    if not large and free_bytes >= need(MemoryMode.FULL_GPU, False):
        return MemoryPlan(
            MemoryMode.FULL_GPU, reason=f"{free_gb:.1f} GB free: the whole {family.label} fits"
        )
    if free_bytes >= need(MemoryMode.FULL_GPU, True):
        return MemoryPlan(
            MemoryMode.FULL_GPU,
            vae_tiling=True,
            vae_slicing=True,
            reason=f"{free_gb:.1f} GB free: the whole model fits with a tiled VAE",
        )
    if free_bytes >= need(MemoryMode.MODEL_OFFLOAD, True):
        return MemoryPlan(
            MemoryMode.MODEL_OFFLOAD,
            vae_tiling=True,
            vae_slicing=True,
            reason=f"{free_gb:.1f} GB free: one model at a time on the GPU",
        )
    return MemoryPlan(
        MemoryMode.SEQUENTIAL_OFFLOAD,
        vae_tiling=True,
        vae_slicing=True,
        reason=f"{free_gb:.1f} GB free: layer by layer from the CPU (slow)",
    )


def free_device_memory(device: str) -> int | None:
    """Free memory on a CUDA device in bytes; None for the CPU, MPS or when it cannot be read."""
    if not device.startswith("cuda"):
        return None
    try:
        import torch

        index = int(device.split(":", 1)[1]) if ":" in device else torch.cuda.current_device()
        free, _total = torch.cuda.mem_get_info(index)
        return int(free)
    except Exception:  # noqa: BLE001 - unknown is a valid answer
        return None


def _set_vae_flag(vae: Any, what: str, on: bool) -> bool:
    method = getattr(vae, f"{'enable' if on else 'disable'}_{what}", None)
    if not callable(method):
        return False
    try:
        method()
    except NotImplementedError:
        return False
    return True


def apply_memory_plan(pipe: Any, plan: MemoryPlan, device: str) -> list[str]:
    """Apply ``plan`` to a freshly loaded pipeline (on the CPU or already on ``device``).

    Offloading needs an accelerator: on the CPU the pipeline simply stays there. Returns what
    was done, e.g. ``["model-offload", "vae-tiling", "vae-slicing"]`` (and ``"... skipped: ..."``
    entries for what the pipeline or the device does not support).
    """
    done: list[str] = []
    accelerator = not device.startswith("cpu")
    if plan.mode is MemoryMode.FULL_GPU or not accelerator:
        if plan.mode is not MemoryMode.FULL_GPU:
            done.append(f"{plan.mode.value} skipped: {device} is not a GPU")
        pipe.to(device)
        done.append(f"on {device}")
    else:
        name = (
            "enable_model_cpu_offload"
            if plan.mode is MemoryMode.MODEL_OFFLOAD
            else "enable_sequential_cpu_offload"
        )
        method = getattr(pipe, name, None)
        if callable(method):
            method(device=device)
            done.append(plan.mode.value)
        else:
            pipe.to(device)
            done.append(f"{plan.mode.value} skipped: {type(pipe).__name__} cannot offload")
    vae = getattr(pipe, "vae", None)
    for what, on in (("tiling", plan.vae_tiling), ("slicing", plan.vae_slicing)):
        if vae is None:
            if on:
                done.append(f"vae-{what} skipped: no VAE")
            continue
        if _set_vae_flag(vae, what, on):
            if on:
                done.append(f"vae-{what}")
        elif on:
            done.append(f"vae-{what} skipped: {type(vae).__name__} does not support it")
    return done


def quantization_available() -> dict[str, bool]:
    """Which weight-quantization backends are installed (found without importing them)."""
    return {
        name: importlib.util.find_spec(name) is not None for name in ("bitsandbytes", "torchao")
    }
