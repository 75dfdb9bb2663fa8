"""Single-file ``.safetensors`` checkpoints (the original SD1.5 layout artists download) load
offline from a configuration folder and render exactly what the diffusers folder renders."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from f1studio.engine.events import EngineError, ErrorKind, Failed
from f1studio.engine.families.single_file import SD15_CONFIG_ENV, SD15_CONFIG_REPOS
from f1studio.engine.family_table import ModelFamily
from f1studio.engine.identification import detect_family
from f1studio.engine.models import ModelCache, load_controlnet, load_pipeline
from f1studio.engine.request import (
    ControlKind,
    ControlSpec,
    GenerationRequest,
    InpaintSpec,
    Pixels,
)
from f1studio.engine.runner import run
from f1studio.testing.single_file import (
    controlnet_to_original,
    unet_to_original,
    vae_to_original,
    write_single_file_controlnet,
    write_single_file_sd15,
)
from tests.engine.helpers import max_diff, render

TOLERANCE = 2  # out of 255
SIZE = 128


@pytest.fixture(scope="module")
def single_files(tiny_models, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("single-files")
    return {
        "sd15": write_single_file_sd15(tiny_models["pipeline"], out / "tiny-sd15.safetensors"),
        "controlnet": write_single_file_controlnet(
            tiny_models["controlnet-edge"], out / "tiny-edge.safetensors"
        ),
    }


@pytest.fixture
def offline_empty_hub_cache(monkeypatch, tmp_path):
    """Offline, with no F1STUDIO_SD15_CONFIG and an empty Hugging Face cache (so a developer's
    real cache cannot make the test pass or fail)."""
    import huggingface_hub.constants

    cache = tmp_path / "hf-cache"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv(SD15_CONFIG_ENV, raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    return cache


def _copy_configs(pipeline: Path, out: Path) -> Path:
    """A diffusers folder minus the weights: what F1STUDIO_SD15_CONFIG needs."""
    for file in pipeline.rglob("*"):
        if file.is_file() and file.suffix in (".json", ".txt"):
            target = out / file.relative_to(pipeline)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, target)
    return out


def _request(model: str, **kw) -> GenerationRequest:
    args = dict(
        negative_prompt="blurry",
        model=model,
        steps=8,
        guidance_scale=6.5,
        seed=123,
        device="cpu",
    )
    args.update(kw)
    return GenerationRequest("a red car on a street", SIZE, SIZE, **args)


def _failure(request: GenerationRequest) -> Failed:
    events: list = []
    assert run(request, events.append, cache=ModelCache()) is None
    assert isinstance(events[-1], Failed), events[-1]
    return events[-1]


# --- the converter ---------------------------------------------------------------------------


def test_converter_writes_the_original_names_of_a_full_sd15_layout():
    """A UNet/VAE with SD1.5's block structure (4 levels, 2 layers, plain last/first blocks) at
    toy widths with SD1.5's ratios: the names match the published v1-5 checkpoint's, and
    diffusers' own converter turns them back into exactly the same tensors."""
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from diffusers.loaders.single_file_utils import (
        convert_ldm_unet_checkpoint,
        convert_ldm_vae_checkpoint,
    )

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(8, 16, 32, 32),
        layers_per_block=2,
        down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
        up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3,
        cross_attention_dim=8,
        attention_head_dim=2,
        norm_num_groups=4,
    )
    vae = AutoencoderKL(
        block_out_channels=(8, 16, 32, 32),
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        layers_per_block=2,
        norm_num_groups=4,
    )
    ldm_unet = unet_to_original(unet.state_dict(), unet.config)
    ldm_vae = vae_to_original(vae.state_dict(), vae.config)
    for name in (
        "input_blocks.3.0.op.weight",  # downsamplers after levels 0..2, none after level 3
        "input_blocks.9.0.op.weight",
        "input_blocks.11.0.out_layers.3.weight",
        "input_blocks.4.0.skip_connection.weight",
        "input_blocks.8.1.transformer_blocks.0.attn2.to_k.weight",
        "middle_block.1.proj_in.weight",
        "middle_block.2.emb_layers.1.bias",
        "output_blocks.2.1.conv.weight",  # level without attention: upsampler in slot 1
        "output_blocks.5.2.conv.weight",  # levels with attention: slot 2
        "output_blocks.8.2.conv.weight",
        "output_blocks.11.1.proj_out.weight",
        "out.2.weight",
        "time_embed.2.weight",
    ):
        assert name in ldm_unet, name
    assert "input_blocks.12.0.in_layers.0.weight" not in ldm_unet
    assert "output_blocks.11.2.conv.weight" not in ldm_unet
    for name in (
        "encoder.down.0.downsample.conv.weight",
        "encoder.down.3.block.1.conv2.weight",
        "encoder.down.1.block.0.nin_shortcut.weight",
        "encoder.mid.attn_1.q.weight",
        "decoder.up.3.upsample.conv.weight",
        "decoder.up.0.block.2.conv1.weight",
        "decoder.up.0.block.0.nin_shortcut.weight",
        "decoder.norm_out.bias",
        "post_quant_conv.weight",
    ):
        assert name in ldm_vae, name
    assert "decoder.up.0.upsample.conv.weight" not in ldm_vae  # the lowest level doesn't upsample
    assert ldm_vae["encoder.mid.attn_1.proj_out.weight"].ndim == 4  # 1x1 conv, as originally

    for model, ldm, prefix, convert in (
        (unet, ldm_unet, "model.diffusion_model.", convert_ldm_unet_checkpoint),
        (vae, ldm_vae, "first_stage_model.", convert_ldm_vae_checkpoint),
    ):
        back = convert({prefix + k: v for k, v in ldm.items()}, dict(model.config))
        state = model.state_dict()
        assert set(back) == set(state)
        assert all(torch.equal(back[k], state[k]) for k in state)


def test_controlnet_converter_round_trips_through_diffusers(tiny_models):
    import torch
    from diffusers import ControlNetModel
    from diffusers.loaders.single_file_utils import convert_controlnet_checkpoint

    cn = ControlNetModel.from_pretrained(str(tiny_models["controlnet-edge"]))
    ldm = controlnet_to_original(cn.state_dict(), cn.config)
    assert "zero_convs.3.0.weight" in ldm and "middle_block_out.0.bias" in ldm
    assert "input_hint_block.14.weight" in ldm  # the standard position of the hint's last conv
    back = convert_controlnet_checkpoint(
        {"control_model." + k: v for k, v in ldm.items()}, cn.config
    )
    state = cn.state_dict()
    assert set(back) == set(state)
    assert all(torch.equal(back[k], state[k]) for k in state)


# --- loading and rendering -------------------------------------------------------------------


def test_detect_family_reads_the_single_file(single_files):
    assert detect_family(str(single_files["sd15"])) == (ModelFamily.SD15, False)


def test_single_file_renders_like_the_diffusers_folder(tiny_models, single_files, monkeypatch):
    monkeypatch.setenv(SD15_CONFIG_ENV, str(tiny_models["pipeline"]))
    ours = render(_request(str(single_files["sd15"])), ModelCache())[0]
    folder = render(_request(str(tiny_models["pipeline"])), ModelCache())[0]
    assert max_diff(ours, folder) <= TOLERANCE
    assert ours.std() > 5  # a real picture, not a flat fill


def test_config_argument_takes_a_folder_without_weights(tiny_models, single_files, tmp_path):
    from diffusers import StableDiffusionPipeline

    configs = _copy_configs(tiny_models["pipeline"], tmp_path / "sd15-configs")
    assert not list(configs.rglob("*.safetensors"))
    model = load_pipeline(str(single_files["sd15"]), "cpu", config=str(configs))
    assert type(model.pipe) is StableDiffusionPipeline
    assert not model.is_inpainting


@pytest.mark.parametrize("hub_id", [None, "someone/tiny-sd15"], ids=["standard", "env-hub-id"])
def test_configuration_comes_from_the_local_hub_cache(
    tiny_models, single_files, offline_empty_hub_cache, monkeypatch, hub_id
):
    """Without F1STUDIO_SD15_CONFIG the standard SD1.5 repository's files are taken from the
    local Hugging Face cache, as diffusers would after fetching them once; a hub id in
    F1STUDIO_SD15_CONFIG is taken from the cache the same way."""
    if hub_id is not None:
        monkeypatch.setenv(SD15_CONFIG_ENV, hub_id)
    repo = offline_empty_hub_cache / (
        "models--" + (hub_id or SD15_CONFIG_REPOS[0]).replace("/", "--")
    )
    commit = "0" * 40
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    _copy_configs(tiny_models["pipeline"], repo / "snapshots" / commit)
    ours = render(_request(str(single_files["sd15"])), ModelCache())[0]
    folder = render(_request(str(tiny_models["pipeline"])), ModelCache())[0]
    assert max_diff(ours, folder) <= TOLERANCE


def test_offline_without_configuration_fails_with_one_clear_line(
    single_files, offline_empty_hub_cache
):
    failed = _failure(_request(str(single_files["sd15"])))
    assert failed.kind == ErrorKind.OFFLINE
    assert "\n" not in failed.message
    assert single_files["sd15"].name in failed.message
    assert SD15_CONFIG_ENV in failed.message and "once" in failed.message


def test_config_setting_that_is_not_an_sd15_folder_is_reported(single_files, monkeypatch, tmp_path):
    monkeypatch.setenv(SD15_CONFIG_ENV, str(tmp_path))
    failed = _failure(_request(str(single_files["sd15"])))
    assert failed.kind == ErrorKind.MODEL_INVALID
    assert SD15_CONFIG_ENV in failed.message and "model_index.json" in failed.message


@pytest.mark.parametrize("keep", [0.5, 0.001], ids=["data-cut", "header-cut"])
def test_truncated_checkpoint_is_reported_as_invalid(single_files, tmp_path, monkeypatch, keep):
    data = single_files["sd15"].read_bytes()
    broken = tmp_path / "half-downloaded.safetensors"
    broken.write_bytes(data[: max(int(len(data) * keep), 8)])
    monkeypatch.delenv(SD15_CONFIG_ENV, raising=False)
    failed = _failure(_request(str(broken)))
    assert failed.kind == ErrorKind.MODEL_INVALID
    assert broken.name in failed.message and "download it again" in failed.message


def test_controlnet_file_as_base_model_is_reported(single_files):
    with pytest.raises(EngineError) as error:
        detect_family(str(single_files["controlnet"]))
    assert error.value.kind == ErrorKind.MODEL_INVALID and "ControlNet" in error.value.message


def test_inpainting_single_file_loads_as_inpaint_pipeline(
    tiny_models, single_files, tmp_path, monkeypatch
):
    """A 9-channel file loads as StableDiffusionInpaintPipeline, even with a plain SD1.5
    configuration folder (its UNet config says 4 input channels)."""
    import torch
    from diffusers import StableDiffusionInpaintPipeline
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(single_files["sd15"]))
    key = "model.diffusion_model.input_blocks.0.0.weight"
    weight = tensors[key]
    extra = torch.randn(
        weight.shape[0], 5, *weight.shape[2:], generator=torch.Generator().manual_seed(1)
    )
    tensors[key] = torch.cat([weight, extra * 0.01], dim=1).contiguous()
    inpaint_file = tmp_path / "tiny-inpainting.safetensors"
    save_file(tensors, str(inpaint_file))
    assert detect_family(str(inpaint_file)) == (ModelFamily.SD15, True)

    monkeypatch.setenv(SD15_CONFIG_ENV, str(tiny_models["pipeline"]))
    model = load_pipeline(str(inpaint_file), "cpu")
    assert type(model.pipe) is StableDiffusionInpaintPipeline
    assert model.is_inpainting and model.pipe.unet.config.in_channels == 9
    assert torch.equal(model.pipe.unet.conv_in.weight, tensors[key])

    photo = np.random.default_rng(0).integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)
    mask = np.zeros((SIZE, SIZE), np.uint8)
    mask[32:96, 40:100] = 255
    request = _request(
        str(inpaint_file),
        init_image=Pixels.of(photo),
        inpaint=InpaintSpec(Pixels.of(mask), 1.0, 4),
    )
    cache = ModelCache()
    out = render(request, cache)[0]
    assert np.array_equal(out[mask == 0], photo[mask == 0])
    assert np.abs(out[mask == 255].astype(int) - photo[mask == 255]).mean() > 10
    # the same inpainting model also renders a whole picture and transforms one (img2img)
    whole = render(_request(str(inpaint_file)), cache)[0]
    assert whole.shape == (SIZE, SIZE, 3) and whole.std() > 1
    varied = render(_request(str(inpaint_file), init_image=Pixels.of(photo), strength=0.5), cache)
    assert varied[0].shape == (SIZE, SIZE, 3)


# --- ControlNets -----------------------------------------------------------------------------


def _edge_request(model: str, controlnet: str) -> GenerationRequest:
    edges = np.zeros((SIZE, SIZE), np.uint8)
    edges[30:34, :] = 255
    edges[:, 70:73] = 255
    spec = ControlSpec(ControlKind.EDGE, Pixels.of(edges), controlnet, weight=0.8, start=0.1)
    return _request(model, controls=(spec,), steps=6)


def test_single_file_controlnet_renders_like_the_folder(tiny_models, single_files, monkeypatch):
    """The ControlNet's configuration is derived from the SD1.5 folder's UNet."""
    monkeypatch.setenv(SD15_CONFIG_ENV, str(tiny_models["pipeline"]))
    base = str(tiny_models["pipeline"])
    ours = render(_edge_request(base, str(single_files["controlnet"])), ModelCache())[0]
    folder = render(_edge_request(base, str(tiny_models["controlnet-edge"])), ModelCache())[0]
    plain = render(_request(base, steps=6), ModelCache())[0]
    assert max_diff(ours, folder) <= TOLERANCE
    assert max_diff(ours, plain) > 10  # the guide really acts


def test_single_file_controlnet_takes_a_controlnet_folder_as_config(
    tiny_models, single_files, offline_empty_hub_cache
):
    import torch
    from diffusers import ControlNetModel

    cn = load_controlnet(
        str(single_files["controlnet"]),
        "cpu",
        torch.float32,
        config=str(tiny_models["controlnet-edge"]),
    )
    ref = ControlNetModel.from_pretrained(str(tiny_models["controlnet-edge"]))
    state, ref_state = cn.state_dict(), ref.state_dict()
    assert set(state) == set(ref_state)
    assert all(torch.equal(state[k], ref_state[k]) for k in state)


def test_single_file_controlnet_offline_without_configuration(
    tiny_models, single_files, offline_empty_hub_cache
):
    failed = _failure(_edge_request(str(tiny_models["pipeline"]), str(single_files["controlnet"])))
    assert failed.kind == ErrorKind.OFFLINE and "\n" not in failed.message
    assert single_files["controlnet"].name in failed.message and SD15_CONFIG_ENV in failed.message
