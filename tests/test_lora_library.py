"""Finding the user's LoRAs where AUTOMATIC1111, ComfyUI and plain folders keep them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from f1studio.engine.family_table import ModelFamily
from f1studio.lora_library import describe, find_loras, fit_problem

safetensors = pytest.importorskip("safetensors.numpy")


def _lora(path: Path, width: int = 768, metadata: dict | None = None) -> Path:
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    key = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k"
    tensors = {
        f"{key}.lora_down.weight": np.zeros((4, width), np.float16),
        f"{key}.lora_up.weight": np.zeros((320, 4), np.float16),
    }
    safetensors.save_file(tensors, str(path), metadata=metadata)
    return path


def test_loras_are_found_in_installs_and_plain_folders(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    a1111 = tmp_path / "webui"
    (a1111 / "models" / "Stable-diffusion").mkdir(parents=True)
    _lora(a1111 / "models" / "Lora" / "styles" / "Ink.safetensors")
    comfy = tmp_path / "ComfyUI"
    _lora(comfy / "models" / "loras" / "xl_detail.safetensors", width=2048)
    plain = tmp_path / "mine"
    tags = {"ss_tag_frequency": json.dumps({"a": {"zebra": 2, "stripes": 5}})}
    _lora(plain / "zebra.safetensors", metadata=tags)
    (plain / "notes.safetensors").write_bytes(b"broken")
    safetensors.save_file({"x": __import__("numpy").zeros(2)}, str(plain / "model.safetensors"))
    found = find_loras([str(a1111), str(comfy), str(plain), str(tmp_path / "missing")])
    assert [(f.name, f.family) for f in found] == [
        ("Ink", "Stable Diffusion 1.5"), ("xl_detail", "SDXL"), ("zebra", "Stable Diffusion 1.5"),
    ]  # fmt: skip
    assert found[2].trigger_words == ("stripes", "zebra")
    assert describe(found[1].path).name == "xl_detail"


def test_a_lora_for_another_family_is_named_in_one_line(tmp_path: Path) -> None:
    xl = _lora(tmp_path / "xl.safetensors", width=2048)
    assert fit_problem(xl, ModelFamily.SDXL) is None
    assert fit_problem(xl, ModelFamily.SD15) == (
        "xl is a LoRA for SDXL; the model is Stable Diffusion 1.5"
    )
    assert fit_problem(xl, None) is None
    assert "not found" in str(fit_problem(tmp_path / "gone.safetensors", ModelFamily.SD15))


def test_embeddings_are_found_in_installs_and_named_in_prompts(tmp_path: Path) -> None:
    import numpy as np

    from f1studio.document.build import build_request
    from f1studio.document.document import Document
    from f1studio.lora_library import embeddings_in, find_embeddings

    webui = tmp_path / "webui"
    (webui / "embeddings").mkdir(parents=True)
    safetensors.save_file(
        {"emb_params": np.zeros((2, 768), np.float32)},
        str(webui / "embeddings" / "easyneg.safetensors"),
    )
    comfy = tmp_path / "comfy" / "models" / "embeddings"
    comfy.mkdir(parents=True)
    xl = {"clip_l": np.zeros((1, 768), np.float32), "clip_g": np.zeros((1, 1280), np.float32)}
    safetensors.save_file(xl, str(comfy / "xlstyle.safetensors"))
    _lora(comfy / "not_an_embedding.safetensors")
    found = find_embeddings([str(webui), str(tmp_path / "comfy")])
    assert sorted(found) == ["easyneg", "xlstyle"]
    assert embeddings_in([str(webui), str(tmp_path / "comfy")]) == found
    doc = Document(64, 64, prompt="a cat, xlstyle", negative_prompt="easyneg, blurry")
    request = build_request(doc, embeddings=found)
    assert [(e.token, e.path) for e in request.embeddings] == [
        ("easyneg", found["easyneg"]), ("xlstyle", found["xlstyle"]),
    ]  # fmt: skip
    doc.set_prompt("a cat, xlstyles")  # a longer word is not the name
    doc.set_negative_prompt("")
    assert build_request(doc, embeddings=found).embeddings == ()


def test_loras_in_the_hugging_face_cache_go_by_their_repository(tmp_path, monkeypatch) -> None:
    from f1studio.document.fast_presets import preset_for

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    snapshot = (
        tmp_path / "hub" / "models--latent-consistency--lcm-lora-sdv1-5" / "snapshots" / "0a1"
    )
    _lora(snapshot / "pytorch_lora_weights.safetensors")
    safetensors.save_file({"x": __import__("numpy").zeros(2)}, str(snapshot / "other.safetensors"))
    (found,) = find_loras([])
    assert (found.name, found.family) == ("lcm-lora-sdv1-5", "Stable Diffusion 1.5")
    preset = preset_for(str(found.path))
    assert preset is not None and preset.scheduler == "lcm"
    assert find_loras([], hf_cache=False) == []
