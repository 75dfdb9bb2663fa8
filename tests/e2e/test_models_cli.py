"""`f1studio models list|add|download|remove`, end to end (downloads faked: no network)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from f1studio.appsettings import AppSettings
from f1studio.cli import main
from f1studio.engine import downloads
from f1studio.engine.downloads import DownloadCancelled, DownloadError, DownloadProgress


@pytest.fixture(autouse=True)
def _own_config(tmp_path, monkeypatch):
    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))


@pytest.fixture()
def models_dir(tiny_models, tmp_path):
    """A private copy of the tiny models (some tests check that files survive)."""
    out = tmp_path / "my-models"
    for name in ("pipeline", "controlnet-edge", "depth-estimator"):
        shutil.copytree(tiny_models[name], out / name)
    return out


def put_in_hf_cache(tmp_path: Path, source: Path, repo_id: str) -> Path:
    repo = tmp_path / "hf-cache" / f"models--{repo_id.replace('/', '--')}"
    sha = "ab" * 20
    snapshot = repo / "snapshots" / sha
    for i, f in enumerate(p for p in source.rglob("*") if p.is_file()):
        blob = repo / "blobs" / f"b{i}"
        blob.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, blob)
        link = snapshot / f.relative_to(source)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(blob)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(sha)
    return snapshot


def test_add_then_list_as_a_table_and_as_json(models_dir, capsys):
    assert main(["models", "list"]) == 0
    assert "no models found" in capsys.readouterr().out
    assert main(["models", "add", str(models_dir)]) == 0
    out = capsys.readouterr().out
    assert f"added {models_dir.resolve()}" in out and "pipeline: Stable Diffusion 1.5 base" in out
    assert AppSettings.load().model_folders == [str(models_dir.resolve())]
    assert main(["models", "add", str(models_dir)]) == 0
    assert "already in the list" in capsys.readouterr().out
    assert AppSettings.load().model_folders == [str(models_dir.resolve())]

    AppSettings(base=str(models_dir / "pipeline"), model_folders=[str(models_dir.resolve())]).save()
    assert main(["models", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "FAMILY", "VARIANT", "ROLE", "SIZE", "WHERE"]
    table = "\n".join(lines)
    assert "* pipeline" in table and "controlnet-edge" in table and "depth-estimator" in table
    assert "folder: " in table and "* in use" in table

    assert main(["models", "list", "--json"]) == 0
    entries = {e["name"]: e for e in json.loads(capsys.readouterr().out)}
    assert set(entries) == {"pipeline", "controlnet-edge", "depth-estimator"}
    assert entries["pipeline"]["family"] == "sd15" and entries["pipeline"]["in_use"]
    assert entries["controlnet-edge"]["role"] == "controlnet"
    assert entries["depth-estimator"]["size_bytes"] > 0


def test_add_refuses_what_holds_no_model(tmp_path, capsys):
    assert main(["models", "add", str(tmp_path / "nowhere")]) == 1
    assert "does not exist" in capsys.readouterr().err
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "sub" / "notes.safetensors").write_bytes(b"junk")
    assert main(["models", "add", str(empty)]) == 1
    err = capsys.readouterr().err
    assert "no model F1 Studio can identify" in err and "notes.safetensors" in err
    assert len(err.strip().splitlines()) == 1
    assert AppSettings.load().model_folders == []


def test_add_a_single_file_registers_its_folder(tiny_models, tmp_path, capsys):
    from f1studio.testing.single_file import write_single_file_sd15

    ckpt = write_single_file_sd15(tiny_models["pipeline"], tmp_path / "ckpts" / "m.safetensors")
    assert main(["models", "add", str(ckpt)]) == 0
    assert AppSettings.load().model_folders == [str(ckpt.parent.resolve())]
    bogus = tmp_path / "ckpts" / "bogus.safetensors"
    bogus.write_bytes(b"not a checkpoint")
    capsys.readouterr()
    assert main(["models", "add", str(bogus)]) == 1
    assert "not a readable safetensors file" in capsys.readouterr().err


def test_list_all_names_what_was_not_identified(models_dir, capsys):
    (models_dir / "stray.safetensors").write_bytes(b"junk")
    AppSettings(model_folders=[str(models_dir)]).save()
    assert main(["models", "list"]) == 0
    assert "1 other files or folders were not identified" in capsys.readouterr().out
    assert main(["models", "list", "--all"]) == 0
    assert "stray.safetensors: stray.safetensors is not a readable" in capsys.readouterr().out


# ---- download ------------------------------------------------------------------------------------
@pytest.fixture()
def fake_download(monkeypatch, tmp_path):
    calls = []

    def fake(repo_id, *, on_progress, cancel, token=None, allow_patterns=None):
        calls.append((repo_id, token) if allow_patterns is None else (repo_id, allow_patterns))
        total = 3_000_000
        for done in range(0, total + 1, 500_000):
            on_progress(DownloadProgress(repo_id, done, total, 1_000_000.0, (total - done) / 1e6))
        return put_in_hf_cache(tmp_path, fake.source, repo_id)

    fake.calls = calls
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(downloads, "download", fake)
    return fake


def test_download_prints_the_licence_shows_progress_and_says_how_to_use_it(
    fake_download, tiny_models, capsys
):
    fake_download.source = tiny_models["controlnet-edge"]
    repo = "lllyasviel/control_v11p_sd15_canny"
    assert main(["models", "download", repo, "--yes"]) == 0
    out, err = capsys.readouterr()
    assert "Licence: openrail (https://huggingface.co/lllyasviel/control_v11p_sd15_canny)" in out
    assert "downloaded lllyasviel/control_v11p_sd15_canny to" in out
    snapshot = out.split("downloaded lllyasviel/control_v11p_sd15_canny to ")[1].split()[0]
    assert f"use it: f1studio config --controlnet edge={snapshot}" in out
    assert "3.00MB" in err and "1.0 MB/s" in err and "left" in err  # the progress bar
    assert fake_download.calls == [(repo, None)]
    assert main(["models", "list"]) == 0
    assert repo in capsys.readouterr().out


def test_download_asks_before_accepting_a_licence(fake_download, tiny_models, monkeypatch, capsys):
    fake_download.source = tiny_models["pipeline"]
    answers = iter(["n", "yes"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    assert main(["models", "download", "black-forest-labs/FLUX.1-dev"]) == 1
    out, err = capsys.readouterr()
    assert "flux-1-dev-non-commercial-license" in out and "non-commercial use only" in out
    assert "gated" in out and "not downloaded (answer y, or pass --yes)" in err
    assert fake_download.calls == []
    assert main(["models", "download", "some/unknown-model", "--token", "hf_abc"]) == 0
    out = capsys.readouterr().out
    assert "not in F1 Studio's recommended list" in out
    assert "https://huggingface.co/some/unknown-model" in out
    assert "use it: f1studio config --model some/unknown-model" in out
    assert fake_download.calls == [("some/unknown-model", "hf_abc")]


def test_download_without_a_terminal_needs_yes(fake_download, monkeypatch, capsys):
    def no_input(prompt):
        raise EOFError

    monkeypatch.setattr("builtins.input", no_input)
    assert main(["models", "download", "stabilityai/sdxl-turbo"]) == 1
    assert "pass --yes" in capsys.readouterr().err and fake_download.calls == []


def test_download_offline_is_one_line_and_exit_1(monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(downloads, "download", lambda *a, **k: pytest.fail("must not download"))
    assert main(["models", "download", "stable-diffusion-v1-5/stable-diffusion-v1-5"]) == 1
    out, err = capsys.readouterr()
    assert "creativeml-openrail-m" in out  # the licence is still shown
    assert err.startswith("f1studio: you are offline") and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (DownloadError("gated", "org/x is gated: accept the licence"), "org/x is gated"),
        (DownloadError("offline", "you are offline: huggingface.co cannot be reached"), "offline"),
        (DownloadCancelled("stop"), "cancelled: run the same command again to continue"),
        (KeyboardInterrupt(), "cancelled: run the same command again to continue"),
    ],
)
def test_download_failures_are_one_line(monkeypatch, capsys, error, expected):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(downloads, "download", fail)
    assert main(["models", "download", "org/x", "--yes"]) == 1
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1


# ---- remove --------------------------------------------------------------------------------------
def test_remove_forgets_a_folder_but_never_deletes_your_files(models_dir, capsys):
    AppSettings(model_folders=[str(models_dir)]).save()
    assert main(["models", "remove", "pipeline", "--yes"]) == 1
    err = capsys.readouterr().err
    assert "never deletes files" in err and (models_dir / "pipeline" / "model_index.json").exists()
    assert main(["models", "remove", str(models_dir)]) == 0
    assert "its files are untouched" in capsys.readouterr().out
    assert AppSettings.load().model_folders == [] and (models_dir / "pipeline").is_dir()
    assert main(["models", "remove", "nothing-like-this"]) == 1
    assert "no model folder or model named" in capsys.readouterr().err


def test_remove_deletes_a_hugging_face_cache_model_only_with_yes(tiny_models, tmp_path, capsys):
    snapshot = put_in_hf_cache(tmp_path, tiny_models["controlnet-edge"], "org/canny")
    AppSettings(controlnets={"edge": "org/canny"}).save()
    assert main(["models", "remove", "org/canny"]) == 1
    assert "pass --yes to delete it" in capsys.readouterr().err and snapshot.exists()
    assert main(["models", "remove", "org/canny", "--yes"]) == 0
    out = capsys.readouterr().out
    assert (
        "deleted org/canny from the Hugging Face cache" in out and "settings still name it" in out
    )
    assert not (tmp_path / "hf-cache" / "models--org--canny").exists()


def test_models_commands_do_not_import_torch(models_dir, tmp_path):
    code = (
        "import sys, contextlib, io\n"
        "from f1studio.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: main(['models', '--help'])\n"
        "    except SystemExit: pass\n"
        f"    assert main(['models', 'add', {str(models_dir)!r}]) == 0\n"
        "    assert main(['models', 'list']) == 0\n"
        "print('torch' in sys.modules, 'diffusers' in sys.modules)\n"
    )
    env = {
        "F1STUDIO_CONFIG_DIR": str(tmp_path / "cfg2"),
        "HF_HUB_CACHE": str(tmp_path / "hf-cache"),
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.split() == ["False", "False"]


def test_a_recommended_lora_downloads_its_file_and_joins_the_lora_list(
    fake_download, tiny_models, tmp_path, monkeypatch, capsys
):
    from diffusers import StableDiffusionPipeline

    from f1studio.lora_library import find_loras
    from f1studio.testing.tiny_loras import write_lora

    source = tmp_path / "lcm-source"
    pipe = StableDiffusionPipeline.from_pretrained(str(tiny_models["pipeline"]))
    write_lora(pipe, source / "pytorch_lora_weights.safetensors")
    fake_download.source = source
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    repo = "latent-consistency/lcm-lora-sdv1-5"
    assert main(["models", "download", repo, "--yes"]) == 0
    out = capsys.readouterr().out
    assert "Licence: openrail++" in out
    assert fake_download.calls == [(repo, ["pytorch_lora_weights.safetensors"])]
    assert "use it: f1studio add-lora PROJECT.f1s " in out and "pytorch_lora_weights" in out
    (found,) = find_loras([])
    assert found.name == "lcm-lora-sdv1-5"


def test_the_recommended_ip_adapter_downloads_its_files_and_says_how_to_use_it(
    fake_download, tiny_models, tmp_path, monkeypatch, capsys
):
    source = tmp_path / "ipa-source" / "models"
    (source / "image_encoder").mkdir(parents=True)
    (source / "ip-adapter_sd15.safetensors").write_bytes(b"x")
    (source / "image_encoder" / "config.json").write_text("{}")
    fake_download.source = source.parent
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    assert main(["models", "download", "h94/IP-Adapter", "--yes"]) == 0
    out = capsys.readouterr().out
    assert fake_download.calls == [
        ("h94/IP-Adapter", ["models/ip-adapter_sd15.safetensors", "models/image_encoder/*"])
    ]
    assert "use it: f1studio config --ip-adapter sd15=" in out
    assert out.strip().endswith("models/ip-adapter_sd15.safetensors")
