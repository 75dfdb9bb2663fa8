"""Reference-picture models as a ComfyUI install keeps them: single-file CLIP vision and
SigLIP encoders in ``models/clip_vision``, IP-Adapters in ``models/ipadapter`` and FLUX.1
Redux as one file in ``models/style_models``. Each is identified, and renders as the same
weights in diffusers' folder layout do; what is missing is one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from f1studio.engine.catalog import identify, scan
from f1studio.engine.events import ErrorKind
from f1studio.engine.family_table import ModelFamily
from f1studio.engine.request import GenerationRequest, Pixels, ReferenceSpec
from tests.engine.helpers import failure, max_diff, render

pytest.importorskip("torch")

CLIP_H = "clip_vision/CLIP-ViT-H-14-laion2B-s32B-b79K.safetensors"


def _photo() -> np.ndarray:
    skimage = pytest.importorskip("skimage")
    return np.ascontiguousarray(skimage.data.chelsea()[::4, ::4])


def _comfyui(root: Path) -> Path:
    models = root / "ComfyUI" / "models"
    (models / "checkpoints").mkdir(parents=True)
    return models


def _request(pipeline: Path, adapter: Path, **kw) -> GenerationRequest:
    photo = ReferenceSpec(Pixels.of(_photo()), weight=kw.pop("weight", 1.0))
    base = dict(
        width=64, height=64, model=str(pipeline), steps=4, seed=4, device="cpu",
        references=(photo,), ip_adapter=str(adapter),
    )  # fmt: skip
    return GenerationRequest(**{"prompt": "a cat", **base, **kw})


def test_a_single_file_clip_vision_encoder_is_the_transformers_model(tmp_path):
    import torch

    from f1studio.engine.vision_encoders import load_vision_model
    from f1studio.testing.tiny_ip_adapter import save_single_file, tiny_clip_vision

    model = tiny_clip_vision(3, 64, 1, 48).eval()
    file = save_single_file(model, tmp_path / CLIP_H)
    loaded = load_vision_model(file, torch.float32)
    pixels = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.equal(loaded(pixels).image_embeds, model(pixels).image_embeds)
    found = identify(file)
    assert (found.role, found.family, found.variant) == ("image-encoder", None, "clip")


def test_an_sd15_adapter_in_comfyui_reads_its_encoder_from_clip_vision(
    tiny_models, engine_cache, tmp_path
):
    from diffusers import UNet2DConditionModel

    from f1studio.testing.tiny_ip_adapter import (
        ENCODER,
        WEIGHTS,
        build_ip_adapter,
        save_single_file,
        tiny_clip_vision,
    )

    models = _comfyui(tmp_path)
    unet = UNet2DConditionModel.from_pretrained(str(tiny_models["pipeline"] / "unet"))
    build_ip_adapter(unet, models / "ipadapter", encoder_file=models / CLIP_H)
    # an encoder of another width, listed first: the adapter takes the one it reads
    other = models / "clip_vision" / "CLIP-ViT-B-32-laion2B-s34B-b79K.safetensors"
    save_single_file(tiny_clip_vision(5, 64, 1, 40), other)
    adapter = models / "ipadapter" / WEIGHTS
    folder = tmp_path / "folder"
    folder.mkdir()
    shutil.copy(adapter, folder / WEIGHTS)
    tiny_clip_vision(0, 64, 1, 48).save_pretrained(str(folder / ENCODER))

    single = render(_request(tiny_models["pipeline"], adapter), engine_cache)[0]
    beside = render(_request(tiny_models["pipeline"], folder), engine_cache)[0]
    assert np.array_equal(single, beside)
    plain = render(_request(tiny_models["pipeline"], adapter, weight=0.0), engine_cache)[0]
    assert max_diff(single, plain) > 10

    found = {Path(m.location).name: m for m in scan([str(models.parent)], include_hf_cache=False)}
    assert found[Path(CLIP_H).name].role == found[other.name].role == "image-encoder"
    elsewhere = _comfyui(tmp_path / "other")  # the same adapter, only the other encoder
    for part in (f"ipadapter/{WEIGHTS}", f"clip_vision/{other.name}"):
        (elsewhere / part).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(models / part, elsewhere / part)
    missing = failure(_request(tiny_models["pipeline"], elsewhere / "ipadapter" / WEIGHTS))
    assert missing.kind == ErrorKind.MODEL_INVALID
    assert "48-wide features and none in" in missing.message and "\n" not in missing.message


def test_the_xlabs_flux_adapter_reads_a_single_file_encoder(tiny_flux, engine_cache, tmp_path):
    from diffusers import FluxTransformer2DModel

    from f1studio.testing.tiny_flux_ip_adapter import ENCODER, WEIGHTS, build_flux_ip_adapter
    from f1studio.testing.tiny_ip_adapter import tiny_clip_vision

    models = _comfyui(tmp_path)
    transformer = FluxTransformer2DModel.from_pretrained(str(tiny_flux["pipeline"] / "transformer"))
    clip_l = models / "clip_vision" / "clip_vision_l.safetensors"
    build_flux_ip_adapter(transformer, models / "ipadapter", encoder_file=clip_l)
    adapter = models / "ipadapter" / WEIGHTS
    folder = tmp_path / "folder"
    folder.mkdir()
    shutil.copy(adapter, folder / WEIGHTS)
    tiny_clip_vision(0, 64, 1, 48).save_pretrained(str(folder / ENCODER))
    flux = dict(width=128, height=128, guidance_scale=3.5, scheduler="flow-euler")
    single = render(_request(tiny_flux["pipeline"], adapter, **flux), engine_cache)[0]
    beside = render(_request(tiny_flux["pipeline"], folder, **flux), engine_cache)[0]
    assert np.array_equal(single, beside)
    found = identify(adapter)
    assert (found.role, found.family, found.variant, found.note) == (
        "ip-adapter",
        ModelFamily.FLUX,
        "xlabs",
        "",
    )


def test_a_single_file_redux_with_its_siglip_encoder_renders_as_the_folder(
    tiny_flux, engine_cache, tmp_path
):
    from f1studio.testing.tiny_flux import TEXT_DIM
    from f1studio.testing.tiny_redux import REDUX_FILE, SIGLIP_FILE, build_redux

    models = _comfyui(tmp_path)
    folder = build_redux(tmp_path / "redux", TEXT_DIM, comfyui=models)
    flux = dict(width=128, height=128, guidance_scale=3.5, scheduler="flow-euler")
    single = render(_request(tiny_flux["pipeline"], models / REDUX_FILE, **flux), engine_cache)
    whole = render(_request(tiny_flux["pipeline"], folder, **flux), engine_cache)
    assert max_diff(single[0], whole[0]) == 0
    plain = render(_request(tiny_flux["pipeline"], folder, weight=0.0, **flux), engine_cache)[0]
    assert max_diff(single[0], plain) > 10

    redux = identify(models / REDUX_FILE)
    assert (redux.role, redux.family, redux.variant, redux.note) == (
        "ip-adapter",
        ModelFamily.FLUX,
        "redux",
        "",
    )
    siglip = identify(models / SIGLIP_FILE)
    assert (siglip.role, siglip.variant) == ("image-encoder", "siglip")
    alone = _comfyui(tmp_path / "other") / REDUX_FILE  # no clip_vision beside it
    alone.parent.mkdir(parents=True)
    shutil.copy(models / REDUX_FILE, alone)
    assert "SigLIP" in identify(alone).note
    missing = failure(_request(tiny_flux["pipeline"], alone, **flux))
    assert missing.kind == ErrorKind.MODEL_INVALID
    assert "needs its SigLIP image encoder" in missing.message
