"""A real window process that crashes, is killed or is told to stop keeps its unsaved work.

Each test starts the window in a child process (offscreen), makes an edit there, then ends
the process the hard way and finds the edit in the recovery copy, from the terminal.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from f1studio.project.f1s import load_project

REPO_ROOT = Path(__file__).resolve().parents[2]
EDIT = "Added before the crash"

# The window as `f1studio` starts it (signals included), plus one edit it has not saved.
CHILD = f"""
import sys
from PySide6.QtWidgets import QApplication
from f1studio.gui.exit_signals import ExitSignals
from f1studio.gui.main_window import MainWindow

app = QApplication(sys.argv[:1])
window = MainWindow()
signals = ExitSignals(window.exit_on_signal, window)
window.show()
window.doc.add_layer("paint", name={EDIT!r})
print("edited", flush=True)
app.exec()
signals.uninstall()
sys.exit(window.exit_code)
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.json").write_text(json.dumps({"autosave_interval_s": 1}))
    return {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "F1STUDIO_CONFIG_DIR": str(config),
        "F1STUDIO_DATA_DIR": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),  # the window's QSettings
    }


def _start(env: dict[str, str]) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if line.strip() != "edited":
        child.kill()
        pytest.fail(f"the window did not start: {line}{child.communicate()[1]}")
    return child


def _recover(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "f1studio", "recover", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def _recovered_layers(env: dict[str, str], tmp_path: Path) -> list[str]:
    """Find the one recovery copy with `recover --list` and extract it with `--output`."""
    listing = _recover(env, "--list")
    rows = [line for line in listing.splitlines() if "Untitled (never saved)" in line]
    assert len(rows) == 1, listing
    session = rows[0].split()[0]
    out = tmp_path / "recovered.f1s"
    assert "Wrote" in _recover(env, session, "--output", str(out))
    return [layer.name for layer in load_project(out).layers]


def test_kill_9_after_an_autosave_loses_nothing(env: dict[str, str], tmp_path: Path) -> None:
    child = _start(env)
    recovery = Path(env["F1STUDIO_DATA_DIR"]) / "recovery"
    deadline = time.monotonic() + 30
    while not list(recovery.glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.1)
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    assert _recovered_layers(env, tmp_path) == ["Sketch", EDIT]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_keep_the_work_and_exit_promptly(
    env: dict[str, str], tmp_path: Path, sig: signal.Signals
) -> None:
    (Path(env["F1STUDIO_CONFIG_DIR"]) / "settings.json").write_text(
        json.dumps({"autosave_interval_s": 3600})  # only the signal can write the copy
    )
    child = _start(env)
    sent = time.monotonic()
    child.send_signal(sig)
    code = child.wait(15)
    took = time.monotonic() - sent
    assert code == 128 + sig, child.communicate()[1]
    assert took < 10, took  # in practice well under a second
    assert _recovered_layers(env, tmp_path) == ["Sketch", EDIT]
    assert f"[stopped by {sig.name}]" in _recover(env, "--list")  # not "a crash"


def test_nothing_to_recover_after_a_normal_start(env: dict[str, str]) -> None:
    assert _recover(env, "--list").startswith("Nothing to recover")


def test_a_broken_last_project_does_not_stop_the_app_from_starting(
    env: dict[str, str], tmp_path: Path
) -> None:
    """`f1studio` reopens the last project; a damaged one gives a message, not an exit."""
    broken = tmp_path / "broken.f1s"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    ini = Path(env["XDG_CONFIG_HOME"]) / "F1Studio" / "F1Studio.ini"
    ini.parent.mkdir(parents=True)
    ini.write_text(f"[General]\nlast_project={broken}\n")
    for first_wait in (1.0, 5.0, 15.0):
        child = subprocess.Popen(
            [sys.executable, "-m", "f1studio"],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(first_wait)
        deadline = time.monotonic() + 60
        while child.poll() is None and time.monotonic() < deadline:
            # once the window runs, SIGTERM closes it; before that the signal waits for it
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(3)
            except subprocess.TimeoutExpired:
                continue
        out, err = child.communicate(timeout=10)
        if child.returncode != -signal.SIGTERM:
            break
        # on a busy machine the signal came before Python had even installed the handler:
        # that says nothing of the broken project, so start again and wait longer
    assert child.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
