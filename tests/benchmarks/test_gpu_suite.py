"""The GPU benchmark suite (benchmarks/gpu_suite.py): ``--tiny`` runs every measurement on the
CPU and gives every row; the published configurations build models of the published sizes;
the engine renders the suite's prebuilt models exactly as it renders loaded ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.gpu_measures import ALL_SETS, MEASURES
from benchmarks.gpu_models import PrebuiltCache, build_full, build_tiny
from benchmarks.gpu_suite import main
from benchmarks.gpu_timing import Bench, render, request
from f1studio.engine.models import ModelCache

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    out = tmp_path_factory.mktemp("gpu-suite")
    models = tmp_path_factory.mktemp("gpu-suite-models")
    args = ["--tiny", "--json", str(out / "suite.json"), "--tiny-models", str(models)]
    assert main(args) == 0
    return json.loads((out / "suite.json").read_text("utf-8")), str(models)


def expected_keys() -> list[str]:
    return [
        f"{name}/{metric}"
        for name in ALL_SETS
        for measure in MEASURES
        if name in measure.sets
        for metric in measure.metrics_for(name)
    ]


def test_tiny_run_has_every_row_measured(tiny_run, capsys):
    data, _ = tiny_run
    rows = {row["key"]: row for row in data["rows"]}
    assert [row["key"] for row in data["rows"]] == expected_keys()
    assert data["tiny"] and data["device"].startswith("CPU")
    assert data["complete"] and data["sets_done"] == list(ALL_SETS)
    for key, row in rows.items():
        if key == "flux-dev/peak memory nf4 transformer" and row["status"] == "skipped":
            assert "bitsandbytes" in row["note"]  # the one library the test extra lacks
            continue
        assert row["status"] == "ok", (key, row["note"])
        if row["unit"] == "ms":
            assert row["value"] > 0, key
        else:  # no CUDA on the CPU: the path ran, the figure says it was not measured
            assert row["value"] is None and "not measured" in row["note"], key
    for name in ALL_SETS:  # engine against diffusers: both timed on the same model
        engine, ours = rows[f"{name}/engine step"], rows[f"{name}/diffusers step"]
        assert engine["ratio"] == pytest.approx(engine["value"] / ours["value"])
    assert rows["sdxl/4 regions step"]["goal"] == "<= 1.15x"
    assert rows["sdxl/4 regions step"]["met"] is None  # goals are for full-size models only


def test_the_table_has_a_line_per_row(tiny_run, tmp_path, capsys):
    _, models = tiny_run
    args = ["--tiny", "--only", "flux-schnell", "--tiny-models", models]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "| model | measure | value | ratio | goal | met | note |"
    assert [line.split(" | ")[1] for line in lines[3:]] == ["diffusers step", "engine step"]


def test_what_does_not_fit_the_budget_is_skipped_with_a_line(tiny_run, tmp_path):
    _, models = tiny_run
    out = tmp_path / "skipped.json"
    args = ["--tiny", "--only", "sd15", "--budget", "0", "--json", str(out)]
    assert main([*args, "--tiny-models", models]) == 0
    rows = json.loads(out.read_text("utf-8"))["rows"]
    assert len(rows) == len([k for k in expected_keys() if k.startswith("sd15/")])
    assert all(r["status"] == "skipped" and "would not fit" in r["note"] for r in rows)


def test_env_settings_pass_through_and_are_recorded(tiny_run, tmp_path, monkeypatch):
    _, models = tiny_run
    monkeypatch.delenv("F1STUDIO_SUITE_PROBE", raising=False)
    out = tmp_path / "env.json"
    args = ["--tiny", "--only", "flux-schnell", "--env", "F1STUDIO_SUITE_PROBE=1"]
    assert main([*args, "--json", str(out), "--tiny-models", models]) == 0
    assert json.loads(out.read_text("utf-8"))["env"] == {"F1STUDIO_SUITE_PROBE": "1"}
    assert os.environ["F1STUDIO_SUITE_PROBE"] == "1"
    monkeypatch.delenv("F1STUDIO_SUITE_PROBE")


# Published sizes (millions of parameters) of each component the configurations describe.
PUBLISHED = {
    "sd15": {"unet": 859.5, "vae": 83.7, "text_encoder": 123.1, "controlnet": 361.3},
    "sdxl": {
        "unet": 2567.5,
        "vae": 83.7,
        "text_encoder": 123.1,
        "text_encoder_2": 694.7,
        "controlnet": 1251.0,
    },
    "flux-dev": {
        "transformer": 11901.4,
        "vae": 83.8,
        "text_encoder": 123.1,
        "text_encoder_2": 4762.3,
        "controlnet": 3301.9,
    },
    "flux-schnell": {"transformer": 11891.2},
}


@pytest.mark.parametrize("name", ALL_SETS)
def test_published_configurations_build_models_of_the_published_sizes(name):
    models = build_full(name, "meta")  # shapes only: no memory, no weights
    parts = dict(models.model.pipe.components)
    parts["controlnet"] = models.controlnets["edge"]
    for part, millions in PUBLISHED[name].items():
        count = sum(p.numel() for p in parts[part].parameters()) / 1e6
        assert count == pytest.approx(millions, abs=0.1), part
    tiny_count = sum(p.numel() for p in models.tiny_vae.parameters()) / 1e6
    assert tiny_count == pytest.approx(2.45, abs=0.02)  # TAESD / TAEF1
    assert models.model.dtype == ("bfloat16" if name.startswith("flux") else "float16")


def test_built_models_get_the_engine_speed_switches_the_environment_sets(monkeypatch):
    """As the engine's loader does: ``--env F1STUDIO_CHANNELS_LAST=on`` reaches the UNet and
    the ControlNets the suite times."""
    import torch

    from f1studio.engine.speed import CHANNELS_LAST_ENV

    def channels_last(model) -> bool:
        return model.conv_in.weight.is_contiguous(memory_format=torch.channels_last)

    plain = build_full("sd15", "meta")
    assert not channels_last(plain.model.pipe.unet)
    monkeypatch.setenv(CHANNELS_LAST_ENV, "on")
    switched = build_full("sd15", "meta")
    assert channels_last(switched.model.pipe.unet)
    assert all(channels_last(cn) for cn in switched.controlnets.values())


def test_prebuilt_models_render_as_loaded_models_do(tiny_run):
    """The suite hands the engine built models through PrebuiltCache; the picture is the one
    the engine makes when it loads the same folder itself."""
    _, folder = tiny_run
    models = build_tiny("sd15", Path(folder))
    cache = PrebuiltCache()
    cache.use(models)
    bench = Bench(models, cache, full=False)
    req = request(bench, steps=3, width=64, height=64)
    ours = render(bench, req).images[0]
    loaded = ModelCache()
    theirs = render(
        Bench(models, loaded, full=False), req.with_changes(model=f"{folder}/sd15/pipeline")
    ).images[0]
    assert np.array_equal(ours, theirs)


def test_run_on_gpu_says_when_there_is_no_gpu(tmp_path):
    env = {**os.environ, "OUT": str(tmp_path), "PYTHON": sys.executable}
    done = subprocess.run(
        ["bash", str(ROOT / "benchmarks" / "run_on_gpu.sh")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,  # importing torch on a busy 2-core machine can take minutes
    )
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is here: the script would run the full suite")
    assert done.returncode != 0
    assert "no CUDA GPU" in done.stderr


def test_the_json_is_written_after_every_set(tmp_path, monkeypatch):
    """A run stopped from outside (a device call's time limit) keeps the sets it finished:
    the JSON on disk after the first set already holds its rows, marked incomplete."""
    import benchmarks.gpu_suite as suite

    out = tmp_path / "partial.json"
    seen: list[dict] = []
    real = suite.run_set

    def run_set(name, *args):
        if out.is_file():
            seen.append(json.loads(out.read_text("utf-8")))
        return real(name, *args)

    monkeypatch.setattr(suite, "run_set", run_set)
    args = ["--tiny", "--only", "sd15,sdxl", "--budget", "0", "--json", str(out)]
    assert suite.main(args) == 0
    assert len(seen) == 1 and seen[0]["sets_done"] == ["sd15"] and not seen[0]["complete"]
    assert {row["model"] for row in seen[0]["rows"]} == {"sd15"}
    final = json.loads(out.read_text("utf-8"))
    assert final["complete"] and {row["model"] for row in final["rows"]} == {"sd15", "sdxl"}
