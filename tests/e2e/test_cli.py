"""The documented CLI commands, end to end on the tiny models."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from f1studio.cli import main
from f1studio.project.export import read_png_parameters
from f1studio.project.f1s import load_project

SIZE = 128


@pytest.fixture()
def files(tmp_path):
    from skimage.data import astronaut

    Image.fromarray(astronaut()).save(tmp_path / "photo.png")
    left = np.zeros((SIZE, SIZE), np.uint8)
    left[:, : SIZE // 2] = 255
    Image.fromarray(left).save(tmp_path / "left.png")
    hole = np.zeros((SIZE, SIZE), np.uint8)
    hole[40:90, 40:90] = 255
    Image.fromarray(hole).save(tmp_path / "hole.png")
    (tmp_path / "notes.txt").write_text("not an image")
    return tmp_path


@pytest.fixture(autouse=True)
def _own_config(tmp_path, monkeypatch):
    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path / "config"))


def test_new_add_layers_info_render(files, tiny_models, capsys):
    project = files / "p.f1s"
    out = files / "out.png"
    m = tiny_models
    assert (
        main(
            [
                "new",
                str(project),
                "--size",
                f"{SIZE}x{SIZE}",
                "--prompt",
                "a city street",
                "--negative",
                "blurry",
                "--steps",
                "6",
                "--seed",
                "3",
                "--guidance",
                "6",
            ]
        )
        == 0
    )
    for args in (
        ["--kind", "reference", "--image", str(files / "photo.png")],
        [
            "--kind",
            "region",
            "--image",
            str(files / "left.png"),
            "--prompt",
            "a red car",
            "--weight",
            "0.9",
        ],
        [
            "--kind",
            "edge",
            "--from-image",
            str(files / "photo.png"),
            "--start",
            "0",
            "--end",
            "0.6",
        ],
        [
            "--kind",
            "depth",
            "--from-image",
            str(files / "photo.png"),
            "--depth-model",
            str(m["depth-estimator"]),
            "--weight",
            "0.5",
        ],
        [
            "--kind",
            "inpaint",
            "--image",
            str(files / "hole.png"),
            "--strength",
            "0.8",
            "--feather",
            "4",
        ],
    ):
        assert main(["add-layer", str(project), *args]) == 0, args
    capsys.readouterr()
    assert main(["info", str(project)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert [layer["kind"] for layer in info["layers"]] == [
        "reference",
        "region",
        "edge",
        "depth",
        "inpaint",
    ]
    assert info["layers"][1]["prompt"] == "a red car" and info["layers"][3]["weight"] == 0.5
    assert 0.0 < info["layers"][2]["painted_fraction"] < 0.5  # edges are thin lines

    before = load_project(project)
    assert (
        main(
            [
                "render",
                str(project),
                "--out",
                str(out),
                "--model",
                str(m["pipeline"]),
                "--controlnet",
                f"edge={m['controlnet-edge']}",
                "--controlnet",
                f"depth={m['controlnet-depth']}",
                "--device",
                "cpu",
                "--quiet",
            ]
        )
        == 0
    )
    image = np.asarray(Image.open(out).convert("RGB"))
    assert image.shape == (SIZE, SIZE, 3)
    photo = before.visible_canvas()
    hole = np.asarray(Image.open(files / "hole.png")) > 127
    assert np.array_equal(image[~hole], photo[~hole])  # inpaint keeps everything outside
    chunks = read_png_parameters(out)
    assert chunks["parameters"].startswith("a city street\nNegative prompt: blurry\nSteps: 6")
    request = json.loads(chunks["f1studio-request"])
    assert request["seed"] == 3 and len(request["controls"]) == 2 and len(request["regions"]) == 1
    after = load_project(project)  # rendering never changes the project
    assert [layer.id for layer in after.layers] == [layer.id for layer in before.layers]


def test_render_errors_are_one_line_and_non_zero(files, tiny_models, capsys):
    project = files / "p.f1s"
    main(["new", str(project), "--size", "64x64", "--prompt", "x", "--steps", "2"])
    main(["add-layer", str(project), "--kind", "edge", "--image", str(files / "left.png")])
    capsys.readouterr()
    code = main(
        [
            "render",
            str(project),
            "--out",
            str(files / "o.png"),
            "--model",
            str(tiny_models["pipeline"]),
            "--device",
            "cpu",
            "--quiet",
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 1 and err.count("\n") == 0 and "--controlnet edge=" in err
    assert not (files / "o.png").exists()
    code = main(
        [
            "render",
            str(project),
            "--out",
            str(files / "o.png"),
            "--model",
            str(files / "missing"),
            "--quiet",
        ]
    )
    assert code == 1 and "not found" in capsys.readouterr().err


def test_bad_inputs_give_clear_errors(files, capsys):
    project = files / "p.f1s"
    assert main(["new", str(project), "--size", "100x64", "--prompt", "x"]) == 1
    assert "multiples of 8" in capsys.readouterr().err
    assert main(["new", str(project), "--size", "64x64", "--prompt", "x"]) == 0
    assert main(["new", str(project), "--size", "64x64", "--prompt", "x"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert (
        main(["add-layer", str(project), "--kind", "paint", "--image", str(files / "notes.txt")])
        == 1
    )
    assert "notes.txt" in capsys.readouterr().err
    assert (
        main(
            [
                "add-layer",
                str(project),
                "--kind",
                "paint",
                "--image",
                str(files / "photo.png"),
                "--prompt",
                "x",
            ]
        )
        == 1
    )
    assert "does not take --prompt" in capsys.readouterr().err
    assert main(["info", str(files / "nope.f1s")]) == 1
    assert len(load_project(project).layers) == 0  # failed commands changed nothing


def test_help_does_not_import_torch():
    code = (
        "import sys, contextlib, io\n"
        "from f1studio.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: main(['--help'])\n"
        "    except SystemExit: pass\n"
        "import f1studio, f1studio.document.build, f1studio.project.f1s\n"
        "print('torch' in sys.modules, 'diffusers' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_config_sets_default_models_per_slot(tmp_path, capsys):
    from f1studio.appsettings import AppSettings

    args = ["config", "--model", "org/sd15", "--controlnet", "edge=/nets/canny"]
    assert main([*args, "--depth-model", "dpt", "--device", "cpu"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["file"] == str(tmp_path / "config" / "settings.json")
    assert (shown["base"], shown["controlnets"], shown["device"]) == (
        "org/sd15",
        {"edge": "/nets/canny"},
        "cpu",
    )
    assert main(["config", "--controlnet", "depth=/nets/depth", "--model", ""]) == 0
    saved = AppSettings.load()
    assert saved.controlnets == {"edge": "/nets/canny", "depth": "/nets/depth"}
    assert saved.base is None and saved.depth_estimator == "dpt" and saved.device == "cpu"
    capsys.readouterr()
    with pytest.raises(SystemExit) as bad:
        main(["config", "--controlnet", "pose=/x"])
    assert bad.value.code == 2
    assert "use --controlnet edge=PATH or depth=PATH, not 'pose=/x'" in capsys.readouterr().err
    assert AppSettings.load() == saved


def test_config_shows_settings_written_by_older_versions(tmp_path, capsys):
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "settings.json").write_text(json.dumps({"edge_controlnet": "/old/canny"}))
    assert main(["config"]) == 0
    assert json.loads(capsys.readouterr().out)["controlnets"] == {"edge": "/old/canny"}


def test_every_command_is_registered_and_python_m_runs_it():
    out = subprocess.run(
        [sys.executable, "-m", "f1studio", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("new", "add-layer", "open", "info", "render", "config", "models", "eval"):
        assert f"\n    {command}" in out
    version = subprocess.run(
        [sys.executable, "-m", "f1studio.cli", "--version"], capture_output=True, text=True
    )
    assert version.returncode == 0 and version.stdout.startswith("f1studio ")


def test_a_quiet_render_prints_nothing_from_the_libraries(files, tiny_models):
    """No library chatter in the terminal: with torchao installed (the test extra), diffusers
    imports it, and neither its unloadable optional kernels nor torch's notes on its enums
    reach the user."""
    project = files / "q.f1s"
    assert main(["new", str(project), "--size", "64x64", "--prompt", "x", "--steps", "1"]) == 0
    command = [sys.executable, "-m", "f1studio", "render", str(project), "--out"]
    command += [str(files / "q.png"), "--model", str(tiny_models["pipeline"]), "--quiet"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stderr == "", out.stderr


def test_a_controlnet_without_a_base_model_is_refused_not_ignored(files, tiny_models, capsys):
    """With no base model chosen anywhere the demo model renders with its own ControlNets, so a
    --controlnet given alone would be silently ignored: it is refused in one line instead."""
    project = files / "c.f1s"
    assert main(["new", str(project), "--size", "64x64", "--prompt", "x", "--steps", "1"]) == 0
    capsys.readouterr()
    out = files / "c.png"
    net = f"edge={tiny_models['controlnet-edge']}"
    code = main(["render", str(project), "--out", str(out), "--controlnet", net, "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 1 and "\n" not in err and "--model" in err and not out.exists()


def test_eval_reports_progress_per_renders_and_ctrl_c_writes_no_report(
    tmp_path, monkeypatch, capsys
):
    import f1studio.demo.evaluate as evaluate_module

    def interrupted(settings, only, progress):
        progress("prompt…")
        raise KeyboardInterrupt

    monkeypatch.setattr(evaluate_module, "evaluate", interrupted)
    out = tmp_path / "report.md"
    assert main(["eval", "--only", "prompt", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "eval: prompt…" in err and "eval cancelled: no report written" in err
    assert not out.exists()


def test_a_project_file_alone_opens_it_in_the_window(tmp_path, monkeypatch):
    """``f1studio P.f1s`` is what a shell or a file manager runs: it opens the window on P."""
    from f1studio.cli import open_window, project_shortcut

    opened: list[str | None] = []
    monkeypatch.setattr(open_window, "start_window", lambda project: opened.append(project) or 0)
    project = str(tmp_path / "My picture.F1S")
    assert main([project]) == 0 and opened == [project]
    assert main([]) == 0 and opened[-1] is None  # no argument: the last project
    assert project_shortcut(["render", "x.f1s"]) == ["render", "x.f1s"]  # commands unchanged
    assert project_shortcut(["info"]) == ["info"]
    with pytest.raises(SystemExit):  # a file that is not a project is still an unknown command
        main([str(tmp_path / "photo.png")])
