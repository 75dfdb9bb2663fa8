"""What a single-file checkpoint is, from its tensor names: SDXL refiners, FLUX.1 transformers in
diffusers' layout and under ComfyUI's prefix (the loader reads the catalog's identification), and
how a refiner and such transformers load."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.families.single_file import SDXL_CONFIG_ENV, SDXL_REFINER_CONFIG_REPOS
from f1studio.engine.family_table import ModelFamily
from f1studio.engine.identification import detect_family, flux_transformer_variant, identify
from f1studio.engine.models import load_pipeline
from tests.engine.test_catalog import FLUX_DEV, SDXL, UNET, write_header_only

COMFY = "model.diffusion_model."
REFINER = {  # OpenCLIP bigG only, at embedders.0; the UNet reads 2560 added values
    f"{UNET}input_blocks.0.0.weight": [384, 4, 3, 3],
    f"{UNET}label_emb.0.0.weight": [1536, 2560],
    "conditioner.embedders.0.model.ln_final.weight": [1280],
    "conditioner.embedders.0.model.transformer.resblocks.0.attn.in_proj_weight": [3840, 1280],
    "first_stage_model.decoder.conv_in.weight": [512, 4, 3, 3],
}
REFINER_NO_LABEL = {k: v for k, v in REFINER.items() if "label_emb" not in k}
FLUX_DIFFUSERS = {  # a FLUX.1 dev transformer saved by diffusers as one file
    "x_embedder.weight": [3072, 64],
    "context_embedder.weight": [3072, 4096],
    "transformer_blocks.0.attn.add_q_proj.weight": [3072, 3072],
    "single_transformer_blocks.0.attn.to_q.weight": [3072, 3072],
    "time_text_embed.guidance_embedder.linear_1.weight": [3072, 256],
    "proj_out.weight": [64, 3072],
}
FLUX_JOINT_ONLY = {
    k: v for k, v in FLUX_DIFFUSERS.items() if not k.startswith(("single_", "time_text"))
}


def comfy(shapes: dict[str, list[int]]) -> dict[str, list[int]]:
    return {COMFY + k: v for k, v in shapes.items()}


@pytest.mark.parametrize(
    ("shapes", "family", "inpainting", "variant"),
    [
        (REFINER, ModelFamily.SDXL, False, "refiner"),
        (REFINER_NO_LABEL, ModelFamily.SDXL, False, "refiner"),
        (SDXL, ModelFamily.SDXL, False, "base"),
        (
            {**SDXL, f"{UNET}input_blocks.0.0.weight": [320, 9, 3, 3]},
            ModelFamily.SDXL,
            True,
            "inpainting",
        ),
        (FLUX_DEV, ModelFamily.FLUX, False, "dev"),
        (comfy(FLUX_DEV), ModelFamily.FLUX, False, "dev"),
        (FLUX_DIFFUSERS, ModelFamily.FLUX, False, "dev"),
        (comfy(FLUX_DIFFUSERS), ModelFamily.FLUX, False, "dev"),
        (FLUX_JOINT_ONLY, ModelFamily.FLUX, False, "schnell"),
        ({**FLUX_DIFFUSERS, "x_embedder.weight": [3072, 384]}, ModelFamily.FLUX, True, "fill"),
    ],
)
def test_base_checkpoints_by_their_tensors(tmp_path, shapes, family, inpainting, variant):
    file = write_header_only(tmp_path / "sd15-model.safetensors", shapes)  # the name lies
    assert detect_family(str(file)) == (family, inpainting)
    model = identify(file)
    assert (model.role, model.family, model.variant) == ("base", family, variant)


def test_a_refiner_was_sd15_before(tmp_path):
    """The bug: no ``conditioner.embedders.1`` (CLIP-L is missing) made a refiner 'SD1.5'."""
    file = write_header_only(tmp_path / "refiner.safetensors", REFINER_NO_LABEL)
    assert detect_family(str(file))[0] is ModelFamily.SDXL


@pytest.mark.parametrize(
    "shapes",
    [
        {  # a FLUX ControlNet in diffusers' names: shares the transformer's
            **FLUX_DIFFUSERS,
            "controlnet_x_embedder.weight": [3072, 64],
            "controlnet_blocks.0.weight": [3072, 3072],
        },
        {"controlnet_cond_embedding.conv_in.weight": [16, 3, 3, 3]},
        {"control_model.input_blocks.0.0.weight": [320, 4, 3, 3]},
    ],
)
def test_controlnets_are_refused_as_base_models(tmp_path, shapes):
    file = write_header_only(tmp_path / "cn.safetensors", shapes)
    with pytest.raises(EngineError) as error:
        detect_family(str(file))
    assert error.value.kind is ErrorKind.MODEL_INVALID and "ControlNet" in error.value.message
    assert identify(file).role == "controlnet"


def test_other_joint_attention_transformers_are_not_flux(tmp_path):
    sd3 = {  # SD3 has joint attention too, but patches by convolution (no x_embedder)
        "pos_embed.proj.weight": [1536, 16, 2, 2],
        "transformer_blocks.0.attn.add_q_proj.weight": [1536, 1536],
    }
    file = write_header_only(tmp_path / "sd3.safetensors", sd3)
    with pytest.raises(EngineError) as error:
        detect_family(str(file))
    assert "not a model F1 Studio recognises" in error.value.message


@pytest.mark.parametrize(
    ("config", "variant"),
    [
        ({"in_channels": 64, "out_channels": None, "guidance_embeds": True}, "dev"),
        ({"in_channels": 64, "guidance_embeds": False}, "schnell"),
        ({"in_channels": 384, "out_channels": 64, "guidance_embeds": True}, "fill"),
        ({"in_channels": 384}, "fill"),  # FLUX.1 transformers output 64 channels
        ({"in_channels": 128, "out_channels": 64, "guidance_embeds": True}, "control"),
        ({"in_channels": 64}, None),  # says nothing about guidance
    ],
)
def test_flux_variants_from_the_transformer_configuration(config, variant):
    assert flux_transformer_variant(config) == variant


def test_a_flux_control_checkpoint_is_listed_as_such_and_refused_in_one_line(tmp_path, monkeypatch):
    """FLUX.1 Depth/Canny (latents + a control image in): the catalog says "control", and the
    loader refuses it before looking for any configuration."""
    control = {**FLUX_DIFFUSERS, "x_embedder.weight": [3072, 128]}
    file = write_header_only(tmp_path / "flux1-depth-dev.safetensors", control)
    assert (identify(file).family, identify(file).variant) == (ModelFamily.FLUX, "control")
    monkeypatch.delenv("F1STUDIO_MEMORY_MODE", raising=False)
    with pytest.raises(EngineError) as error:
        load_pipeline(str(file), "cpu")
    message = error.value.message
    assert error.value.kind is ErrorKind.MODEL_INVALID and "Depth/Canny" in message
    assert "\n" not in message


# ---- loading diffusers-layout FLUX.1 files -------------------------------------------------------
@pytest.mark.parametrize("prefix", ["", COMFY])
def test_a_diffusers_layout_flux_file_loads_through_the_engine(
    tiny_flux, tmp_path, monkeypatch, prefix
):
    import torch
    from safetensors.torch import load_file, save_file

    from f1studio.engine.families.single_file import FLUX_CONFIG_ENV

    folder = tiny_flux["pipeline"]
    ref = load_file(str(folder / "transformer" / "diffusion_pytorch_model.safetensors"))
    single = tmp_path / "flux-diffusers.safetensors"
    save_file({prefix + k: v.contiguous() for k, v in ref.items()}, str(single))
    monkeypatch.setenv(FLUX_CONFIG_ENV, str(tiny_flux["pipeline-schnell"]))
    monkeypatch.delenv("F1STUDIO_MEMORY_MODE", raising=False)
    model = load_pipeline(str(single), "cpu")
    assert model.family is ModelFamily.FLUX
    state = model.pipe.transformer.state_dict()
    assert set(state) == set(ref) and all(torch.equal(state[k], ref[k]) for k in ref)
    assert model.pipe.transformer.config.guidance_embeds is True  # dev, from the tensors


# ---- loading SDXL refiners ------------------------------------------------------------------------
def _sdxl_config(folder: Path, refiner: bool) -> Path:
    folder.mkdir(parents=True)
    index = {
        "_class_name": "StableDiffusionXLImg2ImgPipeline"
        if refiner
        else "StableDiffusionXLPipeline",
        "text_encoder": [None, None] if refiner else ["transformers", "CLIPTextModel"],
        "text_encoder_2": ["transformers", "CLIPTextModelWithProjection"],
        "unet": ["diffusers", "UNet2DConditionModel"],
    }
    if refiner:
        index["requires_aesthetics_score"] = True
    (folder / "model_index.json").write_text(json.dumps(index))
    return folder


@pytest.fixture
def offline_empty_hub_cache(monkeypatch, tmp_path):
    import huggingface_hub.constants

    cache = tmp_path / "hf-cache"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv(SDXL_CONFIG_ENV, raising=False)
    monkeypatch.delenv("F1STUDIO_MEMORY_MODE", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    return cache


def test_a_refiner_file_loads_as_an_img2img_pipeline_with_the_refiner_configuration(
    tmp_path, monkeypatch, offline_empty_hub_cache
):
    import diffusers

    calls = []
    moved = []
    fake_pipe = SimpleNamespace(
        to=lambda device: moved.append(device), set_progress_bar_config=lambda **kw: None
    )

    def from_single_file(cls, location, **kwargs):
        calls.append((cls.__name__, Path(location).name, kwargs.get("config")))
        return fake_pipe

    for name in ("StableDiffusionXLPipeline", "StableDiffusionXLImg2ImgPipeline"):
        monkeypatch.setattr(
            getattr(diffusers, name), "from_single_file", classmethod(from_single_file)
        )
    file = write_header_only(tmp_path / "sd_xl_refiner_1.0.safetensors", REFINER)
    config = _sdxl_config(tmp_path / "refiner-config", refiner=True)
    monkeypatch.setenv(SDXL_CONFIG_ENV, str(config))
    model = load_pipeline(str(file), "cpu")
    assert calls == [("StableDiffusionXLImg2ImgPipeline", file.name, str(config))]
    assert model.family is ModelFamily.SDXL and moved == ["cpu"]
    # a base configuration cannot describe a refiner, nor the other way round
    monkeypatch.setenv(SDXL_CONFIG_ENV, str(_sdxl_config(tmp_path / "base-config", refiner=False)))
    with pytest.raises(EngineError) as error:
        load_pipeline(str(file), "cpu")
    assert error.value.kind is ErrorKind.MODEL_INVALID and "is a refiner" in error.value.message
    base = write_header_only(tmp_path / "base.safetensors", SDXL)
    monkeypatch.setenv(SDXL_CONFIG_ENV, str(config))
    with pytest.raises(EngineError) as error:
        load_pipeline(str(base), "cpu")
    assert "refiner configuration" in error.value.message and "\n" not in error.value.message


def test_a_refiner_file_offline_without_its_configuration(tmp_path, offline_empty_hub_cache):
    file = write_header_only(tmp_path / "refiner.safetensors", REFINER)
    with pytest.raises(EngineError) as error:
        load_pipeline(str(file), "cpu")
    message = error.value.message
    assert error.value.kind is ErrorKind.OFFLINE and "\n" not in message
    assert "refiner" in message and SDXL_REFINER_CONFIG_REPOS[0] in message
    assert SDXL_CONFIG_ENV in message
