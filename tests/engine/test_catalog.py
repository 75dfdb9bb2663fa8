"""Finding and identifying installed models: folders, single files, A1111/ComfyUI, the HF cache."""

from __future__ import annotations

import json
import math
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from f1studio.engine import catalog, identification, model_files
from f1studio.engine.catalog import identify, scan
from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.family_table import ModelFamily
from f1studio.engine.model_files import read_safetensors_header


def write_header_only(path: Path, shapes: dict[str, list[int]]) -> Path:
    """A valid .safetensors file with these tensor names and shapes (U8 zeros, sparse on disk)."""
    header, offset = {}, 0
    for name, shape in shapes.items():
        n = math.prod(shape)
        header[name] = {"dtype": "U8", "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        f.truncate(8 + len(raw) + offset)
    return path


UNET = "model.diffusion_model."
SD15 = {
    f"{UNET}input_blocks.0.0.weight": [320, 4, 3, 3],
    f"{UNET}input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight": [320, 768],
    "cond_stage_model.transformer.text_model.embeddings.token_embedding.weight": [4, 8],
    "first_stage_model.decoder.conv_in.weight": [4, 4],
}
SDXL = {
    f"{UNET}input_blocks.0.0.weight": [320, 4, 3, 3],
    f"{UNET}label_emb.0.0.weight": [1280, 2816],
    "conditioner.embedders.0.transformer.text_model.embeddings.position_ids": [1, 77],
    "conditioner.embedders.1.model.ln_final.weight": [1280],
    "first_stage_model.decoder.conv_in.weight": [512, 4, 3, 3],
}
FLUX_DEV = {
    "double_blocks.0.img_attn.norm.key_norm.scale": [128],
    "img_in.weight": [3072, 64],
    "guidance_in.in_layer.weight": [3072, 256],
}


@pytest.fixture()
def hf_cache(tmp_path, monkeypatch):
    cache = tmp_path / "hf-cache"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    return cache


def add_to_hf_cache(cache: Path, repo_id: str, files: dict[str, Path | bytes]) -> Path:
    """Lay out files like huggingface_hub does: blobs, a snapshot of symlinks, refs/main."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    sha = "0123456789abcdef0123456789abcdef01234567"
    snapshot = repo / "snapshots" / sha
    for i, (name, content) in enumerate(files.items()):
        blob = repo / "blobs" / f"blob{i:04d}"
        blob.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copyfile(content, blob)
        else:
            blob.write_bytes(content)
        link = snapshot / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(blob)
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(sha)
    return snapshot


def folder_files(folder: Path) -> dict[str, Path]:
    return {str(p.relative_to(folder)): p for p in folder.rglob("*") if p.is_file()}


# ---- diffusers folders ---------------------------------------------------------------------------
def test_identifies_the_tiny_models_from_their_configs(tiny_models):
    pipe = identify(tiny_models["pipeline"])
    assert (pipe.role, pipe.family, pipe.variant, pipe.format) == (
        "base",
        ModelFamily.SD15,
        "base",
        "diffusers",
    )
    assert pipe.size_bytes == sum(p.stat().st_size for p in tiny_models["pipeline"].rglob("*.*"))
    edge = identify(tiny_models["controlnet-edge"])
    assert (edge.role, edge.family, edge.variant) == ("controlnet", ModelFamily.SD15, None)
    depth = identify(tiny_models["depth-estimator"])
    assert (depth.role, depth.family) == ("depth-estimator", None)
    assert not pipe.pickled and pipe.note == ""


def test_scan_lists_a_folder_of_models_without_copying_them(tiny_models):
    root = tiny_models["pipeline"].parent
    models = scan([str(root)], include_hf_cache=False)
    by_name = {m.name: m for m in models}
    assert set(by_name) == {"pipeline", "controlnet-edge", "controlnet-depth", "depth-estimator"}
    assert all(m.source == "folder" for m in models)
    assert by_name["pipeline"].location == str(tiny_models["pipeline"])
    assert [m.role for m in models] == ["base", "controlnet", "controlnet", "depth-estimator"]


def test_variant_and_family_come_from_the_configs(tmp_path, tiny_models):
    inpaint = tmp_path / "whatever-name"
    shutil.copytree(tiny_models["pipeline"], inpaint)
    cfg = json.loads((inpaint / "unet" / "config.json").read_text())
    (inpaint / "unet" / "config.json").write_text(json.dumps({**cfg, "in_channels": 9}))
    assert identify(inpaint).variant == "inpainting"

    xl = tmp_path / "sd15-named-but-xl"
    shutil.copytree(tiny_models["pipeline"], xl)
    index = json.loads((xl / "model_index.json").read_text())
    (xl / "model_index.json").write_text(
        json.dumps({**index, "_class_name": "StableDiffusionXLPipeline"})
    )
    assert identify(xl).family is ModelFamily.SDXL

    flux = tmp_path / "flux"
    (flux / "transformer").mkdir(parents=True)
    (flux / "model_index.json").write_text(
        json.dumps(
            {"_class_name": "FluxPipeline", "transformer": ["diffusers", "FluxTransformer2DModel"]}
        )
    )
    write_header_only(flux / "transformer" / "diffusion_pytorch_model.safetensors", {"x": [1]})
    for guidance, variant in ((True, "dev"), (False, "schnell")):
        cfg = {"in_channels": 64, "guidance_embeds": guidance}
        (flux / "transformer" / "config.json").write_text(json.dumps(cfg))
        assert identify(flux).variant == variant
    fill = {"in_channels": 384, "out_channels": 64, "guidance_embeds": True}
    (flux / "transformer" / "config.json").write_text(json.dumps(fill))
    assert (identify(flux).family, identify(flux).variant) == (ModelFamily.FLUX, "fill")


def test_controlnet_configs(tmp_path):
    def cn(name: str, config: dict) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "config.json").write_text(json.dumps(config))
        write_header_only(folder / "diffusion_pytorch_model.safetensors", {"x": [1]})
        return folder

    xl = identify(cn("xl", {"_class_name": "ControlNetModel", "addition_embed_type": "text_time"}))
    assert (xl.role, xl.family, xl.variant) == ("controlnet", ModelFamily.SDXL, None)
    union = identify(cn("fu", {"_class_name": "FluxControlNetModel", "num_mode": 10}))
    assert (union.family, union.variant) == (ModelFamily.FLUX, "union")
    assert identify(cn("xu", {"_class_name": "ControlNetUnionModel"})).variant == "union"
    with pytest.raises(EngineError, match="2.x"):
        identify(cn("sd2", {"_class_name": "ControlNetModel", "cross_attention_dim": 1024}))


def test_refuses_what_it_cannot_identify(tmp_path, tiny_models):
    with pytest.raises(EngineError) as e:
        identify(tmp_path)
    assert e.value.kind is ErrorKind.MODEL_INVALID and "not a model folder" in e.value.message
    with pytest.raises(EngineError) as e:
        identify(tiny_models["pipeline"] / "unet")
    assert "component" in e.value.message
    with pytest.raises(EngineError) as e:
        identify(tmp_path / "missing")
    assert e.value.kind is ErrorKind.MODEL_NOT_FOUND
    other = tmp_path / "sd3"
    other.mkdir()
    (other / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusion3Pipeline"}))
    with pytest.raises(EngineError, match="unknown pipeline type 'StableDiffusion3Pipeline'"):
        identify(other)
    custom = tmp_path / "custom"
    custom.mkdir()
    (custom / "model_index.json").write_text(json.dumps({"_class_name": ["x", "MyPipeline"]}))
    with pytest.raises(EngineError, match="custom pipeline code"):
        identify(custom)


def test_an_unfinished_pipeline_download_is_refused(tmp_path, tiny_models):
    partial = tmp_path / "partial"
    shutil.copytree(tiny_models["pipeline"], partial)
    (partial / "unet" / "diffusion_pytorch_model.safetensors").unlink()
    with pytest.raises(EngineError, match="incomplete: unet/ has no weights"):
        identify(partial)
    shutil.rmtree(partial / "vae")
    with pytest.raises(EngineError, match="incomplete"):
        identify(partial)


def test_a_folder_with_only_pickled_weights_is_listed_as_pickled(tmp_path, tiny_models):
    folder = tmp_path / "old-controlnet"
    shutil.copytree(tiny_models["controlnet-edge"], folder)
    (folder / "diffusion_pytorch_model.safetensors").rename(folder / "diffusion_pytorch_model.bin")
    model = identify(folder)
    assert model.pickled and "pickled" in model.note and model.role == "controlnet"


# ---- single files ----------------------------------------------------------------------------------
def test_header_reader_matches_safetensors(tmp_path):
    import numpy as np
    from safetensors import safe_open
    from safetensors.numpy import save_file

    path = tmp_path / "real.safetensors"
    save_file({"a.weight": np.zeros((3, 5), np.float16), "b": np.ones(7, np.float32)}, str(path))
    with safe_open(str(path), framework="numpy") as f:
        expected = {k: list(f.get_slice(k).get_shape()) for k in f.keys()}  # noqa: SIM118
    assert read_safetensors_header(path) == expected
    assert read_safetensors_header(write_header_only(tmp_path / "mine.safetensors", SD15)) == SD15


def test_a_damaged_or_truncated_file_is_model_invalid(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x05\x00\x00\x00\x00\x00\x00\x00{oops")
    with pytest.raises(EngineError, match="not a readable safetensors file"):
        identify(bad)
    cut = write_header_only(tmp_path / "cut.safetensors", SD15)
    with open(cut, "r+b") as f:
        f.truncate(cut.stat().st_size - 10)
    with pytest.raises(EngineError, match="incomplete"):
        identify(cut)


def test_the_real_single_file_sd15_checkpoint(tmp_path, tiny_models):
    from f1studio.testing.single_file import write_single_file_controlnet, write_single_file_sd15

    ckpt = identify(write_single_file_sd15(tiny_models["pipeline"], tmp_path / "m.safetensors"))
    assert (ckpt.role, ckpt.family, ckpt.variant, ckpt.format, ckpt.note) == (
        "base",
        ModelFamily.SD15,
        "base",
        "single-file",
        "",
    )
    cn = write_single_file_controlnet(tiny_models["controlnet-edge"], tmp_path / "c.safetensors")
    assert (identify(cn).role, identify(cn).family) == ("controlnet", ModelFamily.SD15)


@pytest.mark.parametrize(
    ("shapes", "expected"),
    [
        (SD15, ("base", ModelFamily.SD15, "base")),
        (
            {**SD15, f"{UNET}input_blocks.0.0.weight": [320, 9, 3, 3]},
            ("base", ModelFamily.SD15, "inpainting"),
        ),
        (SDXL, ("base", ModelFamily.SDXL, "base")),
        (
            {**SDXL, f"{UNET}input_blocks.0.0.weight": [320, 9, 3, 3]},
            ("base", ModelFamily.SDXL, "inpainting"),
        ),
        (
            {
                f"{UNET}input_blocks.0.0.weight": [384, 4, 3, 3],
                f"{UNET}label_emb.0.0.weight": [1536, 2560],
                "conditioner.embedders.0.model.ln_final.weight": [1280],
            },
            ("base", ModelFamily.SDXL, "refiner"),
        ),
        (FLUX_DEV, ("base", ModelFamily.FLUX, "dev")),
        (
            {k: v for k, v in FLUX_DEV.items() if not k.startswith("guidance_in")},
            ("base", ModelFamily.FLUX, "schnell"),
        ),
        ({**FLUX_DEV, "img_in.weight": [3072, 384]}, ("base", ModelFamily.FLUX, "fill")),
        (
            {f"model.diffusion_model.{k}": v for k, v in FLUX_DEV.items()},
            ("base", ModelFamily.FLUX, "dev"),
        ),
        (
            {
                "single_transformer_blocks.0.attn.to_q.weight": [8, 8],
                "x_embedder.weight": [3072, 64],
            },
            ("base", ModelFamily.FLUX, "schnell"),
        ),
        (
            {"control_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight": [320, 768]},
            ("controlnet", ModelFamily.SD15, None),
        ),
        (
            {
                "controlnet_cond_embedding.conv_in.weight": [16, 3, 3, 3],
                "add_embedding.linear_1.weight": [1280, 2816],
            },
            ("controlnet", ModelFamily.SDXL, None),
        ),
        (
            {
                "controlnet_x_embedder.weight": [3072, 64],
                "controlnet_mode_embedder.weight": [10, 3072],
                "transformer_blocks.0.attn.to_q.weight": [8, 8],
            },
            ("controlnet", ModelFamily.FLUX, "union"),
        ),
    ],
)
def test_single_files_are_identified_from_tensor_names_and_shapes(tmp_path, shapes, expected):
    # the file name says otherwise on purpose: nothing is read from it
    model = identify(
        write_header_only(tmp_path / "sdxl-turbo-inpainting-canny.safetensors", shapes)
    )
    assert (model.role, model.family, model.variant) == expected
    assert model.format == "single-file" and model.size_bytes > 0


def test_transformer_only_and_unet_only_files_say_so(tmp_path):
    assert identify(write_header_only(tmp_path / "f.safetensors", FLUX_DEV)).note == (
        "transformer only"
    )
    unet_only = {k: v for k, v in SD15.items() if k.startswith(UNET)}
    assert identify(write_header_only(tmp_path / "u.safetensors", unet_only)).note == "UNet only"


@pytest.mark.parametrize(
    ("shapes", "message"),
    [
        ({"lora_unet_down_blocks_0.lora_down.weight": [4, 320]}, "is a LoRA"),
        ({"encoder.down.0.block.0.conv1.weight": [8, 8]}, "is a VAE"),
        ({"encoder.block.0.layer.0.SelfAttention.q.weight": [8, 8]}, "text encoder"),
        (
            {**SD15, f"{UNET}input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight": [320, 1024]},
            "Stable Diffusion 2.x",
        ),
        ({"some.other.tensor": [3]}, "not a model F1 Studio recognises"),
    ],
)
def test_refused_single_files_say_what_they_are(tmp_path, shapes, message):
    with pytest.raises(EngineError) as e:
        identify(write_header_only(tmp_path / "x.safetensors", shapes))
    assert e.value.kind is ErrorKind.MODEL_INVALID and message in e.value.message


def test_pickled_files_are_listed_but_never_opened(tmp_path, monkeypatch):
    ckpt = tmp_path / "old.ckpt"
    ckpt.write_bytes(b"\x80\x02 pickled bytes that must never be read")

    def forbidden(*args, **kwargs):
        raise AssertionError("a pickled file was opened")

    monkeypatch.setattr(identification, "read_safetensors_header", forbidden)
    monkeypatch.setattr(identification, "open", forbidden, raising=False)
    model = identify(ckpt)
    assert model.pickled and model.note == "pickled (not loaded unless allowed)"
    assert (model.family, model.variant, model.size_bytes) == (None, None, ckpt.stat().st_size)
    assert [m.name for m in scan([str(tmp_path)], include_hf_cache=False)] == ["old.ckpt"]


# ---- install layouts ------------------------------------------------------------------------------
def test_automatic1111_install(tmp_path):
    root = tmp_path / "stable-diffusion-webui"
    write_header_only(root / "models" / "Stable-diffusion" / "sub" / "dream.safetensors", SD15)
    (root / "models" / "ControlNet").mkdir(parents=True)
    (root / "models" / "ControlNet" / "control_canny.pth").write_bytes(b"pickle")
    write_header_only(root / "models" / "Lora" / "style.safetensors", {"x.lora_down.w": [1]})
    write_header_only(root / "extensions" / "other.safetensors", SD15)
    skipped: list = []
    models = scan([str(root)], include_hf_cache=False, skipped=skipped)
    assert [(m.name, m.source, m.role) for m in models] == [
        ("dream.safetensors", "a1111", "base"),
        ("control_canny.pth", "a1111", "controlnet"),
    ]
    assert models[1].pickled and skipped == []  # LoRA and extension folders are not searched


def test_comfyui_install(tmp_path):
    root = tmp_path / "ComfyUI"
    write_header_only(root / "models" / "checkpoints" / "xl.safetensors", SDXL)
    write_header_only(
        root / "models" / "controlnet" / "cn.safetensors",
        {"control_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight": [320, 768]},
    )
    write_header_only(root / "models" / "diffusion_models" / "flux.safetensors", FLUX_DEV)
    write_header_only(root / "models" / "vae" / "ae.safetensors", {"decoder.up.0.x": [1]})
    models = {m.name: m for m in scan([str(root)], include_hf_cache=False)}
    assert set(models) == {"xl.safetensors", "cn.safetensors", "flux.safetensors"}
    assert {m.source for m in models.values()} == {"comfyui"}
    assert models["flux.safetensors"].family is ModelFamily.FLUX
    assert models["cn.safetensors"].role == "controlnet"
    # the models folder itself works too
    assert len(scan([str(root / "models")], include_hf_cache=False)) == 3


def test_skipped_files_are_reported_and_the_same_model_is_listed_once(tmp_path, tiny_models):
    root = tiny_models["pipeline"].parent
    write_header_only(tmp_path / "lora.safetensors", {"a.lora_down.weight": [1]})
    skipped: list = []
    models = scan(
        [str(root), str(root), str(tiny_models["pipeline"]), str(tmp_path), str(tmp_path / "gone")],
        include_hf_cache=False,
        skipped=skipped,
    )
    assert len(models) == 4
    reasons = dict(skipped)
    assert "LoRA" in reasons[str(tmp_path / "lora.safetensors")]
    assert reasons[str(tmp_path / "gone")] == "does not exist"


# ---- Hugging Face cache --------------------------------------------------------------------------
def test_hugging_face_cache(hf_cache, tiny_models, tmp_path):
    add_to_hf_cache(hf_cache, "org/tiny-sd15", folder_files(tiny_models["pipeline"]))
    add_to_hf_cache(hf_cache, "org/tiny-canny", folder_files(tiny_models["controlnet-edge"]))
    single = write_header_only(tmp_path / "xl.safetensors", SDXL)
    add_to_hf_cache(hf_cache, "org/single", {"xl.safetensors": single, "README.md": b"hi"})
    add_to_hf_cache(
        hf_cache, "org/llm", {"config.json": b'{"architectures": ["LlamaForCausalLM"]}'}
    )
    skipped: list = []
    models = {m.name: m for m in scan([], skipped=skipped)}
    assert set(models) == {"org/tiny-sd15", "org/tiny-canny", "org/single/xl.safetensors"}
    sd15 = models["org/tiny-sd15"]
    assert (sd15.source, sd15.hub_id, sd15.family, sd15.role) == (
        "hf-cache",
        "org/tiny-sd15",
        ModelFamily.SD15,
        "base",
    )
    assert Path(sd15.location).parent.name == "snapshots"
    assert sd15.size_bytes == sum(p.stat().st_size for p in tiny_models["pipeline"].rglob("*.*"))
    assert models["org/single/xl.safetensors"].family is ModelFamily.SDXL
    assert models["org/tiny-canny"].role == "controlnet"
    assert [w for w, _ in skipped] == ["org/llm"]
    assert scan([], include_hf_cache=False) == []


def test_hf_home_is_respected(tmp_path, monkeypatch, tiny_models):
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "home"))
    assert model_files.hf_cache_dir() == tmp_path / "home" / "hub"
    add_to_hf_cache(tmp_path / "home" / "hub", "a/b", folder_files(tiny_models["controlnet-depth"]))
    assert [m.name for m in scan([])] == ["a/b"]


def test_a_missing_cache_is_just_empty(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "nothing-here"))
    assert scan([]) == []


def test_scanning_never_imports_torch(tiny_models, hf_cache):
    import os

    add_to_hf_cache(hf_cache, "org/cn", folder_files(tiny_models["controlnet-edge"]))
    code = (
        "import sys\n"
        "from f1studio.engine.catalog import scan\n"
        f"assert len(scan([{str(tiny_models['pipeline'].parent)!r}])) == 5\n"
        "print('torch' in sys.modules, 'diffusers' in sys.modules)\n"
    )
    env = {**os.environ, "HF_HUB_CACHE": str(hf_cache)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.split() == ["False", "False"]


def test_format_size():
    assert [catalog.format_size(n) for n in (None, 512, 12_300, 340_000_000, 1_900_000_000)] == [
        "?",
        "512 B",
        "12.3 KB",
        "340 MB",
        "1.9 GB",
    ]


def test_a_cache_folder_added_as_a_user_folder_keeps_the_hub_ids(hf_cache, tiny_models):
    add_to_hf_cache(hf_cache, "org/tiny-sd15", folder_files(tiny_models["pipeline"]))
    models = scan([str(hf_cache)])
    assert [(m.name, m.source, m.hub_id) for m in models] == [
        ("org/tiny-sd15", "hf-cache", "org/tiny-sd15")
    ]


IP_SD15 = {"image_proj.proj.weight": [3072, 1024], "ip_adapter.1.to_k_ip.weight": [320, 768]}
IP_SDXL_PLUS = {
    "image_proj.latents": [1, 16, 1280],
    "image_proj.proj_in.weight": [1280, 1280],
    "ip_adapter.1.to_k_ip.weight": [640, 2048],
}


def test_reference_picture_models_are_identified(tmp_path, tiny_flux):
    from f1studio.testing.tiny_flux import TEXT_DIM
    from f1studio.testing.tiny_redux import build_redux

    sd15 = identify(write_header_only(tmp_path / "a" / "ip-adapter_sd15.safetensors", IP_SD15))
    assert (sd15.role, sd15.family, sd15.variant) == ("ip-adapter", ModelFamily.SD15, None)
    assert "image_encoder" in sd15.note  # no encoder beside it: the row says what is missing
    (tmp_path / "b" / "image_encoder").mkdir(parents=True)
    (tmp_path / "b" / "image_encoder" / "config.json").write_text("{}")
    plus = identify(write_header_only(tmp_path / "b" / "plus.safetensors", IP_SDXL_PLUS))
    assert (plus.role, plus.family, plus.variant, plus.note) == (
        "ip-adapter",
        ModelFamily.SDXL,
        "plus",
        "",
    )
    redux = identify(build_redux(tmp_path / "redux", TEXT_DIM))
    assert (redux.role, redux.family, redux.variant) == ("ip-adapter", ModelFamily.FLUX, "redux")
    for shapes, variant, encoder in (  # ComfyUI's single-file Redux, the XLabs adapter
        ({"redux_up.weight": [3, 3], "redux_down.weight": [3, 3]}, "redux", "SigLIP"),
        (
            {"double_blocks.0.processor.ip_adapter_double_stream_k_proj.weight": [3, 3]},
            "xlabs",
            "CLIP vision",
        ),
    ):
        flux = identify(write_header_only(tmp_path / "c" / f"{variant}.safetensors", shapes))
        assert (flux.role, flux.family, flux.variant) == ("ip-adapter", ModelFamily.FLUX, variant)
        assert f"needs its {encoder} encoder" in flux.note


def test_comfyui_ipadapter_folder_is_scanned_and_use_sets_the_family(tmp_path, monkeypatch):
    from f1studio import model_library
    from f1studio.appsettings import AppSettings

    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path / "config"))
    root = tmp_path / "ComfyUI"
    write_header_only(root / "models" / "checkpoints" / "xl.safetensors", SDXL)
    write_header_only(root / "models" / "ipadapter" / "ip-adapter_sd15.safetensors", IP_SD15)
    found = {m.name: m for m in scan([str(root)], include_hf_cache=False)}[
        "ip-adapter_sd15.safetensors"
    ]
    assert found.role == "ip-adapter" and found.source == "comfyui"
    chosen = model_library.use_ip_adapter(AppSettings(), found)
    assert chosen.ip_adapters == {"sd15": found.reference}
    assert AppSettings.load().ip_adapters == {"sd15": found.reference}
