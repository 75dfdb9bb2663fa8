"""Reference pictures from the command line: ``add-layer --kind reference --use``, and
``render --ip-adapter`` on the tiny SD1.5 model."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from f1studio.cli import main
from f1studio.document.build import build_request
from f1studio.project.export import read_png_parameters
from f1studio.project.f1s import load_project

skimage = pytest.importorskip("skimage")


@pytest.fixture()
def setup(tmp_path, monkeypatch, tiny_models):
    from diffusers import UNet2DConditionModel

    from f1studio.testing.tiny_ip_adapter import build_ip_adapter

    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path / "config"))
    unet = UNet2DConditionModel.from_pretrained(str(tiny_models["pipeline"] / "unet"))
    adapter = build_ip_adapter(unet, tmp_path / "ip-adapter")
    photo = tmp_path / "cat.png"
    Image.fromarray(skimage.data.chelsea()[::6, ::6]).save(photo)
    project = tmp_path / "p.f1s"
    assert main(["new", str(project), "--size", "64x64", "--prompt", "a cat"]) == 0
    return project, photo, adapter, tiny_models


def _render(project, out, models, *extra: str) -> np.ndarray:
    args = ["render", str(project), "--out", str(out), "--model", str(models["pipeline"])]
    assert main([*args, "--device", "cpu", "--quiet", "--steps", "3", *extra]) == 0
    return np.asarray(Image.open(out).convert("RGB")).astype(int)


def test_a_style_reference_steers_the_render(setup, tmp_path, capsys) -> None:
    project, photo, adapter, models = setup
    plain = _render(project, tmp_path / "plain.png", models)
    args = ["add-layer", str(project), "--kind", "reference", "--image", str(photo)]
    assert main([*args, "--use", "style", "--weight", "0.8", "--start", "0.2"]) == 0
    doc = load_project(project)
    layer = doc.layers[-1]
    assert (layer.use, layer.weight, layer.start, layer.end) == ("style", 0.8, 0.2, 1.0)
    (ref,) = build_request(doc, ip_adapter=str(adapter)).references
    assert ref.use == "style" and ref.image.shape[2] == 3 and ref.image.shape[0] <= 64
    styled = _render(project, tmp_path / "styled.png", models, "--ip-adapter", str(adapter))
    assert np.abs(styled - plain).max() > 10
    record = json.loads(read_png_parameters(tmp_path / "styled.png")["f1studio-request"])
    assert record["references"][0]["use"] == "style" and record["ip_adapter"] == str(adapter)
    capsys.readouterr()
    assert main(["render", str(project), "--out", str(tmp_path / "x.png"), "--model",
                 str(models["pipeline"]), "--device", "cpu", "--quiet"]) == 1  # fmt: skip
    assert "need an IP-Adapter" in capsys.readouterr().err


def test_trace_only_sends_nothing_to_the_model(setup, tmp_path) -> None:
    project, photo, adapter, models = setup
    plain = _render(project, tmp_path / "plain.png", models)
    assert main(["add-layer", str(project), "--kind", "reference", "--image", str(photo)]) == 0
    assert load_project(project).layers[-1].use == "trace"
    traced = _render(project, tmp_path / "traced.png", models, "--ip-adapter", str(adapter))
    assert np.array_equal(traced, plain)


def test_a_reference_limited_to_a_region_from_the_command_line(setup, tmp_path) -> None:
    project, photo, adapter, models = setup
    mask = tmp_path / "left.png"
    Image.fromarray(
        np.where(np.arange(64)[None, :] < 32, 255, 0).astype(np.uint8).repeat(64, 0)
    ).save(mask)
    assert (
        main(
            [
                "add-layer",
                str(project),
                "--kind",
                "region",
                "--image",
                str(mask),
                "--prompt",
                "a dog",
                "--name",
                "dog",
            ]
        )
        == 0
    )
    args = ["add-layer", str(project), "--kind", "reference", "--image", str(photo)]
    assert main([*args, "--use", "subject", "--region", "dog"]) == 0
    (ref,) = build_request(load_project(project), ip_adapter=str(adapter)).references
    assert (
        ref.mask is not None
        and ref.mask.array()[:, :32].all()
        and not ref.mask.array()[:, 32:].any()
    )
    _render(project, tmp_path / "r.png", models, "--ip-adapter", str(adapter))
