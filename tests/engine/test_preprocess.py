"""Guide extraction: Canny edges and Depth Anything depth maps (tiny random-weight model)."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from skimage import data

from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.preprocess import canny_edges, estimate_depth, unload_depth_estimator
from f1studio.testing.tiny_depth import build_tiny_depth_estimator


# ---- Canny ----------------------------------------------------------------------------------
@pytest.mark.parametrize("photo", [data.astronaut, data.coffee, data.chelsea])
def test_canny_is_binary_uint8_at_input_size(photo) -> None:
    image = photo()
    edges = canny_edges(image)
    assert edges.shape == image.shape[:2]
    assert edges.dtype == np.uint8
    assert set(np.unique(edges)) <= {0, 255}
    assert 0 < np.count_nonzero(edges) < edges.size // 2


def test_lower_thresholds_find_more_edges() -> None:
    image = data.astronaut()
    loose = np.count_nonzero(canny_edges(image, 30, 80))
    strict = np.count_nonzero(canny_edges(image, 200, 400))
    assert loose > strict * 1.5


def test_white_square_edges_lie_on_its_border() -> None:
    image = np.zeros((128, 128, 3), np.uint8)
    image[32:96, 32:96] = 255
    edges = canny_edges(image)
    near_border = np.zeros((128, 128), bool)
    near_border[30:98, 30:98] = True
    near_border[34:94, 34:94] = False
    assert np.count_nonzero(edges) > 4 * 50
    assert not edges[~near_border].any(), "edges only along the square's border"
    for side in (
        edges[30:34, 40:88],
        edges[94:98, 40:88],
        edges[40:88, 30:34],
        edges[40:88, 94:98],
    ):
        assert side.any()


def test_rgba_is_composited_over_white() -> None:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (64, 64, 4), dtype=np.uint8)
    image[..., 3] = 0
    assert not canny_edges(image).any()
    yy, xx = np.mgrid[:64, :64]
    disc = (yy - 32) ** 2 + (xx - 30) ** 2 < 15**2  # a cut-out keeps its silhouette
    image[disc] = (0, 0, 0, 255)
    image[..., :3][image[..., 3] == 0] = 255
    gray = canny_edges(np.ascontiguousarray(image[..., 0]))
    assert gray.any() and np.array_equal(canny_edges(image), gray)


def test_the_rim_of_a_photo_fitted_into_the_canvas_is_not_an_edge() -> None:
    """A photo smaller than the canvas, fitted with empty padding above and below: its border
    with the white behind it is no edge of the photo; the edges inside it are kept."""
    photo = np.zeros((128, 128, 4), np.uint8)
    photo[20:100, :, :3] = 30
    photo[20:100, :, 3] = 255
    photo[50:70, 50:80, :3] = 220  # a bright shape in the photo
    edges = canny_edges(photo)
    assert not edges[17:24, :].any() and not edges[96:103, :].any()
    assert edges[48:72, 48:82].any()
    opaque = photo.copy()  # the same picture painted with its white bands: the line is real
    opaque[:20, :, :3] = opaque[100:, :, :3] = 255
    opaque[..., 3] = 255
    assert canny_edges(opaque)[17:24, :].any()


@pytest.mark.parametrize(("low", "high"), [(200, 100), (100, 100), (-1, 50), (10, 1001)])
def test_bad_thresholds_raise(low: int, high: int) -> None:
    with pytest.raises(ValueError, match="0 <= low < high <= 1000"):
        canny_edges(data.astronaut(), low, high)


def test_bad_image_raises() -> None:
    with pytest.raises(ValueError, match="uint8"):
        canny_edges(np.zeros((8, 8, 3), np.float32))
    with pytest.raises(ValueError, match="shape"):
        canny_edges(np.zeros((8, 8, 2), np.uint8))


# ---- depth ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_depth(tiny_models: dict[str, Path]) -> Iterator[Path]:
    yield tiny_models["depth-estimator"]  # build_tiny_depth_estimator(seed=0)
    unload_depth_estimator()


def test_tiny_estimator_is_deterministic_and_safetensors(tmp_path: Path) -> None:
    a = build_tiny_depth_estimator(tmp_path / "a", seed=3)
    b = build_tiny_depth_estimator(tmp_path / "b", seed=3)
    c = build_tiny_depth_estimator(tmp_path / "c", seed=4)
    assert {p.name for p in a.iterdir()} == {
        "config.json",
        "model.safetensors",
        "preprocessor_config.json",
    }
    from safetensors.numpy import load_file

    wa, wb, wc = (load_file(str(x / "model.safetensors")) for x in (a, b, c))
    assert wa.keys() == wb.keys() == wc.keys()
    assert all(np.array_equal(wa[k], wb[k]) for k in wa)
    assert not all(np.array_equal(wa[k], wc[k]) for k in wa)


def test_depth_of_photo_is_normalised_uint8_at_input_size(tiny_depth: Path) -> None:
    image = data.astronaut()
    depth = estimate_depth(image, str(tiny_depth))
    assert depth.shape == image.shape[:2]
    assert depth.dtype == np.uint8
    assert depth.min() == 0 and depth.max() == 255
    assert len(np.unique(depth)) > 32


@pytest.mark.parametrize("photo", [data.coffee, data.chelsea])
def test_depth_keeps_non_square_sizes(tiny_depth: Path, photo) -> None:
    image = photo()
    assert image.shape[0] != image.shape[1]
    assert estimate_depth(image, str(tiny_depth)).shape == image.shape[:2]


def test_depth_is_deterministic(tiny_depth: Path) -> None:
    image = data.astronaut()
    first = estimate_depth(image, str(tiny_depth))
    unload_depth_estimator()
    assert np.array_equal(first, estimate_depth(image, str(tiny_depth)))
    assert np.array_equal(first, estimate_depth(image, str(tiny_depth)))


def test_depth_accepts_rgba_and_gray(tiny_depth: Path) -> None:
    rgb = data.chelsea()
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    assert np.array_equal(
        estimate_depth(rgba, str(tiny_depth)), estimate_depth(rgb, str(tiny_depth))
    )
    gray = data.camera()
    assert estimate_depth(gray, str(tiny_depth)).shape == gray.shape


def test_depth_estimator_is_cached(tiny_depth: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import transformers

    estimate_depth(data.astronaut(), str(tiny_depth))

    def refuse(*args, **kwargs):
        raise AssertionError("the cached estimator should be reused")

    monkeypatch.setattr(transformers.AutoModelForDepthEstimation, "from_pretrained", refuse)
    estimate_depth(data.coffee(), str(tiny_depth))


def test_missing_hub_model_offline_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model = "f1studio-tests/no-such-depth-model"
    with pytest.raises(EngineError) as info:
        estimate_depth(data.astronaut(), model, allow_network=True)
    err = info.value
    assert err.kind in (ErrorKind.OFFLINE, ErrorKind.MODEL_NOT_FOUND)
    assert model in err.message
    assert f"huggingface-cli download {model}" in err.message
    assert "--depth-model" in err.message
    assert "\n" not in err.message


def test_missing_folder_is_model_not_found(tmp_path: Path) -> None:
    with pytest.raises(EngineError) as info:
        estimate_depth(data.astronaut(), str(tmp_path / "nowhere" / "depth"))
    assert info.value.kind is ErrorKind.MODEL_NOT_FOUND


@pytest.mark.parametrize("layout", ["empty", "garbage", "not-json", "not-depth"])
def test_folder_that_is_not_a_depth_model_is_invalid(tmp_path: Path, layout: str) -> None:
    folder = tmp_path / layout
    folder.mkdir()
    if layout == "garbage":
        (folder / "config.json").write_text("{}")
        (folder / "model.safetensors").write_bytes(b"\x00garbage" * 64)
    elif layout == "not-json":
        (folder / "config.json").write_text("{not json")
        (folder / "model.safetensors").write_bytes(b"garbage")
    elif layout == "not-depth":
        (folder / "config.json").write_text(json.dumps({"model_type": "bert"}))
        (folder / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(EngineError) as info:
        estimate_depth(data.astronaut(), str(folder))
    assert info.value.kind is ErrorKind.MODEL_INVALID
    assert layout in info.value.message
    assert "\n" not in info.value.message


@pytest.mark.parametrize("damage", ["truncated-weights", "no-processor"])
def test_damaged_depth_model_folder_is_invalid(
    tiny_depth: Path, tmp_path: Path, damage: str
) -> None:
    folder = tmp_path / damage
    shutil.copytree(tiny_depth, folder)
    if damage == "truncated-weights":
        weights = folder / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[:1000])
    else:
        (folder / "preprocessor_config.json").unlink()
    with pytest.raises(EngineError) as info:
        estimate_depth(data.astronaut(), str(folder))
    assert info.value.kind is ErrorKind.MODEL_INVALID
    assert damage in info.value.message
    assert "\n" not in info.value.message and len(info.value.message) < 300


def test_pickle_only_folder_is_not_loaded(
    tiny_depth: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch
    from safetensors.torch import load_file

    folder = tmp_path / "bin-only"
    folder.mkdir()
    for name in ("config.json", "preprocessor_config.json"):
        shutil.copy(tiny_depth / name, folder / name)
    torch.save(load_file(str(tiny_depth / "model.safetensors")), folder / "pytorch_model.bin")

    def refuse(*args, **kwargs):
        raise AssertionError("pickle weights must never be loaded")

    monkeypatch.setattr(torch, "load", refuse)
    with pytest.raises(EngineError) as info:
        estimate_depth(data.astronaut(), str(folder))
    assert info.value.kind is ErrorKind.UNSAFE_WEIGHTS
    assert "safetensors" in info.value.message


def test_importing_preprocess_does_not_import_torch() -> None:
    import subprocess

    code = (
        "import sys, f1studio.engine.preprocess;"
        "bad = [m for m in ('torch', 'transformers') if m in sys.modules];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
