"""Saves killed mid-way leave a temporary file; the next open or save of that project removes
it, never the one a live save is still writing. A failed first save says no file was made."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from f1studio.project import atomic
from f1studio.project.atomic import remove_stale_temporaries, write_atomically
from f1studio.project.errors import ProjectSaveError
from f1studio.project.f1s import load_project, save_project
from tests.project.conftest import assert_same_document, full_document

ROOT = Path(__file__).resolve().parents[2]

# A slow writer: writes 1 MiB, says so, then waits for a line on stdin (or to be killed).
_SLOW_WRITER = """
import sys
from f1studio.project.atomic import write_atomically

def write(fh):
    fh.write(b"x" * 2**20)
    fh.flush()
    print("writing", flush=True)
    sys.stdin.readline()
    fh.write(b"done")

write_atomically(sys.argv[1], write)
print("saved", flush=True)
"""


def _start_slow_writer(path: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    return proc


def _temporaries(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f".{path.name}.*.tmp"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return save_project(full_document(seed=1), tmp_path / "work.f1s")


@pytest.mark.parametrize("next_step", ["open", "save"])
def test_a_save_killed_mid_way_leaves_nothing_after_the_next_open_or_save(
    project: Path, next_step: str
) -> None:
    seen: set[Path] = set()
    for _ in range(3):  # each save first removes what the previous killed one left
        writer = _start_slow_writer(project)
        writer.send_signal(signal.SIGKILL)
        assert writer.wait(timeout=30) == -signal.SIGKILL
        leftovers = _temporaries(project)
        assert len(leftovers) == 1 and leftovers[0].stat().st_size == 2**20
        seen.add(leftovers[0])
    assert len(seen) == 3
    if next_step == "open":
        assert_same_document(full_document(seed=1), load_project(project))
    else:
        save_project(full_document(seed=2), project)
        assert_same_document(full_document(seed=2), load_project(project))
    assert [p.name for p in project.parent.iterdir()] == ["work.f1s"]


def test_a_live_save_keeps_its_temporary_file(project: Path) -> None:
    writer = _start_slow_writer(project)
    try:
        live = _temporaries(project)
        assert len(live) == 1
        load_project(project)  # another window opens the project meanwhile
        save_project(full_document(seed=3), project)  # and saves it
        assert remove_stale_temporaries(project) == []
        assert _temporaries(project) == live
    finally:
        assert writer.stdin is not None and writer.stdout is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
        assert writer.stdout.readline().strip() == "saved"
        assert writer.wait(timeout=30) == 0
    assert project.read_bytes() == b"x" * 2**20 + b"done"  # the live save completed
    assert _temporaries(project) == []


def test_only_this_projects_temporary_files_are_touched(project: Path) -> None:
    folder = project.parent
    others = [
        ".work.f1s.notes.tmp",  # not 12 hex digits: not ours
        ".other.f1s.0123456789ab.tmp",  # another project's
        "work.f1s.0123456789ab.tmp",  # not hidden
        ".work.f1s.0123456789ab.tmp.bak",
    ]
    for name in others:
        (folder / name).write_bytes(b"keep me")
    stale = folder / ".work.f1s.0123456789ab.tmp"
    stale.write_bytes(b"stale")
    assert remove_stale_temporaries(project) == [stale]
    assert sorted(p.name for p in folder.iterdir()) == sorted([*others, "work.f1s"])


def test_a_symlinked_project_is_cleaned_where_it_is_written(tmp_path: Path) -> None:
    real = save_project(full_document(), tmp_path / "real.f1s")
    link = tmp_path / "link.f1s"
    link.symlink_to(real)
    stale = tmp_path / ".real.f1s.00000000000a.tmp"
    stale.write_bytes(b"stale")
    load_project(link)
    assert not stale.exists() and link.is_symlink()


def test_without_flock_only_old_temporary_files_are_stale(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(atomic, "fcntl", None)
    old = project.parent / ".work.f1s.aaaaaaaaaaaa.tmp"
    fresh = project.parent / ".work.f1s.bbbbbbbbbbbb.tmp"
    for path in (old, fresh):
        path.write_bytes(b"x")
    hours_ago = time.time() - 2 * atomic.STALE_AGE_S
    os.utime(old, (hours_ago, hours_ago))
    assert remove_stale_temporaries(project) == [old]
    assert fresh.exists()
    save_project(full_document(seed=4), project)  # writing works without the lock too
    assert_same_document(full_document(seed=4), load_project(project))


def test_a_temporary_file_removed_before_its_writer_locked_it_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window between creating and locking: a cleaner that removes the new file there
    makes the writer start again with a fresh one, not write into a deleted file."""
    real_flock = atomic.fcntl.flock
    target = tmp_path / "race.bin"
    created: list[Path] = []

    class RacingFcntl:
        LOCK_EX, LOCK_NB = atomic.fcntl.LOCK_EX, atomic.fcntl.LOCK_NB

        @staticmethod
        def flock(fd: int, op: int) -> None:
            if not created:
                created.extend(_temporaries(target))
                remove_stale_temporaries(target)  # the cleaner wins the race once
            real_flock(fd, op)

    monkeypatch.setattr(atomic, "fcntl", RacingFcntl)
    write_atomically(target, lambda fh: fh.write(b"content"))
    assert len(created) == 1 and not created[0].exists()
    assert target.read_bytes() == b"content"
    assert [p.name for p in tmp_path.iterdir()] == ["race.bin"]


def test_disk_full_on_a_new_file_does_not_speak_of_a_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", full)  # the first member fails
    path = tmp_path / "new.f1s"
    with pytest.raises(ProjectSaveError) as info:
        save_project(full_document(), path)
    assert (
        str(info.value) == "Could not save 'new.f1s': No space left on device. No file was created."
    )
    assert list(tmp_path.iterdir()) == []
