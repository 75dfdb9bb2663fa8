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
- **model-offload with a quantised FLUX.1 transformer** below that, when a quantisation library
  is installed (:func:`quantization_available`): int8 weights (torchao, ~12.2 GB, so the biggest
  component is the transformer) from ~14.7 GB, the 4-bit NF4 of bitsandbytes (~6.7 GB, so the
  9.5 GB T5 encoder is the biggest) from ~12.0 GB: FLUX.1-dev fits a 16 GB card;
- **sequential-offload** (``enable_sequential_cpu_offload``: layer by layer, slow but small)
  below that.

The plan's ``quantize`` ("int8" or "nf4") reaches the FLUX.1 loader through
:func:`quantized_transformer` (a context variable, so the family adapters keep their signature);
:func:`transformer_quantization_config` turns it into diffusers' ``TorchAoConfig`` or
``BitsAndBytesConfig``. ``$F1STUDIO_MEMORY_MODE`` may name a mode, a quantisation or both
(``model-offload+int8``): :func:`parse_memory_mode`.

VAE tiling is switched on when memory is short or the picture is larger than 1.5x the native
area; VAE slicing (one image of a batch at a time) whenever tiling is on. No Qt.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import Enum
from typing import Any

from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.family_table import ModelFamily

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
    next_largest_gb: float = 0.0  # the biggest component besides the largest one


FAMILY_MEMORY: dict[ModelFamily, FamilyMemory] = {
    ModelFamily.SD15: FamilyMemory(2.1, 1.7, 1.4, 0.8, 512 * 512),
    ModelFamily.SDXL: FamilyMemory(6.9, 5.1, 3.0, 1.5, 1024 * 1024),
    ModelFamily.FLUX: FamilyMemory(33.7, 23.8, 3.0, 2.0, 1024 * 1024, next_largest_gb=9.5),
}

# Weight quantisation of the FLUX.1 transformer (the largest component): its size in GB per kind,
# and the libraries that provide each kind, preferred first.
QUANTIZED_TRANSFORMER_GB = {"int8": 12.2, "nf4": 6.7}
QUANTIZATION_BACKENDS = {"int8": ("torchao", "bitsandbytes"), "nf4": ("bitsandbytes",)}
# what a plan chosen from free memory may use: bitsandbytes' int8 layers are not moved by model
# offload in older releases (they would stay on the GPU beside the T5 encoder), so no int8 there
_AUTO_BACKENDS = {"int8": ("torchao",), "nf4": ("bitsandbytes",)}
QUANTIZED_FAMILIES = (ModelFamily.FLUX,)


@dataclass(frozen=True)
class MemoryPlan:
    mode: MemoryMode
    vae_tiling: bool = False
    vae_slicing: bool = False
    reason: str = ""  # one line: why this mode
    quantize: str | None = None  # "int8" | "nf4": the FLUX.1 transformer's weights

    @property
    def summary(self) -> str:
        """``model-offload + int8 transformer + VAE tiling, slicing`` (the status bar's text)."""
        parts = [self.mode.value]
        if self.quantize:
            parts.append(f"{self.quantize} transformer")
        flags = [
            n for n, on in (("VAE tiling", self.vae_tiling), ("slicing", self.vae_slicing)) if on
        ]
        if flags:
            parts.append(", ".join(flags))
        return " + ".join(parts)


def required_bytes(
    family: ModelFamily,
    width: int,
    height: int,
    mode: MemoryMode,
    vae_tiling: bool,
    quantize: str | None = None,
) -> int:
    """Estimated GPU memory for a render of ``width`` x ``height`` in ``mode`` (bytes), with the
    transformer quantised to ``quantize`` (FLUX.1 only)."""
    m = FAMILY_MEMORY[family]
    scale = max(0.25, (width * height) / m.native_pixels)
    activations = (m.tiled_activations_gb if vae_tiling else m.activations_gb) * scale
    weights, largest = m.weights_gb, m.largest_gb
    if quantize is not None and family in QUANTIZED_FAMILIES:
        quantized = QUANTIZED_TRANSFORMER_GB[quantize]
        weights, largest = weights - largest + quantized, max(quantized, m.next_largest_gb)
    if mode is MemoryMode.FULL_GPU:
        resident = weights
    elif mode is MemoryMode.MODEL_OFFLOAD:
        resident = largest
    else:
        resident = 0.0
    return int((resident + activations + HEADROOM_GB) * GB)


def choose_memory_mode(
    free_bytes: int | None,
    family: ModelFamily,
    width: int,
    height: int,
    quantizations: Sequence[str] = (),
    *,
    forced: str | None = None,
) -> MemoryPlan:
    """The fastest plan that fits in ``free_bytes`` of GPU memory (see the module docstring).

    ``quantizations`` ("int8", "nf4": what the installed libraries allow, see
    :func:`auto_quantizations`) are tried in that order, with model offload, when the model does
    not fit in half precision; ``forced`` quantises the transformer in every plan (the user's
    choice). Both apply to FLUX.1 only. ``free_bytes=None`` (a CPU, or memory that cannot be
    measured) keeps everything where it is, with VAE tiling only for pictures larger than the
    native size."""
    if family not in QUANTIZED_FAMILIES:
        quantizations, forced = (), None
    if forced is not None:
        return _forced_quantization(free_bytes, family, width, height, forced)
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

    def need(mode: MemoryMode, tiling: bool, quantize: str | None = None) -> int:
        return required_bytes(family, width, height, mode, tiling, quantize)

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
    for kind in quantizations:
        if free_bytes >= need(MemoryMode.MODEL_OFFLOAD, True, kind):
            return MemoryPlan(
                MemoryMode.MODEL_OFFLOAD,
                vae_tiling=True,
                vae_slicing=True,
                reason=f"{free_gb:.1f} GB free: one model at a time, the transformer in {kind}",
                quantize=kind,
            )
    hint = ""
    if family in QUANTIZED_FAMILIES and not quantizations:
        for kind, install in (("int8", "torchao (or bitsandbytes)"), ("nf4", "bitsandbytes")):
            if free_bytes >= need(MemoryMode.MODEL_OFFLOAD, True, kind):
                hint = f"; pip install {install} for a faster {kind} transformer"
                break
    return MemoryPlan(
        MemoryMode.SEQUENTIAL_OFFLOAD,
        vae_tiling=True,
        vae_slicing=True,
        reason=f"{free_gb:.1f} GB free: layer by layer from the CPU (slow){hint}",
    )


def _forced_quantization(
    free_bytes: int | None, family: ModelFamily, width: int, height: int, kind: str
) -> MemoryPlan:
    """The fastest plan with the transformer quantised to ``kind`` (the user asked for it); when
    even model offload looks too big, model offload all the same (quantised weights are what the
    user chose to fit, and sequential offload of quantised layers is not supported everywhere)."""
    large = width * height > 1.5 * FAMILY_MEMORY[family].native_pixels
    if free_bytes is None:
        return MemoryPlan(
            MemoryMode.FULL_GPU, large, large, "free memory unknown: no offloading", kind
        )
    free_gb = free_bytes / GB
    for mode, tiling in (
        (MemoryMode.FULL_GPU, False),
        (MemoryMode.FULL_GPU, True),
        (MemoryMode.MODEL_OFFLOAD, True),
    ):
        if (not large or tiling) and free_bytes >= required_bytes(
            family, width, height, mode, tiling, kind
        ):
            return MemoryPlan(mode, tiling, tiling, f"{free_gb:.1f} GB free, {kind} chosen", kind)
    return MemoryPlan(
        MemoryMode.MODEL_OFFLOAD,
        True,
        True,
        f"{free_gb:.1f} GB free, {kind} chosen: tighter than the estimate",
        kind,
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


# ---- quantised transformers ----------------------------------------------------------------
def auto_quantizations() -> tuple[str, ...]:
    """The quantisations a plan chosen from free memory may use, best quality first."""
    found = quantization_available()
    return tuple(kind for kind, names in _AUTO_BACKENDS.items() if any(found.get(n) for n in names))


def quantization_backend(kind: str) -> str:
    """The installed library that quantises to ``kind``; ``EngineError`` (one line saying what
    to install) when there is none."""
    if kind not in QUANTIZATION_BACKENDS:
        raise EngineError(
            ErrorKind.DEVICE,
            f"unknown quantisation {kind!r} (one of {', '.join(QUANTIZATION_BACKENDS)})",
        )
    found = quantization_available()
    for name in QUANTIZATION_BACKENDS[kind]:
        if found.get(name):
            return name
    first, *others = QUANTIZATION_BACKENDS[kind]
    also = f" (or {', '.join(others)} on a CUDA GPU)" if others else ""
    raise EngineError(
        ErrorKind.DEVICE,
        f"a {kind} FLUX.1 transformer needs a quantisation library that is not installed: "
        f"pip install {first}{also}",
    )


def transformer_quantization_config(kind: str, compute_dtype: Any = None) -> Any:
    """diffusers' quantisation configuration for a transformer: ``TorchAoConfig`` with int8
    weight-only layers, or ``BitsAndBytesConfig`` (8-bit, or 4-bit NF4 computing in
    ``compute_dtype``)."""
    backend = quantization_backend(kind)
    if backend == "torchao":
        from diffusers import TorchAoConfig
        from torchao.quantization import Int8WeightOnlyConfig

        return TorchAoConfig(Int8WeightOnlyConfig())
    from diffusers import BitsAndBytesConfig

    if kind == "int8":
        return BitsAndBytesConfig(load_in_8bit=True)
    return BitsAndBytesConfig(
        load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=compute_dtype
    )


_QUANTIZE: ContextVar[str | None] = ContextVar("f1studio_transformer_quantization", default=None)


@contextmanager
def quantized_transformer(kind: str | None) -> Iterator[None]:
    """Within this block (on this thread), FLUX.1 loaders quantise the transformer to ``kind``."""
    token = _QUANTIZE.set(kind)
    try:
        yield
    finally:
        _QUANTIZE.reset(token)


def requested_quantization() -> str | None:
    """The quantisation a loader running inside :func:`quantized_transformer` should apply."""
    return _QUANTIZE.get()


def parse_memory_mode(text: str) -> tuple[MemoryMode | None, str | None]:
    """(mode, quantisation) from a setting such as ``model-offload``, ``int8`` or
    ``model-offload+int8`` (either may be left out); ``ValueError`` naming the choices."""
    mode: MemoryMode | None = None
    kind: str | None = None
    for part in (p.strip().lower() for p in text.split("+")):
        if part in QUANTIZATION_BACKENDS and kind is None:
            kind = part
        elif part in {m.value for m in MemoryMode} and mode is None:
            mode = MemoryMode(part)
        else:
            modes = ", ".join(m.value for m in MemoryMode)
            raise ValueError(
                f"{text!r} is not a memory mode ({modes}), a quantisation "
                f"({', '.join(QUANTIZATION_BACKENDS)}) or both joined by '+'"
            )
    return mode, kind
