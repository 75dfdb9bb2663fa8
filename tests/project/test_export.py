"""PNG export: AUTOMATIC1111-style parameters plus the full request, written atomically."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata

from f1studio.engine.request import (
    SCHEDULER_LABELS,
    SCHEDULERS,
    ControlKind,
    ControlSpec,
    GenerationRequest,
    Pixels,
    RegionSpec,
)
from f1studio.project import f1s
from f1studio.project.errors import ExportError, ImageImportError
from f1studio.project.export import (
    PARAMETERS_KEY,
    REQUEST_KEY,
    export_png,
    format_parameters,
    read_png_parameters,
)

SIZE = 512


def _request(**changes: object) -> GenerationRequest:
    base = GenerationRequest(
        prompt="a lighthouse at dusk",
        negative_prompt="blurry",
        steps=25,
        guidance_scale=7.5,
        seed=42,
        width=SIZE,
        height=SIZE,
    )
    return base.with_changes(**changes)


def _init() -> Pixels:
    return Pixels.of(np.zeros((SIZE, SIZE, 3), np.uint8))


def test_parameters_text_matches_automatic1111_example() -> None:
    request = _request(strength=0.6, init_image=_init())
    assert format_parameters(request, "dreamshaper_8") == (
        "a lighthouse at dusk\n"
        "Negative prompt: blurry\n"
        "Steps: 25, Sampler: DPM++ 2M, CFG scale: 7.5, Seed: 42, Size: 512x512, "
        "Model: dreamshaper_8, Denoising strength: 0.6"
    )


def test_optional_fields_are_left_out() -> None:
    text = format_parameters(_request(negative_prompt="", guidance_scale=7.0))
    assert (
        text
        == "a lighthouse at dusk\nSteps: 25, Sampler: DPM++ 2M, CFG scale: 7, Seed: 42, Size: 512x512"
    )


def test_model_name_defaults_to_the_model_file_name_not_its_path() -> None:
    text = format_parameters(_request(model="/home/me/models/juggernaut_v9.safetensors"))
    assert "Model: juggernaut_v9" in text and "/home" not in text
    assert "Model: chosen," in format_parameters(_request(model="a/b"), "chosen") + ","
    assert "Model: stable-diffusion-v1-5" in format_parameters(
        _request(model="runwayml/stable-diffusion-v1-5")
    )


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_every_scheduler_has_a_sampler_name(scheduler: str) -> None:
    expected = {
        "dpmpp-2m": "DPM++ 2M",
        "dpmpp-2m-karras": "DPM++ 2M Karras",
        "euler": "Euler",
        "euler-a": "Euler a",
        "ddim": "DDIM",
        "flow-euler": "Flow Euler",
        "lcm": "LCM",
        "tcd": "TCD",
        "euler-trailing": "Euler Trailing",
        "adaptive": "DPM adaptive",
    }[scheduler]
    assert SCHEDULER_LABELS[scheduler] == expected
    assert f"Sampler: {expected}," in format_parameters(_request(scheduler=scheduler))


def test_export_round_trip_with_pillow(tmp_path: Path) -> None:
    photo = skdata.astronaut()
    mask = np.zeros((SIZE, SIZE), np.uint8)
    mask[:100] = 255
    request = _request(
        prompt="an astronaut, 宇宙飛行士\nsecond line",
        scheduler="euler-a",
        regions=(RegionSpec(Pixels.of(mask), "sky", weight=0.8),),
        controls=(ControlSpec(ControlKind.EDGE, Pixels.of(mask), curve=(1.0, 0.0)),),
    )
    path = export_png(photo, tmp_path / "out.png", request, "my-model")
    assert path == tmp_path / "out.png"
    chunks = read_png_parameters(path)
    assert chunks == {
        PARAMETERS_KEY: format_parameters(request, "my-model"),
        REQUEST_KEY: request.to_json_text(),
    }
    data = json.loads(chunks[REQUEST_KEY])
    assert data["prompt"] == request.prompt and data["scheduler"] == "euler-a"
    assert data["regions"][0]["mask"] == {"$image": "request.regions.0.mask"}
    with Image.open(path) as image:
        assert image.mode == "RGB"
        assert np.array_equal(np.asarray(image), photo)  # lossless
        text = image.text[PARAMETERS_KEY]  # type: ignore[attr-defined]
        assert text.startswith("an astronaut, 宇宙飛行士\nsecond line\n")


def test_batch_image_records_its_own_seed(tmp_path: Path) -> None:
    request = _request(batch_count=4)
    path = export_png(np.zeros((8, 8, 3), np.uint8), tmp_path / "b.png", request, seed=44)
    chunks = read_png_parameters(path)
    assert "Seed: 44," in chunks[PARAMETERS_KEY]
    stored = json.loads(chunks[REQUEST_KEY])
    assert (stored["seed"], stored["batch_count"]) == (44, 1)


def test_rgba_is_accepted_and_bad_arrays_refused(tmp_path: Path) -> None:
    export_png(np.zeros((8, 8, 4), np.uint8), tmp_path / "a.png", _request())
    with Image.open(tmp_path / "a.png") as image:
        assert image.mode == "RGBA"
    with pytest.raises(ValueError, match="expected an"):
        export_png(np.zeros((8, 8, 3), np.float32), tmp_path / "f.png", _request())
    assert not (tmp_path / "f.png").exists()


def test_failed_export_leaves_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = export_png(np.zeros((8, 8, 3), np.uint8), tmp_path / "r.png", _request())
    before = path.read_bytes()

    def fail(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(f1s.os, "replace", fail)
    with pytest.raises(ExportError) as info:
        export_png(np.ones((8, 8, 3), np.uint8), path, _request(seed=1))
    monkeypatch.undo()
    assert str(info.value) == (
        "Could not export 'r.png': No space left on device. Any previous file is unchanged."
    )
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["r.png"]


def test_read_parameters_of_other_files(tmp_path: Path) -> None:
    Image.new("RGB", (4, 4)).save(tmp_path / "plain.png")
    assert read_png_parameters(tmp_path / "plain.png") == {}
    (tmp_path / "text.png").write_text("hi")
    with pytest.raises(ImageImportError, match="^'text.png' is not a readable PNG file.$"):
        read_png_parameters(tmp_path / "text.png")
    Image.new("RGB", (4, 4)).save(tmp_path / "photo.jpg")
    with pytest.raises(ImageImportError, match="not a readable PNG"):
        read_png_parameters(tmp_path / "photo.jpg")
    with pytest.raises(ImageImportError, match="does not exist"):
        read_png_parameters(tmp_path / "missing.png")


def test_a_results_stored_request_exports_like_the_request(tmp_path):
    """A result's record of its request (what the history keeps) gives the same chunks."""
    from f1studio.document.results import request_record

    request = _request()
    image = np.zeros((SIZE, SIZE, 3), np.uint8)
    direct = export_png(image, tmp_path / "direct.png", request, seed=7)
    stored = export_png(image, tmp_path / "stored.png", request_record(request), seed=7)
    assert read_png_parameters(direct) == read_png_parameters(stored)


def test_a_picture_no_request_rendered_exports_without_parameters(tmp_path: Path) -> None:
    """A sketch (or a result painted over or hidden) gets no settings that did not make it."""
    path = export_png(np.full((8, 8, 3), 200, np.uint8), tmp_path / "sketch.png", None)
    assert read_png_parameters(path) == {}
    assert np.asarray(Image.open(path)).shape == (8, 8, 3)


def test_the_model_is_named_as_users_know_it(tmp_path: Path) -> None:
    """The demo model by its name, a folder model by its folder (not an inner 'pipeline')."""
    from f1studio.demo.model import DEMO_NAME, DEMO_ROOT

    demo = format_parameters(_request(model=str(DEMO_ROOT / "pipeline")))
    assert demo.endswith(f"Model: {DEMO_NAME}") and "pipeline" not in demo
    mine = format_parameters(_request(model=str(tmp_path / "my-model" / "pipeline")))
    assert mine.endswith("Model: my-model")
    assert format_parameters(_request(model="models/realistic")).endswith("Model: realistic")
