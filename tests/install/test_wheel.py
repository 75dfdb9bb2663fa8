"""A user without a checkout: the wheel built from the project installs into a fresh virtual
environment, and ``f1studio`` run from another folder finds the demo model and renders it."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _source_copy(dest: Path) -> Path:
    """The files git would ship (tracked and new, not ignored): a fresh clone's view."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        src = ROOT / name.decode()
        if src.is_file():
            target = dest / name.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(src.read_bytes())
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = _source_copy(tmp_path_factory.mktemp("src"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation"]
        + ["-q", "-w", str(out)],
        check=True,
        capture_output=True,
    )
    (found,) = out.glob("f1studio-*.whl")
    return found


def test_the_wheel_carries_the_demo_model_and_translations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    base = "f1studio/resources/models/shapes-world/"
    assert base + "pipeline/model_index.json" in names
    assert base + "controlnet-edge/diffusion_pytorch_model.safetensors" in names
    assert "f1studio/resources/i18n/f1studio_zh_CN.qm" in names
    assert "f1studio/resources/presets/recommended_models.json" in names


def test_installed_wheel_renders_the_demo_model_outside_the_checkout(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    # the dependencies come from this environment (nothing can be downloaded here); the
    # package itself only from the wheel
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = sysconfig.get_paths()["purelib"]
    Path(site, "zz_dependencies.pth").write_text(ours + "\n")
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(F1STUDIO_CONFIG_DIR=str(tmp_path / "config"), F1STUDIO_DATA_DIR=str(tmp_path / "d"))
    f1 = venv / "bin" / "f1studio"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(f1), *args], cwd=work, env=env, capture_output=True, text=True, timeout=600
        )

    where = subprocess.run(
        [str(python), "-c", "import f1studio, sys; print(f1studio.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(venv) in where and str(ROOT) not in where
    made = run("new", "p.f1s", "--prompt", "a large red circle in the centre on a white background")
    assert made.returncode == 0, made.stderr
    done = run("render", "p.f1s", "--out", "p.png", "--steps", "4")
    assert done.returncode == 0, done.stderr
    from PIL import Image

    picture = Image.open(work / "p.png")
    assert picture.size == (128, 128)
