"""The model families, their variants and what each variant is run with by default.

One table for the engine and the window alike (no torch, no Qt): the family a model belongs
to (:class:`ModelFamily`), the variants the catalog tells apart (``base``, ``inpainting``,
``refiner``, ``dev``, ``schnell``, ``fill``, ...), the steps, guidance, scheduler and T5 prompt
length each variant is made for (:func:`defaults_for`), and which adapter renders a family
(:data:`ADAPTERS`: module and factory, imported only when a family is first used).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


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


# The adapter of each family: (module, factory); ``families.base.adapter_for`` imports it lazily.
ADAPTERS: dict[ModelFamily, tuple[str, str]] = {
    ModelFamily.SD15: ("f1studio.engine.families.sd15", "SD15Adapter"),
    ModelFamily.SDXL: ("f1studio.engine.families.sdxl", "SDXLAdapter"),
    ModelFamily.FLUX: ("f1studio.engine.families.flux", "FluxAdapter"),
}


@dataclass(frozen=True)
class VariantDefaults:
    """How a variant is usually run: what the window sets when the model changes, and what the
    engine falls back on."""

    label: str  # e.g. "FLUX.1 schnell"
    steps: int
    guidance: float
    scheduler: str  # a key of ``engine.request.SCHEDULERS``
    guidance_used: bool = True  # False where the model ignores guidance (FLUX.1 schnell)
    text_tokens: int | None = None  # T5 tokens per prompt (FLUX.1 only)


_FLUX_DEV = VariantDefaults("FLUX.1 dev", 28, 3.5, "flow-euler", text_tokens=512)

# (family, variant) -> defaults; variant None is the family's default. "demo" is the shapes-world
# demo model shipped with the app (an SD1.5 model the window recognises by its folder).
# FLUX.1: BFL's reference code uses 512 T5 tokens for dev (and Fill), 256 for schnell; Fill is
# usually run at guidance 30, 20 is the slider's top.
FAMILY_DEFAULTS: dict[tuple[ModelFamily, str | None], VariantDefaults] = {
    (ModelFamily.SD15, None): VariantDefaults("Stable Diffusion 1.5", 25, 7.5, "dpmpp-2m"),
    # the demo model's guidance 5 against 3.5 and 7.5 (f1studio eval --only prompt --guidance G,
    # 50 held-out captions, 2026-12-05): adherence 32% against 28% and 28%, kind 49% against 48%
    # and 44%, position 80% against 73% and 73%
    (ModelFamily.SD15, "demo"): VariantDefaults("shapes-world demo", 20, 5.0, "dpmpp-2m"),
    (ModelFamily.SDXL, None): VariantDefaults("SDXL", 30, 6.0, "dpmpp-2m"),
    (ModelFamily.FLUX, None): _FLUX_DEV,
    (ModelFamily.FLUX, "dev"): _FLUX_DEV,
    (ModelFamily.FLUX, "fill"): VariantDefaults(
        "FLUX.1 Fill", 28, 20.0, "flow-euler", text_tokens=512
    ),
    (ModelFamily.FLUX, "schnell"): VariantDefaults(
        "FLUX.1 schnell", 4, 3.5, "flow-euler", guidance_used=False, text_tokens=256
    ),
}


def defaults_for(family: ModelFamily, variant: str | None = None) -> VariantDefaults:
    """The variant's defaults, else the family's (an unknown FLUX.1 variant runs as dev)."""
    return FAMILY_DEFAULTS.get((family, variant)) or FAMILY_DEFAULTS[(family, None)]
