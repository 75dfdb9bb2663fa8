"""`f1studio info` and `f1studio render` on hostile projects: one line on stderr, a non-zero
exit, no traceback (a base model given as a number used to end a render in an 18-line one)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.project.hostile_corpus import project_cases

ROOT = Path(__file__).resolve().parents[2]
CASES = {case.name: case for case in project_cases()}
INFO_CASES = [
    "base-model-number",
    "steps-infinity",
    "steps-text",
    "canvas-infinity",
    "seed-5000-digits",
    "nested-arrays-100000",
    "non-utf8-member-name",
    "200-layers-share-one-png",
    "prompt-15mib",
    "path-traversal-dotdot",
    "png-decompression-bomb",
    "not-a-zip",
]
RENDER_CASES = ["base-model-number", "steps-infinity", "region-prompt-15mib"]


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "F1STUDIO_CONFIG_DIR": str(tmp_path / "config"),
        "HF_HUB_OFFLINE": "1",
    }
    env.pop("F1STUDIO_DEBUG", None)
    command = [sys.executable, "-m", "f1studio", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


def _write(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.f1s"
    path.write_bytes(CASES[name].build())
    return path


def _assert_one_line_refusal(done: subprocess.CompletedProcess[str], path: Path) -> None:
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("f1studio: "), done.stderr
    assert f"'{path.name}'" in lines[0]


def test_info_on_hostile_projects_prints_one_line(tmp_path: Path) -> None:
    for name in INFO_CASES:
        path = _write(tmp_path, name)
        _assert_one_line_refusal(_run(tmp_path, "info", str(path)), path)


@pytest.mark.parametrize("name", RENDER_CASES)
def test_render_on_hostile_projects_prints_one_line(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path, name)
    out = tmp_path / "out.png"
    done = _run(tmp_path, "render", str(path), "--out", str(out), "--quiet")
    _assert_one_line_refusal(done, path)
    assert not out.exists()
