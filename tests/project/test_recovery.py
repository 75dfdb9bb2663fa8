"""Recovery copies: only the work of sessions that ended without cleaning up is offered."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from f1studio.project.f1s import load_project, save_project
from f1studio.project.recovery import RecoverySession, copies_of, find_copy, orphaned_copies
from f1studio.project.snapshot import ProjectSnapshot
from tests.project.conftest import assert_same_document, full_document


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "recovery"


def _write(session: RecoverySession, seed: int, original: Path | None = None) -> None:
    doc = full_document(seed=seed)
    session.write(ProjectSnapshot.take(doc, "copy.f1s"), original, "Untitled")


def test_a_running_session_is_not_offered_and_a_dead_one_is(folder: Path) -> None:
    session = RecoverySession(folder)
    _write(session, seed=1)
    assert orphaned_copies(folder) == []  # its window still runs
    session.close(keep=True)  # as after SIGTERM; a crash leaves the same files, lock free
    (copy,) = orphaned_copies(folder)
    assert copy.session == session.session and copy.original is None and copy.layers == 6
    assert_same_document(load_project(copy.path), full_document(seed=1))
    assert find_copy(session.session, folder) == copy


def test_a_normal_close_and_a_discard_leave_nothing(folder: Path) -> None:
    first = RecoverySession(folder)
    _write(first, seed=1)
    first.close(keep=False)
    second = RecoverySession(folder)
    _write(second, seed=2)
    second.discard()
    second.close(keep=True)
    assert orphaned_copies(folder) == []
    assert sorted(p.name for p in folder.iterdir()) == []


def test_copies_of_a_project_are_those_newer_than_its_file(folder: Path, tmp_path: Path) -> None:
    project = save_project(full_document(seed=0), tmp_path / "work.f1s")
    session = RecoverySession(folder)
    _write(session, seed=3, original=project)
    session.close(keep=True)
    (copy,) = copies_of(project, folder)
    assert copy.original == project and copy.name == "work.f1s"
    later = time.time() + 60  # the project was saved again after the copy was written
    os.utime(project, (later, later))
    assert copies_of(project, folder) == []
    assert copies_of(tmp_path / "other.f1s", folder) == []


def test_adopting_a_copy_moves_it_to_the_new_session(folder: Path) -> None:
    crashed = RecoverySession(folder)
    _write(crashed, seed=4)
    crashed.close(keep=True)
    (copy,) = orphaned_copies(folder)
    session = RecoverySession(folder)
    session.adopt(copy)
    assert orphaned_copies(folder) == []  # now owned by a live session
    assert_same_document(load_project(session.copy_path), full_document(seed=4))
    session.close(keep=True)
    assert [c.session for c in orphaned_copies(folder)] == [session.session]


def test_a_copy_without_its_description_is_still_offered(folder: Path) -> None:
    session = RecoverySession(folder)
    _write(session, seed=5)
    session.copy_path.with_suffix(".json").write_text("{not json")
    session.close(keep=True)
    (copy,) = orphaned_copies(folder)
    assert copy.title == "Untitled" and copy.original is None
    assert abs(copy.saved_at - session.copy_path.stat().st_mtime) < 1
