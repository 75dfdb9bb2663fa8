"""The models the GPU suite times, handed to the engine without files.

Full size (``build_full``): random-weight models built straight on the device in half precision
from the published configurations under ``benchmarks/configs/`` (nothing is downloaded or
written: random weights time the same as trained ones). The text encoders are the published
CLIP-L, OpenCLIP-bigG and T5-XXL shapes; their tokenizers are the small test tokenizers of
``f1studio.testing`` (token ids fit the real vocabularies, and prompts are padded to the real
lengths: 77 CLIP tokens, 512/256 T5 tokens), since a tokenizer costs nothing on the GPU.

Tiny (``build_tiny``): the random-weight test models of ``f1studio.testing``, loaded from their
folders by the engine's own loaders on the CPU; the same code paths at toy sizes (CI).

Either way a :class:`ModelSet` goes into a :class:`PrebuiltCache`, which the engine's runner
uses like its own ``ModelCache``: requests name the set (``gpu-suite:sdxl``) and its
ControlNets and tiny VAE, and the runner renders them as it renders loaded models.
"""

from __future__ import annotations

import gc
import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.families.base import LoadedModel
from f1studio.engine.family_table import ModelFamily
from f1studio.engine.models import ModelCache, pick_dtype

CONFIGS = Path(__file__).resolve().parent / "configs"
KINDS = ("edge", "depth")  # the two ControlNets of every set


@dataclass(frozen=True)
class Settings:
    """What one set renders: the size, steps, sampler and guidance of its timed requests."""

    width: int
    height: int
    steps: int
    scheduler: str
    guidance: float


FULL_SETTINGS = {
    "sd15": Settings(512, 512, 20, "dpmpp-2m", 7.5),
    "sdxl": Settings(1024, 1024, 20, "dpmpp-2m", 7.0),
    "flux-dev": Settings(1024, 1024, 20, "flow-euler", 3.5),
    "flux-schnell": Settings(1024, 1024, 4, "flow-euler", 0.0),
}
TINY_SETTINGS = {
    "sd15": Settings(128, 128, 6, "dpmpp-2m", 7.5),
    "sdxl": Settings(128, 128, 6, "dpmpp-2m", 7.0),
    "flux-dev": Settings(128, 128, 6, "flow-euler", 3.5),
    "flux-schnell": Settings(128, 128, 4, "flow-euler", 0.0),
}
FAMILIES = {
    "sd15": ModelFamily.SD15,
    "sdxl": ModelFamily.SDXL,
    "flux-dev": ModelFamily.FLUX,
    "flux-schnell": ModelFamily.FLUX,
}


@dataclass
class ModelSet:
    """One base model with its two ControlNets and its tiny VAE, ready on a device."""

    name: str
    model: LoadedModel
    settings: Settings
    controlnets: dict[str, Any] = field(default_factory=dict)
    tiny_vae: Any = None
    # a fresh half-precision transformer (FLUX.1: the NF4 row quantises one after int8)
    rebuild_transformer: Callable[[], Any] | None = None

    @property
    def ref(self) -> str:
        return f"gpu-suite:{self.name}"

    def controlnet_ref(self, kind: str) -> str:
        return f"{self.ref}/controlnet-{kind}"

    @property
    def tiny_vae_ref(self) -> str:
        return f"{self.ref}/tiny-vae"

    @property
    def device(self) -> str:
        return self.model.device


class PrebuiltCache(ModelCache):
    """A ``ModelCache`` that holds one prebuilt :class:`ModelSet` and never loads anything."""

    def __init__(self) -> None:
        super().__init__()
        self.current: ModelSet | None = None

    def use(self, models: ModelSet | None) -> None:
        self.current = models

    def _set(self, ref: str | None) -> ModelSet:
        if self.current is None or not (ref or "").startswith(self.current.ref):
            raise EngineError(ErrorKind.MODEL_NOT_FOUND, f"{ref} is not the suite's current set")
        return self.current

    def has_base(self, ref: str | None, device: str, allow_pickle: bool) -> bool:
        return self.current is not None and ref == self.current.ref

    def base(self, ref: str | None, device: str, allow_pickle: bool) -> LoadedModel:
        return self._set(ref).model

    def controlnet(
        self,
        ref: str,
        device: str,
        dtype: Any,
        allow_pickle: bool,
        family: ModelFamily = ModelFamily.SD15,
    ) -> Any:
        models = self._set(ref)
        return models.controlnets[ref.rsplit("controlnet-", 1)[-1]]

    def tiny_vae(self, key: tuple, load: Callable[[], Any]) -> Any:
        return self._set(key[0]).tiny_vae

    def keep_only_controlnets(self, refs: set[str]) -> None:
        """Nothing to drop: the set keeps its ControlNets for the next request."""

    def clear(self) -> None:
        """Only frees the allocator's cache (after an out-of-memory failure): the set stays."""
        gc.collect()
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()


# ---- full size from the published configurations --------------------------------------------
def read_config(family: str, part: str) -> dict[str, Any]:
    folder = CONFIGS / family
    if family == "flux-schnell" and not (folder / f"{part}.json").exists():
        folder = CONFIGS / "flux-dev"  # schnell differs from dev in two files only
    return dict(json.loads((folder / f"{part}.json").read_text("utf-8")))


@contextmanager
def built_in(device: str, dtype: Any) -> Iterator[None]:
    """Modules created inside are allocated on ``device`` in ``dtype`` (no float32 copy)."""
    import torch

    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            yield
    finally:
        torch.set_default_dtype(previous)


def _diffusers_model(config: dict[str, Any]) -> Any:
    import diffusers

    cls = getattr(diffusers, config["_class_name"])
    return cls.from_config({k: v for k, v in config.items() if k != "_class_name"}).eval()


def _text_model(config: dict[str, Any], tokenizer: Any) -> Any:
    import transformers

    cls = getattr(transformers, config["_class_name"])
    settings = {k: v for k, v in config.items() if k not in ("_class_name", "architectures")}
    settings.pop("model_type")
    made: Any
    if "t5" in config["model_type"]:
        made = transformers.T5Config(**settings)
    else:  # the tiny tokenizer's special ids (the published ids are those of the real one)
        ids = ("bos_token_id", "eos_token_id", "pad_token_id")
        settings.update({name: getattr(tokenizer, name) for name in ids})
        made = transformers.CLIPTextConfig(**settings)
    return cls._from_config(made).eval()


def _scheduler(family: str) -> Any:
    import diffusers

    config = read_config(family, "scheduler")
    return getattr(diffusers, config.pop("_class_name")).from_config(config)


def _tokenizers(folder: Path, t5_tokens: int | None) -> tuple[Any, Any]:
    from transformers import AutoTokenizer, CLIPTokenizer

    from f1studio.testing.tiny_flux import write_t5_tokenizer
    from f1studio.testing.tiny_models import write_clip_tokenizer

    write_clip_tokenizer(folder / "clip")
    clip = CLIPTokenizer.from_pretrained(str(folder / "clip"))
    if t5_tokens is None:
        return clip, None
    write_t5_tokenizer(folder / "t5")
    t5 = AutoTokenizer.from_pretrained(str(folder / "t5"))  # T5TokenizerFast
    t5.model_max_length = t5_tokens  # prompts are padded to the real model's length
    return clip, t5


def build_full(name: str, device: str) -> ModelSet:
    """The full-size random-weight ``name`` (sd15, sdxl, flux-dev, flux-schnell) on ``device``."""
    import diffusers

    from f1studio.engine.models import memory_plan

    family = FAMILIES[name]
    dtype = pick_dtype(device, family)
    flux = family is ModelFamily.FLUX
    plan = memory_plan(device, family)  # from the free memory before anything is built
    with tempfile.TemporaryDirectory(prefix="f1studio-gpu-suite-") as scratch:
        clip, t5 = _tokenizers(Path(scratch), 512 if flux else None)
    denoiser_part = "transformer" if flux else "unet"

    def denoiser() -> Any:
        with built_in(device, dtype):
            return _diffusers_model(read_config(name, denoiser_part))

    with built_in(device, dtype):
        vae = _diffusers_model(read_config(name, "vae"))
        text_encoder = _text_model(read_config(name, "text_encoder"), clip)
        tiny = _diffusers_model(read_config(name, "tiny_vae"))
        controlnets = {k: _diffusers_model(read_config(name, "controlnet")) for k in KINDS}
    parts: dict[str, Any] = dict(
        vae=vae, text_encoder=text_encoder, tokenizer=clip, scheduler=_scheduler(name)
    )
    pipe: Any
    if name == "sd15":
        pipe = diffusers.StableDiffusionPipeline(
            unet=denoiser(),
            safety_checker=None,
            feature_extractor=None,
            requires_safety_checker=False,
            **parts,
        )
    elif name == "sdxl":
        with built_in(device, dtype):
            text_encoder_2 = _text_model(read_config(name, "text_encoder_2"), clip)
        pipe = diffusers.StableDiffusionXLPipeline(
            unet=denoiser(),
            text_encoder_2=text_encoder_2,
            tokenizer_2=clip,
            add_watermarker=False,
            **parts,
        )
    else:
        with built_in(device, dtype):
            t5_encoder = _text_model(read_config(name, "text_encoder_2"), t5)
        pipe = diffusers.FluxPipeline(
            transformer=denoiser(), text_encoder_2=t5_encoder, tokenizer_2=t5, **parts
        )
    model = as_loaded(name, pipe, device, controlnets, plan)
    return ModelSet(
        name,
        model,
        FULL_SETTINGS[name],
        controlnets,
        tiny,
        rebuild_transformer=denoiser if flux else None,
    )


def as_loaded(
    name: str, pipe: Any, device: str, controlnets: dict[str, Any], plan: Any
) -> LoadedModel:
    """What ``models.load_pipeline`` and ``load_controlnet`` do to a model they have read, done
    to built ones: the memory ``plan`` (``models.memory_plan``: from the free memory, or
    ``$F1STUDIO_MEMORY_MODE``), then the speed switches the environment sets (``engine.speed``),
    so the suite times the engine as it runs."""
    from f1studio.engine.memory import apply_memory_plan
    from f1studio.engine.speed import SpeedSettings, apply_speed, prepare_controlnet

    family = FAMILIES[name]
    dtype = pick_dtype(device, family)
    if plan.quantize is not None:
        quantise_transformer(pipe.transformer, plan.quantize, dtype, device)
    apply_memory_plan(pipe, plan, device)
    speed = SpeedSettings.from_environment()
    apply_speed(pipe, speed)
    for kind, controlnet in controlnets.items():
        controlnets[kind] = prepare_controlnet(controlnet, speed)
    pipe.set_progress_bar_config(disable=True)
    dtype_name = str(dtype).replace("torch.", "")
    return LoadedModel(family, f"gpu-suite:{name}", pipe, device, dtype_name, memory=plan.summary)


def quantise_transformer(module: Any, kind: str, dtype: Any, device: str) -> None:
    """``module``'s weights quantised in place as the engine's plans ask (``kind``): int8
    through torchao (the library its automatic plans use for int8), NF4 through bitsandbytes
    (every Linear layer, computing in ``dtype``, quantised on ``device``)."""
    from f1studio.engine.memory import quantization_backend, transformer_quantization_config

    backend = quantization_backend(kind)  # EngineError naming what to install
    if kind == "int8":
        if backend != "torchao":
            raise EngineError(ErrorKind.DEVICE, "int8 rows use torchao: pip install torchao")
        from torchao.quantization import quantize_

        quantize_(module, transformer_quantization_config("int8").quant_type)
        return
    import bitsandbytes as bnb
    import torch

    for parent in list(module.modules()):
        for child_name, child in list(parent.named_children()):
            if not isinstance(child, torch.nn.Linear):
                continue
            layer = bnb.nn.Linear4bit(
                child.in_features,
                child.out_features,
                bias=child.bias is not None,
                compute_dtype=dtype,
                quant_type="nf4",
                device="meta",
            )
            layer.weight = bnb.nn.Params4bit(
                child.weight.data, requires_grad=False, quant_type="nf4"
            )
            if child.bias is not None:
                layer.bias = torch.nn.Parameter(child.bias.data, requires_grad=False)
            setattr(parent, child_name, layer.to(device))  # quantised here


# ---- tiny: the test models, loaded by the engine ---------------------------------------------
def build_tiny(name: str, folder: Path) -> ModelSet:
    """The tiny random-weight ``name`` from ``f1studio.testing``, built once under ``folder``
    and loaded on the CPU by the engine's loaders."""
    from f1studio.engine.models import load_controlnet, load_pipeline
    from f1studio.engine.tiny_vae_loading import load_tiny_vae
    from f1studio.testing.tiny_flux import build_flux
    from f1studio.testing.tiny_models import build_sd15
    from f1studio.testing.tiny_sdxl import build_sdxl
    from f1studio.testing.tiny_vae import build_tiny_vae

    family = FAMILIES[name]
    flux = family is ModelFamily.FLUX
    builders: dict[str, Callable[[Path], dict[str, Path]]] = {
        "sd15": build_sd15,
        "sdxl": build_sdxl,
        "flux": build_flux,
    }
    group = "flux" if flux else name
    base = folder / group
    if not (base / "controlnet-depth").exists():
        builders[group](base)
    tiny_folder = folder / f"tiny-vae-{16 if flux else 4}"
    if not (tiny_folder / "config.json").exists():
        build_tiny_vae(tiny_folder, 16 if flux else 4)
    pipeline = base / ("pipeline-schnell" if name == "flux-schnell" else "pipeline")
    loaded = load_pipeline(str(pipeline), "cpu")  # memory plan and speed switches applied
    model = replace(loaded, source=f"gpu-suite:{name}")
    dtype = model.torch_dtype
    controlnets = {
        k: load_controlnet(str(base / f"controlnet-{k}"), "cpu", dtype, family=family)
        for k in KINDS
    }
    tiny = load_tiny_vae(str(tiny_folder), "cpu", dtype)

    def transformer() -> Any:  # the quantised rows' fresh transformer: the folder's, reloaded
        from diffusers import FluxTransformer2DModel

        return FluxTransformer2DModel.from_pretrained(str(pipeline), subfolder="transformer")

    return ModelSet(
        name, model, TINY_SETTINGS[name], controlnets, tiny, transformer if flux else None
    )


def release(models: ModelSet | None) -> None:
    """Drop a set's tensors and the allocator's cached blocks before the next set is built."""
    if models is not None:
        models.controlnets.clear()
        models.tiny_vae = None
        models.model.pipe = None
    gc.collect()
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()
