"""Saving again re-encodes only the layers whose pixels changed, and the file stays exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from f1studio.document.document import Document
from f1studio.project import snapshot
from f1studio.project.errors import ProjectSaveError
from f1studio.project.f1s import LayerPngCache, ProjectSnapshot, load_project, save_project
from tests.project.conftest import assert_same_document, full_document


@pytest.fixture
def encoded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts PNG encodings (one per layer written without a current cached PNG)."""
    calls: list[int] = []
    real = snapshot.encode_png

    def counting(pixels: np.ndarray) -> bytes:
        calls.append(1)
        return real(pixels)

    monkeypatch.setattr(snapshot, "encode_png", counting)
    return calls


def _save(doc: Document, path: Path, cache: LayerPngCache, encoded: list[int]) -> int:
    encoded.clear()
    save_project(doc, path, cache)
    assert_same_document(load_project(path), doc)
    return len(encoded)


def test_only_changed_layers_are_encoded(tmp_path: Path, encoded: list[int]) -> None:
    doc = full_document(seed=1)
    cache = LayerPngCache()
    path = tmp_path / "work.f1s"
    assert _save(doc, path, cache, encoded) == 8  # 6 layers and 2 results
    assert _save(doc, path, cache, encoded) == 0  # nothing changed
    doc.paint_disc("p-1", 10, 10, 5, (255, 0, 0, 255))
    assert _save(doc, path, cache, encoded) == 1
    doc.set_layer_property("e", "weight", 1.5)  # metadata only: no pixels to encode
    assert _save(doc, path, cache, encoded) == 0
    doc.undo()  # the weight
    doc.undo()  # the dab: the layer's pixels change back
    assert _save(doc, path, cache, encoded) == 1
    doc.duplicate_layer("region_1")
    assert _save(doc, path, cache, encoded) == 1  # the copy is a new layer
    doc.resize_canvas(128, 96)  # every layer's array is replaced (results stay as they were)
    assert _save(doc, path, cache, encoded) == 7
    doc.undo()  # the original arrays return, but the cache no longer holds their PNGs
    assert _save(doc, path, cache, encoded) == 7


def test_a_stroke_in_progress_is_never_cached(tmp_path: Path, encoded: list[int]) -> None:
    """An autosave taken mid-stroke writes the pixels of that moment, but a cancelled stroke
    must not leave them in the cache for the next save."""
    doc = full_document(seed=2)
    cache = LayerPngCache()
    doc.paint_disc("p-1", 10, 10, 5, (0, 255, 0, 255))  # a committed change: not cached yet
    stroke = doc.begin_stroke("p-1")
    stroke.disc(30, 30, 8, (0, 0, 255, 255), 1.0, 1.0)
    mid = ProjectSnapshot.take(doc, "x.f1s", cache)
    mid.write(tmp_path / "mid.f1s")
    mid.remember(cache)
    doc.end_stroke(stroke, cancel=True)
    assert len(cache) == 0
    path = tmp_path / "after.f1s"
    save_project(doc, path, cache)
    assert_same_document(load_project(path), doc)


def test_snapshot_is_independent_of_later_edits(tmp_path: Path) -> None:
    """What a snapshot writes is the document at the moment it was taken."""
    doc = full_document(seed=3)
    taken = ProjectSnapshot.take(doc, "x.f1s", LayerPngCache())
    expected = doc.clone()
    doc.paint_rect("p-1", 0, 0, 64, 96, (9, 9, 9, 255))
    doc.set_prompt("changed")
    taken.write(tmp_path / "x.f1s")
    assert_same_document(load_project(tmp_path / "x.f1s"), expected)


def test_opening_fills_the_cache(tmp_path: Path, encoded: list[int]) -> None:
    """A project opened and saved again unchanged encodes nothing; one edit, one layer."""
    path = save_project(full_document(seed=4), tmp_path / "work.f1s")
    cache = LayerPngCache()
    doc = load_project(path, cache)
    assert _save(doc, path, cache, encoded) == 0
    doc.paint_disc("region_1", 20, 20, 6, 255)
    assert _save(doc, path, cache, encoded) == 1
    assert_same_document(load_project(path), doc)


def test_saving_refuses_what_could_not_be_opened_again(tmp_path: Path) -> None:
    doc = full_document(seed=5)
    doc.set_prompt("word " * 3000)  # over the 10 000 characters a project may hold
    with pytest.raises(ProjectSaveError, match="prompt.*Nothing was written"):
        save_project(doc, tmp_path / "long.f1s")
    assert not (tmp_path / "long.f1s").exists()


def test_a_layer_whose_id_looks_like_a_stand_in_name_keeps_its_own_image(tmp_path: Path) -> None:
    """Layer 5's id is unsafe, so its image gets the stand-in name layers/layer-0004.png; a
    layer whose real id is 'layer-0004' must not share that member."""
    doc = full_document(seed=6)
    doc.layer("p-1").id = "layer-0004"
    path = save_project(doc, tmp_path / "ids.f1s")
    assert_same_document(load_project(path), doc)
