"""The hostile corpus (tests/project/hostile_corpus.py) through the loader and the importer:
each file opens or gives one line naming it, nothing else escapes, nothing is written beside
it, and the amplification cases stay within bounded memory (measured in a child process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from f1studio.project import errors
from f1studio.project.f1s import load_project
from f1studio.project.imports import load_image_rgba
from tests.project.conftest import snapshot_dir
from tests.project.hostile_corpus import (
    IMAGE_COUNT,
    PROJECT_COUNT,
    Case,
    image_cases,
    project_cases,
    write_corpus,
)

ROOT = Path(__file__).resolve().parents[2]
PEAK_LIMIT_MB = 600
PROJECTS = project_cases()
IMAGES = image_cases()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    write_corpus(folder)
    return folder


def _outcome(load: object, path: Path, error: type[Exception]) -> str:
    """'opened', or the one-line message of ``error`` (anything else fails the test)."""
    try:
        load(path)  # type: ignore[operator]
    except error as exc:
        message = str(exc)
        assert message and "\n" not in message, repr(message)
        assert f"'{path.name}'" in message or "newer F1 Studio" in message, message
        return message
    return "opened"


@pytest.mark.parametrize("case", PROJECTS, ids=lambda c: c.name)
def test_every_hostile_project_opens_or_gives_one_line(corpus: Path, case: Case) -> None:
    path = corpus / "projects" / f"{case.name}.f1s"
    before = snapshot_dir(corpus)
    outcome = _outcome(load_project, path, errors.ProjectError)
    assert (outcome == "opened") == case.opens, outcome
    assert snapshot_dir(corpus) == before  # nothing extracted, nothing changed


@pytest.mark.parametrize("case", IMAGES, ids=lambda c: c.name)
def test_every_hostile_image_imports_or_gives_one_line(corpus: Path, case: Case) -> None:
    path = corpus / "images" / case.name
    outcome = _outcome(load_image_rgba, path, errors.ImageImportError)
    assert (outcome == "opened") == case.opens, outcome


def test_the_corpus_counts(corpus: Path) -> None:
    assert len(PROJECTS) == PROJECT_COUNT == 56 and len(IMAGES) == IMAGE_COUNT == 17
    assert len(list((corpus / "projects").iterdir())) == PROJECT_COUNT
    assert len(list((corpus / "images").iterdir())) == IMAGE_COUNT
    assert sum(case.opens for case in PROJECTS) == 3
    assert sum(case.opens for case in IMAGES) == 5


_CHILD = """
import json, resource, sys
from f1studio.project.errors import ImageImportError, ProjectError
from f1studio.project.f1s import load_project
from f1studio.project.imports import load_image_rgba
load = load_project if sys.argv[1].endswith(".f1s") else load_image_rgba
try:
    load(sys.argv[1])
    outcome = "opened"
except (ProjectError, ImageImportError) as exc:
    outcome = type(exc).__name__
try:  # this process's own high-water mark (Linux)
    with open("/proc/self/status") as status:
        line = next(x for x in status if x.startswith("VmHWM:"))
    peak = int(line.split()[1]) / 1024
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"outcome": outcome, "peak_mb": peak}))
"""


def _peak(path: Path) -> dict[str, object]:
    """Load ``path`` in a fresh interpreter capped at 2 GB: its outcome and peak memory.

    The peak is the child's VmHWM: Linux carries the *parent's* peak into a child's
    ``ru_maxrss`` across fork and exec, so after a long test run that figure would be the
    test runner's own size. ``ru_maxrss`` is the fallback elsewhere.
    """
    cap = 2 * 2**30
    code = f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))\n" + _CHILD
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


AMPLIFICATION = [case for case in PROJECTS + IMAGES if case.amplification]


@pytest.mark.parametrize("case", AMPLIFICATION, ids=lambda c: c.name)
def test_amplification_cases_are_refused_in_bounded_memory(corpus: Path, case: Case) -> None:
    """Before the bounds, '200-layers-share-one-png' (1.4 KB) peaked at 3.3 GB and
    '1000-layers' (3.6 KB) ran out of a 6 GB cap; now each is refused before decoding."""
    group = "projects" if case in PROJECTS else "images"
    path = corpus / group / (f"{case.name}.f1s" if group == "projects" else case.name)
    assert path.stat().st_size < 2**20  # small files...
    result = _peak(path)
    assert result["outcome"] != "opened"
    assert isinstance(result["peak_mb"], float) and result["peak_mb"] < PEAK_LIMIT_MB, result
