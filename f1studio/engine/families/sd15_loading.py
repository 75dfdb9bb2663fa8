"""Loading Stable Diffusion 1.5 models: diffusers folders and single-file checkpoints.

A single file is described by an SD1.5 configuration: the ``config`` argument,
$F1STUDIO_SD15_CONFIG, or the standard SD1.5 repositories
(:data:`f1studio.engine.families.single_file.SD15_CONFIGS`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from f1studio.engine.families import single_file
from f1studio.engine.families.single_file import SD15_CONFIGS
from f1studio.engine.model_files import check_folder_weights, hub_offline
from f1studio.engine.previews import read_latent_rgb
from f1studio.engine.vocabulary import read_vocabulary


def load_sd15(
    location: str, dtype: Any, allow_pickle: bool, inpainting: bool, config: str | None = None
) -> Any:
    from diffusers import StableDiffusionInpaintPipeline, StableDiffusionPipeline

    cls = StableDiffusionInpaintPipeline if inpainting else StableDiffusionPipeline
    common: dict[str, Any] = dict(
        torch_dtype=dtype,
        safety_checker=None,
        requires_safety_checker=False,
        local_files_only=hub_offline(),
    )
    if Path(location).is_dir():
        check_folder_weights(location, allow_pickle)
        pipe = cls.from_pretrained(location, use_safetensors=not allow_pickle, **common)
        pipe.f1_latent_rgb = read_latent_rgb(location)  # the model's own preview colours
        pipe.f1_vocabulary = read_vocabulary(location)  # a small model's closed set of words
        return pipe
    variant = "inpainting" if inpainting else "base"
    return single_file.load_unet_pipeline(
        SD15_CONFIGS,
        cls,
        location,
        variant,
        config,
        dtype,
        {"feature_extractor": None, **common},  # only the safety checker uses the extractor
    )


def load_sd15_controlnet(location: str, dtype: Any, allow_pickle: bool, config: str | None) -> Any:
    """An SD1.5 ControlNet from a checked local folder or a single file."""
    return single_file.load_controlnet(SD15_CONFIGS, location, dtype, allow_pickle, config)
