"""``f1studio eval --prompts``: the tiny SD1.5 model scored by the tiny CLIP, end to end."""

from __future__ import annotations

import json
import shutil

import pytest
from PIL import Image

from f1studio.cli import main
from f1studio.testing.tiny_clip import colour_picture


@pytest.fixture
def prompt_set(tmp_path):
    regions = [
        {"box": [0, 0, 0.5, 1], "prompt": "a red picture"},
        {"box": [0.5, 0, 1, 1], "prompt": "a blue picture"},
    ]
    items = [{"prompt": "a red picture", "seed": 3}, "a blue picture", {"regions": regions}]
    path = tmp_path / "prompts.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    reference = tmp_path / "reference"
    reference.mkdir()
    for i, colour in enumerate(("red", "blue", "green", "red")):
        Image.fromarray(colour_picture(colour, size=64, seed=i)).save(reference / f"{i}.png")
    return path, reference


def test_eval_renders_scores_and_writes_the_report_and_charts(
    tiny_models, tiny_clip, tiny_fid_features, prompt_set, tmp_path, capsys
):
    from f1studio.engine.adaptive import read_step_plan

    prompts, reference = prompt_set
    model = tmp_path / "model"
    shutil.copytree(tiny_models["pipeline"], model)  # the step plan is written into it
    out = tmp_path / "report" / "eval.md"
    args = ["eval", "--model", str(model), "--prompts", str(prompts)]
    args += ["--clip-model", str(tiny_clip), "--reference-dir", str(reference)]
    args += ["--fid-features", str(tiny_fid_features), "--allow-pickle"]
    args += ["--size", "64x64", "--steps", "4", "8"]
    args += ["--seeds", "2", "--solver-cases", "1", "--write-step-plan", "--device", "cpu"]
    assert main([*args, "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "3 prompts, 2 picture(s) each); 64×64" in text
    rows = [line for line in text.splitlines() if line.startswith("| dpmpp-2m, ")]
    assert [r.split(" | ")[0] for r in rows] == [
        "| dpmpp-2m, 4 steps, guidance 7.5",
        "| dpmpp-2m, 8 steps, guidance 7.5",
    ]
    for row in rows:  # CLIP score, its spread, FID, region CLIP, own highest, seconds
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert 0 <= float(cells[1]) <= 100 and float(cells[3]) > 0
        own, others, margin = (float(v) for v in cells[4].split(" · "))
        assert margin == pytest.approx(own - others, abs=0.02)
        assert cells[5].endswith("%")
    assert "| dpmpp-2m | " in text and "| euler | " in text
    plan = read_step_plan(model)
    assert plan is not None and plan["guidance"] == 7.5
    assert f"Step plan written to `{model / 'step_plan.json'}`" in text
    for name in ("eval-clip.png", "eval-solvers.png", "eval-samples.png"):
        assert f"]({name})" in text
    with Image.open(out.parent / "eval-solvers.png") as chart:
        colours = {c for _, c in chart.convert("RGB").getcolors(1 << 20)}
    assert {(31, 119, 180), (255, 127, 14)} <= colours  # one line per solver
    with Image.open(out.parent / "eval-samples.png") as grid:
        assert grid.height > 2 * 128  # a row per setting
    assert "report: " in capsys.readouterr().out


def test_a_missing_clip_model_is_one_line_and_no_report(tiny_models, prompt_set, tmp_path, capsys):
    prompts, _ = prompt_set
    out = tmp_path / "eval.md"
    args = ["eval", "--model", str(tiny_models["pipeline"]), "--prompts", str(prompts)]
    code = main([*args, "--clip-model", str(tmp_path / "no-clip"), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "neither a folder nor in the Hugging Face cache" in err
    assert not out.exists()


def test_eval_options_that_do_not_fit_are_refused(tiny_models, prompt_set, capsys):
    prompts, _ = prompt_set
    pipeline = str(tiny_models["pipeline"])
    assert main(["eval", "--model", pipeline, "--prompts", str(prompts), "--only", "edges"]) == 1
    assert "--only takes prompt and solvers" in capsys.readouterr().err
    # the shapes-world eval compares no settings
    assert main(["eval", "--only", "prompt", "--steps", "10", "20"]) == 1
    assert "takes one --steps" in capsys.readouterr().err
