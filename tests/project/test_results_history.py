"""The generation history is saved with the project, capped, and checked like everything else."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from f1studio.document.results import ResultHistory, ResultRecord
from f1studio.project import errors
from f1studio.project.f1s import MANIFEST_NAME, load_project, save_project
from tests.project.conftest import assert_same_document, full_document, read_members, write_zip


def _record(n: int, size: tuple[int, int] = (64, 96)) -> ResultRecord:
    image = np.full((*size, 3), n, np.uint8)
    return ResultRecord(image, {"prompt": f"r{n}", "seed": n}, id=f"r{n}")


def test_history_survives_save_and_open(tmp_path: Path) -> None:
    doc = full_document(seed=3)
    doc.results.add(_record(7, size=(32, 48)))  # rendered before the canvas was resized
    loaded = load_project(save_project(doc, tmp_path / "h.f1s"))
    assert_same_document(loaded, doc)
    assert [r.label for r in loaded.results][-1] == "r7 (seed 7)"
    assert loaded.results.applied_layer("res3x0") == "p-1"


def test_the_oldest_results_go_first_when_the_cap_is_reached() -> None:
    history = ResultHistory(limit=3)
    changes: list[int] = []
    history.on_change = lambda: changes.append(1)
    dropped = [history.add(_record(n)) for n in range(5)]
    assert [r.id for r in history] == ["r2", "r3", "r4"]
    assert [[r.id for r in d] for d in dropped] == [[], [], [], ["r0"], ["r1"]]
    assert [r.id for r in history.set_limit(1)] == ["r2", "r3"]
    assert len(changes) == 6
    with pytest.raises(ValueError, match="0..500"):
        history.set_limit(501)


def test_history_changes_are_not_undo_steps_but_are_changes() -> None:
    doc = full_document()
    seen = []
    doc.subscribe(lambda d, change: seen.append(change.kind.value))
    before = (doc.revision, doc.history.labels)
    doc.results.add(_record(1))
    doc.results.remove("r1")
    assert seen == ["results", "results"]
    assert doc.revision == before[0] + 2 and doc.history.labels == before[1]


def _with(tmp_path: Path, change, extra: dict[str, bytes] | None = None) -> Path:  # noqa: ANN001
    members = read_members(save_project(full_document(), tmp_path / "ok.f1s"))
    manifest = json.loads(members[MANIFEST_NAME])
    change(manifest)
    members[MANIFEST_NAME] = json.dumps(manifest).encode()
    return write_zip(tmp_path / "bad.f1s", {**members, **(extra or {})})


def _png(width: int, height: int, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, format="PNG", compress_level=9)
    return out.getvalue()


@pytest.mark.parametrize(
    ("change", "extra", "error", "message"),
    [
        (
            lambda m: m["results"].update(limit=1),
            None,
            errors.ManifestError,
            "results.items holds 2 results; its limit is 1",
        ),
        (
            lambda m: m["results"]["items"][0].update(file="layers/p-1.png"),
            None,
            errors.ManifestError,
            "results.items[0].file must be 'results/res0x0.png'",
        ),
        (
            lambda m: m["results"]["items"][1]["request"].update(seed="12"),
            None,
            errors.ManifestError,
            "results.items[1].request.seed must be a whole number",
        ),
        (
            lambda m: None,
            {"results/res0x1.png": _png(4096, 4096)},
            errors.LayerImageError,
            "expected an RGB picture of at most 2048x2048",
        ),
        (
            lambda m: None,
            {"results/res0x1.png": _png(96, 64, "RGBA")},
            errors.LayerImageError,
            "is 96x64 RGBA, expected an RGB picture",
        ),
    ],
)
def test_a_bad_history_gives_one_line(tmp_path, change, extra, error, message) -> None:  # noqa: ANN001
    path = _with(tmp_path, change, extra)
    with pytest.raises(error) as info:
        load_project(path)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_results_share_the_memory_budget_of_the_layers(tmp_path: Path) -> None:
    """128 canvases of pixels in all: 6 layers leave room for about 165 RGB results, so 200
    full-size results are refused from their PNG headers, before any is decoded."""
    items, extra = [], {}
    png = _png(96, 64)
    for n in range(200):
        items.append({"id": f"x{n}", "file": f"results/x{n}.png", "request": {}})
        extra[f"results/x{n}.png"] = png
    path = _with(tmp_path, lambda m: m.update(results={"limit": 500, "items": items}), extra)
    with pytest.raises(errors.ProjectTooLargeError, match="results would need more memory"):
        load_project(path)
