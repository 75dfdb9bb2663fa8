"""``f1studio add-lora`` and ``render`` with the project's LoRAs, on the tiny SD1.5 model."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from f1studio.cli import main
from f1studio.project.export import read_png_parameters
from f1studio.project.f1s import load_project

pytest.importorskip("peft")


@pytest.fixture()
def setup(tmp_path, monkeypatch, tiny_models):
    from diffusers import StableDiffusionPipeline

    from f1studio.testing.tiny_loras import write_lora

    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path / "config"))
    pipe = StableDiffusionPipeline.from_pretrained(str(tiny_models["pipeline"]))
    lora = write_lora(
        pipe, tmp_path / "ink.safetensors", "kohya", seed=5,
        metadata={"ss_tag_frequency": json.dumps({"set": {"inkwash": 9, "monochrome": 4}})},
    )  # fmt: skip
    project = tmp_path / "p.f1s"
    assert main(["new", str(project), "--size", "64x64", "--prompt", "a boat"]) == 0
    return project, lora, tiny_models


def _render(project, out, models) -> np.ndarray:
    args = ["render", str(project), "--out", str(out), "--model", str(models["pipeline"])]
    assert main([*args, "--device", "cpu", "--quiet", "--steps", "3"]) == 0
    return np.asarray(Image.open(out).convert("RGB")).astype(int)


def test_add_lora_to_the_picture_and_render_with_it(setup, tmp_path, capsys) -> None:
    project, lora, models = setup
    plain = _render(project, tmp_path / "plain.png", models)
    capsys.readouterr()
    assert main(["add-lora", str(project), str(lora), "--weight", "0.7"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {
        "lora": "ink", "weight": 0.7, "on": "the whole picture",
        "trigger_words": ["inkwash", "monochrome"],
    }  # fmt: skip
    assert [(e.name, e.weight) for e in load_project(project).settings.loras] == [("ink", 0.7)]
    styled = _render(project, tmp_path / "styled.png", models)
    assert np.abs(styled - plain).max() > 10
    chunks = read_png_parameters(tmp_path / "styled.png")
    assert chunks["parameters"].startswith("a boat <lora:ink:0.7>\n")
    assert json.loads(chunks["f1studio-request"])["loras"] == [
        {"path": str(lora.resolve()), "weight": 0.7}
    ]
    # again: the same file gets the new weight, not a second entry
    assert main(["add-lora", str(project), str(lora), "--weight", "-1"]) == 0
    assert [(e.name, e.weight) for e in load_project(project).settings.loras] == [("ink", -1.0)]


def test_add_lora_to_a_region(setup, tmp_path, capsys) -> None:
    project, lora, models = setup
    mask = tmp_path / "left.png"
    Image.fromarray(
        np.where(np.arange(64)[None, :] < 32, 255, 0).astype(np.uint8).repeat(64, 0)
    ).save(mask)
    args = ["add-layer", str(project), "--kind", "region", "--image", str(mask)]
    assert main([*args, "--prompt", "a red sail", "--name", "sail"]) == 0
    assert main(["add-lora", str(project), str(lora), "--region", "sail"]) == 0
    doc = load_project(project)
    assert doc.settings.loras == () and [e.name for e in doc.layers[-1].loras] == ["ink"]
    _render(project, tmp_path / "r.png", models)


def test_add_lora_refuses_what_is_not_a_lora(setup, tmp_path, capsys) -> None:
    project, _, models = setup
    before = project.read_bytes()
    weights = next((models["pipeline"] / "unet").glob("*.safetensors"))
    assert main(["add-lora", str(project), str(weights)]) == 1
    assert "holds no LoRA weights" in capsys.readouterr().err
    assert main(["add-lora", str(project), str(tmp_path / "none.safetensors")]) == 1
    assert "LoRA file not found" in capsys.readouterr().err
    assert main(["add-lora", str(project), str(weights), "--region", "nope"]) == 1
    assert project.read_bytes() == before


def test_a_few_step_lora_sets_its_sampler_unless_kept(setup, tmp_path, capsys) -> None:
    project, lora, _ = setup
    fast = tmp_path / "lcm-lora-sdv1-5.safetensors"
    fast.write_bytes(lora.read_bytes())
    capsys.readouterr()
    assert main(["add-lora", str(project), str(fast), "--keep-settings"]) == 0
    assert "settings" not in json.loads(capsys.readouterr().out)
    assert load_project(project).settings.scheduler == "dpmpp-2m"
    assert main(["add-lora", str(project), str(fast)]) == 0
    assert (
        json.loads(capsys.readouterr().out)["settings"] == "LCM-LoRA: 6 steps of lcm, guidance 1.5"
    )
    s = load_project(project).settings
    assert (s.scheduler, s.steps, s.guidance_scale) == ("lcm", 6, 1.5)


def test_a_project_from_a_pictures_parameters_finds_its_loras(setup, tmp_path, capsys) -> None:
    from f1studio.appsettings import AppSettings

    project, lora, models = setup
    assert main(["add-lora", str(project), str(lora), "--weight", "0.7"]) == 0
    picture = tmp_path / "made.png"
    _render(project, picture, models)
    again = tmp_path / "again.f1s"
    capsys.readouterr()
    assert (
        main(["new", str(again), "--from-png", str(picture), "--model", str(models["pipeline"])])
        == 0
    )
    assert "not in your model folders" in capsys.readouterr().err  # no folders yet
    doc = load_project(again)
    assert (doc.prompt, doc.width, doc.settings.steps, doc.settings.seed) == ("a boat", 64, 3, 42)
    assert doc.settings.loras == ()
    AppSettings(model_folders=[str(tmp_path)]).save()
    assert main(["new", str(again), "--force", "--from-png", str(picture), "--seed", "5"]) == 0
    doc = load_project(again)
    assert [(e.name, e.weight) for e in doc.settings.loras] == [("ink", 0.7)]
    assert doc.settings.seed == 5  # an option given wins over the picture's
    plain = tmp_path / "plain.png"
    Image.new("RGB", (8, 8)).save(plain)
    assert main(["new", str(tmp_path / "x.f1s"), "--from-png", str(plain)]) == 1
    assert "carries no generation parameters" in capsys.readouterr().err
