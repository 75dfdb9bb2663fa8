"""Speed switches, applied once when a model loads: the channels-last memory layout, fused
query/key/value projections and ``torch.compile`` of the denoiser (and the VAE decoder).

The engine reads them from the environment, like the memory mode (``f1studio.engine_environment``
puts the user's preferences there): ``F1STUDIO_CHANNELS_LAST`` and ``F1STUDIO_FUSED_QKV`` (on/off),
``F1STUDIO_COMPILE`` (``off``, ``denoiser``, ``denoiser+vae``) and ``F1STUDIO_COMPILE_BACKEND``
(a ``torch.compile`` backend; ``inductor`` by default). They are part of the model cache's key, so
changing one loads the model afresh with it.

Each switch keeps the picture (within rounding): channels-last only changes how convolution
weights are laid out; fused projections multiply by the same weights side by side; the compiled
denoiser runs the same arithmetic, with ``dynamic=False`` (a new prompt, seed or region weight
changes tensor values, never shapes, so nothing recompiles; a new canvas size does).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any

from f1studio.engine.events import EngineError, ErrorKind

CHANNELS_LAST_ENV = "F1STUDIO_CHANNELS_LAST"
FUSED_QKV_ENV = "F1STUDIO_FUSED_QKV"
COMPILE_ENV = "F1STUDIO_COMPILE"
COMPILE_BACKEND_ENV = "F1STUDIO_COMPILE_BACKEND"

_ON = ("1", "on", "true", "yes")
_OFF = ("", "0", "off", "false", "no")


class CompileMode(str, Enum):
    OFF = "off"
    DENOISER = "denoiser"
    DENOISER_VAE = "denoiser+vae"

    @property
    def compiles_denoiser(self) -> bool:
        return self is not CompileMode.OFF

    @property
    def compiles_vae(self) -> bool:
        return self is CompileMode.DENOISER_VAE


def _switch(environ: Mapping[str, str], name: str) -> bool:
    value = environ.get(name, "").strip().lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise EngineError(ErrorKind.DEVICE, f"{name}={value!r}: use on or off")


@dataclass(frozen=True)
class SpeedSettings:
    channels_last: bool = False
    fused_qkv: bool = False
    compile: CompileMode = CompileMode.OFF
    backend: str = "inductor"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> SpeedSettings:
        """The switches as the environment sets them (all off when unset); a value that is not
        one of a switch's words is one line naming the variable."""
        env = os.environ if environ is None else environ
        mode = env.get(COMPILE_ENV, "").strip().lower() or CompileMode.OFF.value
        try:
            compile_mode = CompileMode(mode)
        except ValueError:
            words = ", ".join(m.value for m in CompileMode)
            raise EngineError(ErrorKind.DEVICE, f"{COMPILE_ENV}={mode!r}: use {words}") from None
        return cls(
            channels_last=_switch(env, CHANNELS_LAST_ENV),
            fused_qkv=_switch(env, FUSED_QKV_ENV),
            compile=compile_mode,
            backend=env.get(COMPILE_BACKEND_ENV, "").strip() or "inductor",
        )

    @property
    def summary(self) -> str:
        """What is switched on, in a few words ("" when nothing is)."""
        parts = []
        if self.channels_last:
            parts.append("channels-last")
        if self.fused_qkv:
            parts.append("fused QKV")
        if self.compile.compiles_denoiser:
            what = "denoiser and VAE decoder" if self.compile.compiles_vae else "denoiser"
            parts.append(f"compiled {what} ({self.backend})")
        return ", ".join(parts)


def denoiser_of(pipe: Any) -> Any:
    """The pipeline's UNet or FLUX.1 transformer."""
    model = getattr(pipe, "unet", None)
    return model if model is not None else pipe.transformer


def _attention_modules(model: Any) -> list[Any]:
    from diffusers.models.attention import AttentionModuleMixin
    from diffusers.models.attention_processor import Attention

    return [m for m in model.modules() if isinstance(m, (Attention, AttentionModuleMixin))]


def _plain_weights(modules: Iterable[Any]) -> bool:
    """Whether every projection weight is an ordinary float tensor (not a quantised one, which
    cannot be concatenated into a fused projection)."""
    import torch

    floats = (torch.float16, torch.bfloat16, torch.float32)
    for module in modules:
        for name in ("to_q", "to_k", "to_v"):
            layer = getattr(module, name, None)
            weight = getattr(layer, "weight", None)
            if weight is None:
                continue
            if type(weight.data) is not torch.Tensor or weight.dtype not in floats:
                return False
    return True


def fuse_projections(model: Any) -> bool:
    """Fuse the query/key/value projections of ``model``'s attention layers (diffusers'
    ``fuse_qkv_projections``); False, leaving the model as it is, when it has none to fuse or
    its weights are quantised or of a kind diffusers does not fuse."""
    fuse = getattr(model, "fuse_qkv_projections", None)
    modules = _attention_modules(model)
    if fuse is None or not modules or not _plain_weights(modules):
        return False
    try:
        fuse()
    except ValueError:  # diffusers refuses layers with added key/value projections
        return False
    return True


def apply_speed(pipe: Any, settings: SpeedSettings) -> None:
    """Apply ``settings`` to a freshly loaded pipeline (once, at load time); with every
    switch off (the default) the pipeline is left exactly as loaded."""
    import torch

    if not settings.summary:
        return
    denoiser = denoiser_of(pipe)
    vae = getattr(pipe, "vae", None)
    if settings.channels_last:  # convolutions only: the FLUX.1 transformer has none
        for model in (getattr(pipe, "unet", None), vae):
            if model is not None:
                model.to(memory_format=torch.channels_last)
    if settings.fused_qkv:
        fuse_projections(denoiser)
        if vae is not None and type(vae).__name__ == "AutoencoderKL":
            fuse_projections(vae)
    if settings.compile.compiles_denoiser:
        denoiser.compile(backend=settings.backend, dynamic=False)
    if settings.compile.compiles_vae and vae is not None:
        vae.decoder.compile(backend=settings.backend, dynamic=False)


def prepare_controlnet(model: Any, settings: SpeedSettings) -> Any:
    """A ControlNet as the speed settings want it (channels-last convolutions); ``model``."""
    import torch

    if settings.channels_last and hasattr(model, "conv_in"):  # a UNet ControlNet
        model.to(memory_format=torch.channels_last)
    return model


@contextmanager
def separate_projections(models: Iterable[Any]) -> Iterator[None]:
    """The unfused query/key/value projections of ``models`` for a ``with`` block.

    LoRAs change (or wrap) the separate projections, which fused ones would bypass; a job with
    LoRAs therefore runs on the separate layers, and the fused ones come back afterwards. Only
    layers whose processor is still the one set here get their fused processor back (a
    processor installed meanwhile, such as an IP-Adapter's, stays)."""
    from diffusers.models.attention_processor import AttnProcessor2_0, FusedAttnProcessor2_0

    changed: list[tuple[Any, Any, Any]] = []  # (layer, its fused processor, the one set here)
    try:
        for model in models:
            if model is None:
                continue
            for module in _attention_modules(model):
                if not getattr(module, "fused_projections", False):
                    continue
                module.fused_projections = False
                processor = module.processor
                plain = processor
                if isinstance(processor, FusedAttnProcessor2_0):
                    plain = AttnProcessor2_0()
                    module.set_processor(plain)
                changed.append((module, processor, plain))
        yield
    finally:
        for module, processor, plain in reversed(changed):
            module.fused_projections = True
            if module.processor is plain and processor is not plain:
                module.set_processor(processor)
