"""A failed or killed save never damages the previous file."""

from __future__ import annotations

import errno
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from f1studio.document.document import Document
from f1studio.project import f1s, snapshot
from f1studio.project.errors import ProjectSaveError
from f1studio.project.f1s import load_project, save_project
from tests.project.conftest import (
    assert_same_document,
    fingerprint,
    full_document,
    snapshot_dir,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, Document]:
    old = full_document(seed=1)
    return save_project(old, tmp_path / "work.f1s"), old


def _assert_untouched(path: Path, old: Document, before: dict[str, str]) -> None:
    assert snapshot_dir(path.parent) == before  # same bytes, and no temp file left behind
    assert_same_document(old, load_project(path))


def test_disk_full_halfway_through_layers(
    saved: tuple[Path, Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, old = saved
    before = snapshot_dir(path.parent)
    real = zipfile.ZipFile.writestr
    calls = []

    def failing(*args: object, **kwargs: object) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing)
    with pytest.raises(ProjectSaveError) as info:
        save_project(full_document(seed=2), path)
    assert str(info.value) == (
        "Could not save 'work.f1s': No space left on device. The previous file is unchanged."
    )
    assert info.value.path == str(path)
    _assert_untouched(path, old, before)


@pytest.mark.parametrize("target", ["fsync", "replace"])
def test_failure_at_fsync_or_rename(
    saved: tuple[Path, Document], monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    path, old = saved
    before = snapshot_dir(path.parent)

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(f1s.os, target, fail)
    with pytest.raises(ProjectSaveError, match="Input/output error"):
        save_project(full_document(seed=2), path)
    monkeypatch.undo()
    _assert_untouched(path, old, before)


def test_unexpected_exception_propagates_and_cleans_up(
    saved: tuple[Path, Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, old = saved
    before = snapshot_dir(path.parent)

    def boom(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(snapshot, "encode_png", boom)
    with pytest.raises(KeyboardInterrupt):
        save_project(full_document(seed=2), path)
    _assert_untouched(path, old, before)


def test_invalid_document_is_refused_before_touching_disk(saved: tuple[Path, Document]) -> None:
    path, old = saved
    before = snapshot_dir(path.parent)
    bad = full_document(seed=2)
    bad.layers[2].weight = 7.0  # bypassing the Document's checks
    with pytest.raises(ProjectSaveError, match=r"layer 3 \('Sky'\): weight must be within 0..2"):
        save_project(bad, path)
    _assert_untouched(path, old, before)


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ProjectSaveError, match="Could not save 'x.f1s'"):
        save_project(Document(64, 64), tmp_path / "nope" / "x.f1s")


_SAVER = """
import sys
sys.path.insert(0, sys.argv[3])
from tests.project.conftest import full_document
from f1studio.project.f1s import save_project
doc = full_document(seed=int(sys.argv[2]), width=1024, height=1024)
print("saving", flush=True)
save_project(doc, sys.argv[1])
print("saved", flush=True)
"""


def _start_saver(path: Path, seed: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _SAVER, str(path), str(seed), str(REPO_ROOT)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "saving"
    return proc


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_save_leaves_old_or_new(tmp_path: Path) -> None:
    path = tmp_path / "big.f1s"
    docs = {}
    # One full save to learn how long a save takes on this machine.
    proc = _start_saver(path, seed=0)
    start = time.perf_counter()
    assert proc.wait(timeout=120) == 0
    duration = time.perf_counter() - start
    docs[fingerprint(load_project(path))] = 0
    current = 0
    outcomes = []
    for i, fraction in enumerate((0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95, 1.2), start=1):
        docs[fingerprint(full_document(seed=i, width=1024, height=1024))] = i
        proc = _start_saver(path, seed=i)
        time.sleep(duration * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        for _leftover in tmp_path.glob(".big.f1s.*.tmp"):  # what a killed save leaves behind
            outcomes.append("temp")
        # The target always opens and holds either the previous or the new document; opening
        # it removes what the killed save left behind.
        found = docs.get(fingerprint(load_project(path)))
        assert found in (current, i), f"kill at {fraction:.0%}: unexpected content {found}"
        outcomes.append("new" if found == i else "old")
        current = found
        assert [p.name for p in tmp_path.iterdir()] == ["big.f1s"]
    assert "old" in outcomes and "temp" in outcomes, outcomes  # we did kill mid-write
    assert [p.name for p in tmp_path.iterdir()] == ["big.f1s"]
