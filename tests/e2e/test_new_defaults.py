"""`f1studio new` starts from the model's own defaults, the same ones the window's New uses."""

from __future__ import annotations

import pytest

from f1studio.cli import main
from f1studio.engine.family_table import FAMILY_DEFAULTS, ModelFamily
from f1studio.project.f1s import load_project


@pytest.fixture(autouse=True)
def _own_config(tmp_path, monkeypatch):
    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path / "config"))


def test_new_without_a_model_uses_the_demo_models_defaults(tmp_path):
    demo = FAMILY_DEFAULTS[(ModelFamily.SD15, "demo")]
    assert main(["new", str(tmp_path / "p.f1s"), "--prompt", "a red circle"]) == 0
    doc = load_project(tmp_path / "p.f1s")
    assert (doc.width, doc.height) == (128, 128)
    assert (doc.settings.steps, doc.settings.guidance_scale) == (demo.steps, demo.guidance)
    assert doc.settings.scheduler == demo.scheduler


def test_new_with_an_sd15_model_uses_its_family_defaults(tmp_path, tiny_models):
    sd15 = FAMILY_DEFAULTS[(ModelFamily.SD15, None)]
    model = str(tiny_models["pipeline"])
    assert main(["new", str(tmp_path / "p.f1s"), "--prompt", "x", "--model", model]) == 0
    doc = load_project(tmp_path / "p.f1s")
    assert (doc.width, doc.settings.steps, doc.settings.guidance_scale) == (512, 25, 7.5)
    assert (doc.settings.steps, doc.settings.guidance_scale) == (sd15.steps, sd15.guidance)


def test_flags_override_the_models_defaults(tmp_path):
    args = ["--prompt", "x", "--steps", "7", "--guidance", "9", "--size", "64x64"]
    assert main(["new", str(tmp_path / "p.f1s"), *args, "--scheduler", "euler"]) == 0
    doc = load_project(tmp_path / "p.f1s")
    assert (doc.width, doc.settings.steps, doc.settings.guidance_scale) == (64, 7, 9.0)
    assert doc.settings.scheduler == "euler"
    assert main(["new", str(tmp_path / "q.f1s"), "--prompt", "x", "--steps", "auto"]) == 0
    auto = load_project(tmp_path / "q.f1s").settings
    assert auto.auto_steps and auto.steps == 20  # at most the demo model's steps
