"""Loading SDXL models: diffusers folders and single-file checkpoints, base models and ControlNets.

A single file is described by an SDXL configuration: the ``config`` argument,
$F1STUDIO_SDXL_CONFIG, or the standard SDXL repositories
(:data:`f1studio.engine.families.single_file.SDXL_CONFIGS`).

A refiner checkpoint (only the OpenCLIP bigG text encoder, an aesthetic-score condition) loads as
an img2img pipeline described by the refiner's configuration. A folder downloaded with only the
``fp16`` weights of some components (what the model manager fetches for SDXL) loads that variant.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from f1studio.engine.families import single_file
from f1studio.engine.families.single_file import (
    SDXL_CONFIG_REPOS,
    SDXL_CONFIGS,
    SDXL_REFINER_CONFIG_REPOS,
)
from f1studio.engine.identification import identify
from f1studio.engine.model_files import (
    check_folder_weights,
    folder_variant,
    hub_offline,
    invalid_model,
    read_config,
)


def _pipeline_class(variant: str, index: dict[str, Any]) -> Any:
    """The diffusers class: the inpainting pipeline for 9-channel UNets, the img2img one for
    refiners and for folders that name it (refiner-like models with an aesthetic-score
    condition)."""
    import diffusers

    if variant == "inpainting":
        return diffusers.StableDiffusionXLInpaintPipeline
    if variant == "refiner" or index.get("_class_name") == "StableDiffusionXLImg2ImgPipeline":
        return diffusers.StableDiffusionXLImg2ImgPipeline
    return diffusers.StableDiffusionXLPipeline


def _is_refiner_config(folder: str) -> bool:
    """A refiner configuration: no first (CLIP-L) text encoder, an aesthetic-score condition."""
    index = read_config(Path(folder) / "model_index.json") or {}
    encoder = index.get("text_encoder")
    return bool(index.get("requires_aesthetics_score")) or (
        "text_encoder" in index and (not isinstance(encoder, list) or encoder[0] is None)
    )


def _fits(location: str, refiner: bool) -> Callable[[str, str], None]:
    """A check that a user-chosen configuration folder describes a refiner exactly when the
    file is one."""

    def check(folder: str, origin: str) -> None:
        if _is_refiner_config(folder) != refiner:
            what, other = ("a refiner", "base") if refiner else ("a base model", "refiner")
            wanted = (SDXL_REFINER_CONFIG_REPOS if refiner else SDXL_CONFIG_REPOS)[0]
            raise invalid_model(
                f"{Path(location).name} is {what} but {folder} (from {origin}) is an SDXL "
                f"{other} configuration; use one like {wanted}"
            )

    return check


def load_sdxl(
    location: str, dtype: Any, allow_pickle: bool, inpainting: bool, config: str | None = None
) -> Any:
    """An SDXL pipeline from a checked local folder or a single-file checkpoint."""
    # no invisible watermark: it would alter every picture the user paints
    common: dict[str, Any] = dict(
        dtype=dtype, add_watermarker=False, local_files_only=hub_offline()
    )
    if Path(location).is_dir():
        check_folder_weights(location, allow_pickle)
        index = read_config(Path(location) / "model_index.json") or {}
        cls = _pipeline_class("inpainting" if inpainting else "base", index)
        weights = folder_variant(location)
        if weights is not None:
            common["variant"] = weights
        return cls.from_pretrained(location, use_safetensors=not allow_pickle, **common)
    variant = "inpainting" if inpainting else identify(location).variant or "base"
    return single_file.load_unet_pipeline(
        SDXL_CONFIGS,
        _pipeline_class(variant, {}),
        location,
        variant,
        config,
        dtype,
        common,
        _fits(location, variant == "refiner"),
    )


def load_sdxl_controlnet(location: str, dtype: Any, allow_pickle: bool, config: str | None) -> Any:
    """An SDXL ControlNet from a checked local folder or a single file (union ControlNets are
    refused)."""
    return single_file.load_controlnet(SDXL_CONFIGS, location, dtype, allow_pickle, config)
