"""Shared helpers for the project tests: a document that exercises every field."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pytest

from f1studio.document.document import Document
from f1studio.document.layers import Layer, LayerKind
from f1studio.document.results import ResultHistory, ResultRecord
from f1studio.document.settings import GenerationSettings, ModelChoice, SeedMode


def full_document(
    seed: int = 0, width: int = 96, height: int = 64, with_results: bool = True
) -> Document:
    """All six layer kinds with random pixels; every property and setting off its default.

    Layer ids are fixed, so the same seed gives the same document in any process.
    """
    rng = np.random.default_rng(seed)

    def rgba() -> np.ndarray:
        return rng.integers(0, 256, (height, width, 4), dtype=np.uint8)

    def grey() -> np.ndarray:
        return rng.integers(0, 256, (height, width), dtype=np.uint8)

    paint = rgba()
    paint[0, :, 3] = 0  # fully transparent pixels keep their colour values
    layers = [
        Layer(LayerKind.REFERENCE, rgba(), name="Photo ✓", opacity=0.25, locked=True, id="ref"),
        Layer(LayerKind.PAINT, paint, name="Sketch", visible=False, opacity=0.5, id="p-1"),
        Layer(
            LayerKind.REGION,
            grey(),
            name="Sky",
            prompt="a stormy sky, café au lait clouds 🌩",
            negative_prompt="sun\nbirds",
            weight=1.25,
            id="region_1",
        ),
        Layer(
            LayerKind.EDGE, grey(), weight=0.8, start=0.1, end=0.9, curve=(1.0, 0.5, 0.0), id="e"
        ),
        Layer(LayerKind.DEPTH, grey(), weight=1.6, start=0.2, end=0.7, id="../../etc/passwd"),
        Layer(
            LayerKind.INPAINT, grey(), strength=0.75, feather=3, locked=True, visible=False, id="in"
        ),
    ]
    settings = GenerationSettings(
        scheduler="euler-a",
        steps=37,
        guidance_scale=5.5,
        seed=123_456_789_000 + seed,
        seed_mode=SeedMode.RANDOM,
        strength=0.65,
        batch_count=3,
        models=ModelChoice(
            base="runwayml/stable-diffusion-v1-5",
            controlnets={
                "edge": "/models/canny.safetensors",
                "depth": "lllyasviel/control_v11f1p_sd15_depth",
            },
            depth_estimator="Intel/dpt-hybrid-midas",
        ),
    )
    history = ResultHistory(limit=12 if with_results else 50)
    for n in range(2 if with_results else 0):
        request = {"prompt": f"result {n} ✓", "seed": seed + n, "steps": 9, "model": None}
        image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        history.add(
            ResultRecord(image, request, created=1_764_000_000.5 + n, id=f"res{seed}x{n}"),
            applied_layer="p-1" if n == 0 else None,
        )
    return Document(
        width,
        height,
        prompt=f"a lighthouse at dusk, seed {seed}\nsecond line",
        negative_prompt="blurry, 低质量",
        settings=settings,
        layers=layers,
        results=history,
    )


def assert_same_document(a: Document, b: Document) -> None:
    assert (a.width, a.height) == (b.width, b.height)
    assert (a.prompt, a.negative_prompt) == (b.prompt, b.negative_prompt)
    assert a.settings == b.settings
    assert a.settings.to_dict() == b.settings.to_dict()
    assert [la.id for la in a.layers] == [lb.id for lb in b.layers]
    for la, lb in zip(a.layers, b.layers, strict=True):
        assert la.kind == lb.kind
        assert la.properties() == lb.properties()
        assert la.data.dtype == lb.data.dtype and la.data.shape == lb.data.shape
        assert np.array_equal(la.data, lb.data)
    assert a.results.limit == b.results.limit
    assert [r.id for r in a.results] == [r.id for r in b.results]
    for ra, rb in zip(a.results, b.results, strict=True):
        assert (ra.request, ra.created) == (rb.request, rb.created)
        assert np.array_equal(ra.image, rb.image)
        assert a.results.applied_layer(ra.id) == b.results.applied_layer(rb.id)


def fingerprint(doc: Document) -> str:
    """A digest of everything saved, to tell documents apart cheaply."""
    h = hashlib.sha256()
    h.update(repr((doc.width, doc.height, doc.prompt, doc.negative_prompt)).encode())
    h.update(repr(doc.settings.to_dict()).encode())
    for layer in doc.layers:
        h.update(repr((layer.id, layer.kind, sorted(layer.properties().items()))).encode())
        h.update(layer.data.tobytes())
    for record in doc.results:
        h.update(repr((record.id, record.request)).encode())
        h.update(record.image.tobytes())
    return h.hexdigest()


def snapshot_dir(directory: Path) -> dict[str, str]:
    """Every file below ``directory`` with a digest of its bytes."""
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def read_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


@pytest.fixture
def doc() -> Document:
    return full_document()
