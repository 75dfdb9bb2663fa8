"""Damaged model files get one line that names the file: a garbage ``model_index.json`` (random
bytes, invalid UTF-8, invalid JSON, a list), a damaged component configuration, and a
``.safetensors`` file that holds only part of a model or is cut short; never a raw decoder
message, and never the network blamed for a file that is not a whole model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from f1studio.engine.events import EngineError, ErrorKind, Failed
from f1studio.engine.families.single_file import FLUX_CONFIG_ENV, SD15_CONFIG_ENV
from f1studio.engine.models import ModelCache, load_controlnet, load_pipeline
from f1studio.engine.request import GenerationRequest
from f1studio.engine.runner import run
from f1studio.testing.single_file import write_single_file_sd15

GARBAGE = {
    "random-bytes": bytes(range(256)) * 3,
    "invalid-utf8": b'{"_class_name": "\xb3\xff"}',
    "invalid-json": b'{"_class_name": "StableDiffusionPipeline",',
    "a-list": b'["StableDiffusionPipeline"]',
    "deep-nesting": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.fixture(scope="module")
def sd15_file(tiny_models, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("whole-file")
    return write_single_file_sd15(tiny_models["pipeline"], out / "tiny-sd15.safetensors")


@pytest.fixture
def offline_empty_hub_cache(monkeypatch, tmp_path) -> Path:
    """Offline, with no configuration variables and an empty Hugging Face cache."""
    import huggingface_hub.constants

    cache = tmp_path / "hf-cache"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.delenv(SD15_CONFIG_ENV, raising=False)
    monkeypatch.delenv(FLUX_CONFIG_ENV, raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    return cache


def _one_line_naming(error: EngineError, path: Path) -> str:
    message = error.message
    assert error.kind is ErrorKind.MODEL_INVALID, message
    assert "\n" not in message and str(path) in message, message
    assert "codec" not in message and "Traceback" not in message
    return message


def _damaged_copy(folder: Path, tmp_path: Path, member: str, data: bytes) -> Path:
    copy = tmp_path / "model"
    shutil.copytree(folder, copy)
    (copy / member).write_bytes(data)
    return copy


@pytest.mark.parametrize("kind", sorted(GARBAGE))
def test_a_garbage_model_index_is_one_line_naming_it(tiny_models, tmp_path, kind):
    folder = _damaged_copy(tiny_models["pipeline"], tmp_path, "model_index.json", GARBAGE[kind])
    with pytest.raises(EngineError) as error:
        load_pipeline(str(folder), "cpu")
    _one_line_naming(error.value, folder / "model_index.json")


@pytest.mark.parametrize(
    "member",
    [
        "unet/config.json",
        "text_encoder/config.json",
        "scheduler/scheduler_config.json",
        "tokenizer/tokenizer_config.json",
        "tokenizer/tokenizer.json",
    ],
)
def test_a_garbage_component_file_is_named_not_decoded(tiny_models, tmp_path, member):
    """diffusers and transformers read these themselves; before, a tokenizer's said only
    "'utf-8' codec can't decode byte 0xb3" without a file name."""
    folder = _damaged_copy(tiny_models["pipeline"], tmp_path, member, GARBAGE["invalid-utf8"])
    with pytest.raises(EngineError) as error:
        load_pipeline(str(folder), "cpu")
    _one_line_naming(error.value, folder / member)


def test_a_configuration_that_is_a_list_is_named(tiny_models, tmp_path):
    folder = _damaged_copy(tiny_models["pipeline"], tmp_path, "vae/config.json", b"[1, 2]")
    with pytest.raises(EngineError) as error:
        load_pipeline(str(folder), "cpu")
    assert "not a JSON object" in _one_line_naming(error.value, folder / "vae" / "config.json")


def test_a_damaged_controlnet_configuration_is_named(tiny_models, tmp_path):
    import torch

    folder = tiny_models["controlnet-edge"]
    copy = _damaged_copy(folder, tmp_path, "config.json", GARBAGE["random-bytes"])
    with pytest.raises(EngineError) as error:
        load_controlnet(str(copy), "cpu", torch.float32)
    _one_line_naming(error.value, copy / "config.json")


def test_a_damaged_configuration_folder_for_a_single_file_is_named(
    tiny_models, sd15_file, tmp_path, monkeypatch
):
    folder = _damaged_copy(
        tiny_models["pipeline"], tmp_path, "tokenizer/tokenizer_config.json", b"\xb3\x00"
    )
    monkeypatch.setenv(SD15_CONFIG_ENV, str(folder))
    with pytest.raises(EngineError) as error:
        load_pipeline(str(sd15_file), "cpu")
    _one_line_naming(error.value, folder / "tokenizer" / "tokenizer_config.json")


def test_a_damaged_hub_cache_entry_is_named_not_called_missing(
    tiny_models, offline_empty_hub_cache
):
    """A pipeline in the cache whose model_index.json is garbage was reported as "not in the
    local Hugging Face cache and the machine is offline"."""
    entry = offline_empty_hub_cache / "models--someone--tiny"
    snapshot = entry / "snapshots" / ("a" * 40)
    shutil.copytree(tiny_models["pipeline"], snapshot)
    (entry / "refs").mkdir()
    (entry / "refs" / "main").write_text("a" * 40)
    (snapshot / "model_index.json").write_bytes(GARBAGE["invalid-utf8"])
    with pytest.raises(EngineError) as error:
        load_pipeline("someone/tiny", "cpu")
    _one_line_naming(error.value, snapshot / "model_index.json")


# ---- single files that are not a whole model ----------------------------------------------
def _part_of(whole: Path, out: Path, keep) -> Path:
    from safetensors.torch import load_file, save_file

    tensors = {k: v for k, v in load_file(str(whole)).items() if keep(k)}
    save_file(tensors, str(out))
    return out


@pytest.mark.parametrize(
    ("keep", "missing"),
    [
        (lambda k: k == "model.diffusion_model.input_blocks.0.0.weight", "no VAE or text encoder"),
        (lambda k: k.startswith("model.diffusion_model."), "no VAE or text encoder"),
        (lambda k: not k.startswith("first_stage_model."), "no VAE"),
    ],
    ids=["one-unet-tensor", "unet-only", "no-vae"],
)
def test_part_of_a_model_says_so_even_offline_without_configuration(
    sd15_file, tmp_path, offline_empty_hub_cache, keep, missing
):
    """Before, offline it said the configuration "is not on this machine" (the network), and
    with one it said "Failed to load CLIPTextModel"."""
    part = _part_of(sd15_file, tmp_path / "part.safetensors", keep)
    request = GenerationRequest("x", 64, 64, model=str(part), steps=1, device="cpu")
    events: list = []
    assert run(request, events.append, cache=ModelCache()) is None
    failed = events[-1]
    assert isinstance(failed, Failed) and failed.kind is ErrorKind.MODEL_INVALID
    assert part.name in failed.message and "incomplete" in failed.message
    assert missing in failed.message and "\n" not in failed.message
    assert "offline" not in failed.message and "hub" not in failed.message


def test_a_file_missing_some_tensors_of_each_part_says_it_is_incomplete(
    tiny_models, sd15_file, tmp_path, monkeypatch
):
    """Every part is there, but not all of their tensors (diffusers: "meta tensor")."""
    from safetensors import safe_open

    with safe_open(str(sd15_file), "pt") as f:
        names = sorted(f.keys())
    kept = ("input_blocks.0.0.", "attn2.to_k.")  # what tells the family: still an SD1.5 file
    dropped = {k for k in names[1::2] if not any(mark in k for mark in kept)}
    part = _part_of(sd15_file, tmp_path / "half.safetensors", lambda k: k not in dropped)
    monkeypatch.setenv(SD15_CONFIG_ENV, str(tiny_models["pipeline"]))
    with pytest.raises(EngineError) as error:
        load_pipeline(str(part), "cpu")
    message = error.value.message
    assert error.value.kind is ErrorKind.MODEL_INVALID and "\n" not in message
    assert part.name in message and "incomplete" in message and "meta" not in message


def test_one_tensor_of_a_flux_transformer_is_not_blamed_on_the_network(
    tmp_path, offline_empty_hub_cache
):
    import torch
    from safetensors.torch import save_file

    file = tmp_path / "flux1-dev.safetensors"
    save_file({"double_blocks.0.img_attn.qkv.weight": torch.zeros(6, 2)}, str(file))
    with pytest.raises(EngineError) as error:
        load_pipeline(str(file), "cpu")
    message = error.value.message
    assert error.value.kind is ErrorKind.MODEL_INVALID and file.name in message
    assert "incomplete" in message and "image input layer" in message


def test_a_cut_short_file_says_it_is_incomplete(sd15_file, tmp_path):
    data = sd15_file.read_bytes()
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(EngineError) as error:
        load_pipeline(str(cut), "cpu")
    assert error.value.kind is ErrorKind.MODEL_INVALID
    assert "cut.safetensors is incomplete" in error.value.message


def test_the_whole_file_still_loads(tiny_models, sd15_file, monkeypatch):
    monkeypatch.setenv(SD15_CONFIG_ENV, str(tiny_models["pipeline"]))
    model = load_pipeline(str(sd15_file), "cpu")
    assert model.pipe.vae is not None and model.pipe.text_encoder is not None


@pytest.mark.parametrize("member", ["unet/config.json", "tokenizer/tokenizer.json"])
def test_identification_names_a_damaged_file_so_the_catalog_skips_it(tiny_models, tmp_path, member):
    """What loading would refuse is never listed (nor chosen) as a usable model."""
    from f1studio.engine.catalog import identify, scan_folder

    folder = _damaged_copy(tiny_models["pipeline"], tmp_path, member, GARBAGE["invalid-json"])
    with pytest.raises(EngineError) as error:
        identify(folder)
    assert "a damaged model file" in _one_line_naming(error.value, folder / member)
    skipped: list[tuple[str, str]] = []
    assert scan_folder(tmp_path, skipped) == []
    assert skipped == [(str(folder), error.value.message)]
    edge = _damaged_copy(tiny_models["controlnet-edge"], tmp_path / "cn", "config.json", b"[1]")
    with pytest.raises(EngineError) as error:
        identify(edge)
    _one_line_naming(error.value, edge / "config.json")
