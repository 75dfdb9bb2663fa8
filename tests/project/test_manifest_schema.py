"""One schema checks the whole manifest: every bad value is one line naming its field, the
errors that used to escape are project errors, and what a project may cost is bounded."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from f1studio.document.document import Document
from f1studio.document.settings import GenerationSettings, ModelChoice, SeedMode
from f1studio.project import errors
from f1studio.project.f1s import MANIFEST_NAME, load_project, save_project
from f1studio.project.manifest_schema import MAX_LAYERS, MAX_PROMPT_CHARS
from tests.project.conftest import read_members, write_zip
from tests.project.hostile_corpus import big_project, blank_png, paint_entry


@pytest.fixture
def members(tmp_path: Path, doc: Document) -> dict[str, bytes]:
    return read_members(save_project(doc, tmp_path / "valid.f1s"))


def _load_text(tmp_path: Path, members: dict[str, bytes], text: str) -> errors.ProjectError:
    path = write_zip(tmp_path / "p.f1s", {**members, MANIFEST_NAME: text.encode()})
    with pytest.raises(errors.ProjectError) as info:
        load_project(path)
    assert "\n" not in str(info.value) and info.value.path == str(path)
    return info.value


def _manifest_text(members: dict[str, bytes]) -> str:
    return json.dumps(json.loads(members[MANIFEST_NAME]))


def _invalid(reason: str) -> str:
    return f"Cannot open 'p.f1s': its manifest is invalid ({reason})."


# ---- values json.loads accepts but no field does --------------------------------------------
@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (
            '"steps": 37',
            '"steps": Infinity',
            "settings.steps must be a whole number 1..500, not Infinity",
        ),
        ('"steps": 37', '"steps": NaN', "settings.steps must be a whole number 1..500, not NaN"),
        (
            '"steps": 37',
            '"steps": -1e999',
            "settings.steps must be a whole number 1..500, not -1e999",
        ),
        ('"steps": 37', '"steps": "8"', "settings.steps must be a whole number 1..500, not '8'"),
        ('"steps": 37', '"steps": 8.0', "settings.steps must be a whole number 1..500, not 8.0"),
        ('"width": 96', '"width": Infinity', "canvas.width must be a whole number, not Infinity"),
        ('"height": 64', '"height": 64.5', "canvas.height must be a whole number, not 64.5"),
        (
            '"seed": 123456789000',
            '"seed": ' + "7" * 5000,
            "settings.seed must be a whole number 0..2**63-1, not a 5000-digit number",
        ),
        (
            '"guidance_scale": 5.5',
            '"guidance_scale": true',
            "settings.guidance_scale must be a number 1..30, not true",
        ),
        (
            '"auto_steps": false',
            '"auto_steps": 0',
            "settings.auto_steps must be true or false, not 0",
        ),
        (
            '"seed_mode": "random"',
            '"seed_mode": 1',
            "settings.seed_mode must be one of fixed, random, not 1",
        ),
        (
            '"base": "runwayml/stable-diffusion-v1-5"',
            '"base": 5',
            "settings.models.base must be a model name or path (text) or null, not 5",
        ),
        (
            '"depth_estimator": "Intel/dpt-hybrid-midas"',
            '"depth_estimator": ["a"]',
            "settings.models.depth_estimator must be a model name or path (text) or null, not a list",
        ),
        (
            '"edge": "/models/canny.safetensors"',
            '"pose": "/models/canny.safetensors"',
            "settings.models.controlnets has no guide kind 'pose' (known: edge, depth)",
        ),
        (
            '"edge": "/models/canny.safetensors"',
            '"edge": {"path": 1}',
            "settings.models.controlnets.edge must be a model name or path (text) or null, not an object",
        ),
        (
            '"feather": 3',
            '"feather": 3.5',
            "layers[5].properties.feather must be a whole number, not 3.5",
        ),
        (
            '"opacity": 0.25',
            '"opacity": NaN',
            "layers[0].properties.opacity must be a number, not NaN",
        ),
        ('"prompt": "a lighthouse', '"prompt": "\\ud800', "prompt is not valid Unicode text"),
        ('"id": "ref"', '"id": ""', "layers[0].id must be non-empty text, not ''"),
        (
            '"file": "layers/ref.png"',
            '"file": null',
            "layers[0].file must name the layer's image, not null",
        ),
    ],
)
def test_each_bad_value_is_named(
    tmp_path: Path, members: dict[str, bytes], old: str, new: str, reason: str
) -> None:
    text = _manifest_text(members)
    assert old in text
    error = _load_text(tmp_path, members, text.replace(old, new, 1))
    assert type(error) is errors.ManifestError
    assert str(error) == _invalid(reason)


def test_deeply_nested_json_is_refused_not_a_recursion_error(
    tmp_path: Path, members: dict[str, bytes]
) -> None:
    for text in ("[" * 100_000 + "]" * 100_000, '{"a":' * 50 + "1" + "}" * 50):
        error = _load_text(tmp_path, members, text)
        assert str(error) == (
            "Cannot open 'p.f1s': its manifest is damaged (nested more than 16 levels deep)."
        )


def test_a_member_name_that_is_not_utf8(tmp_path: Path, members: dict[str, bytes]) -> None:
    path = write_zip(tmp_path / "p.f1s", {**members, "layers/é.png": b"x"})  # flag 0x800
    path.write_bytes(path.read_bytes().replace("layers/é.png".encode(), b"layers/\xff\xfe.png"))
    with pytest.raises(errors.DamagedProjectError) as info:
        load_project(path)
    assert (
        str(info.value) == "Cannot open 'p.f1s': it is damaged (an entry name is not valid UTF-8)."
    )


# ---- what a project may cost ------------------------------------------------------------------
def _too_large(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "p.f1s"
    path.write_bytes(data)
    with pytest.raises(errors.ProjectTooLargeError) as info:
        load_project(path)
    return str(info.value)


def test_layers_sharing_one_image_are_refused_before_decoding(tmp_path: Path) -> None:
    layers = [paint_entry(i, "layers/one.png") for i in range(200)]
    data = big_project(layers, {"layers/one.png": blank_png()})
    assert len(data) < 4096  # 200 layers of 2048x2048 RGBA: 3.2 GB once decoded
    assert _too_large(tmp_path, data) == (
        "Refusing to open 'p.f1s': layers[0] and layers[1] both use 'layers/one.png'; each "
        "layer must have its own image."
    )


def test_layer_count_is_capped(tmp_path: Path) -> None:
    layers = [paint_entry(i, f"layers/{i}.png") for i in range(MAX_LAYERS + 1)]
    assert _too_large(tmp_path, big_project(layers, {})) == (
        f"Refusing to open 'p.f1s': it has {MAX_LAYERS + 1} layers; a project may have at most "
        f"{MAX_LAYERS}."
    )


def test_decoded_pixels_are_capped_in_proportion_to_the_canvas(tmp_path: Path) -> None:
    masks = [
        {"id": f"m{i}", "kind": "region", "file": f"layers/m{i}.png", "properties": {}}
        for i in range(200)
    ]
    one = blank_png("L", size=64)
    path = tmp_path / "masks.f1s"
    path.write_bytes(big_project(masks[:200], {e["file"]: one for e in masks[:200]}, size=64))
    assert len(load_project(path).layers) == 200  # 50 canvases of pixels: allowed
    paint = [paint_entry(i, f"layers/{i}.png") for i in range(120)]
    assert _too_large(tmp_path, big_project(paint + masks[:40], {}, size=64)) == (
        "Refusing to open 'p.f1s': its layers would decode to 130.0 full canvases of pixels; "
        "a project may hold at most 128."
    )


@pytest.mark.parametrize(
    ("where", "change"),
    [
        ("prompt", lambda m, text: m.update(prompt=text)),
        ("negative_prompt", lambda m, text: m.update(negative_prompt=text)),
        (
            "layers[2].properties.prompt",
            lambda m, text: m["layers"][2]["properties"].update(prompt=text),
        ),
        (
            "layers[2].properties.negative_prompt",
            lambda m, text: m["layers"][2]["properties"].update(negative_prompt=text),
        ),
    ],
)
def test_prompt_lengths_are_capped(
    tmp_path: Path, members: dict[str, bytes], where: str, change: Any
) -> None:
    m = json.loads(members[MANIFEST_NAME])
    change(m, "x" * MAX_PROMPT_CHARS)
    write_zip(tmp_path / "ok.f1s", {**members, MANIFEST_NAME: json.dumps(m).encode()})
    load_project(tmp_path / "ok.f1s")  # exactly at the cap: opens
    change(m, "a " * (15 * 2**19))  # 15 MiB
    path = write_zip(tmp_path / "p.f1s", {**members, MANIFEST_NAME: json.dumps(m).encode()})
    assert path.stat().st_size < 200_000
    with pytest.raises(errors.ProjectTooLargeError) as info:
        load_project(path)
    assert str(info.value) == (
        f"Refusing to open 'p.f1s': its {where} has 15,728,640 characters; at most 10,000 are "
        "allowed."
    )


# ---- the loader under random damage -----------------------------------------------------------
_ODD_VALUES: list[Any] = [None, True, 0, -1, 2**63, 10**30, 1.5, -0.0, 1e308, "", "x", "8"]
_ODD_VALUES += [[], [1], [[[]]], {}, {"a": 1}, "../../x", "layers/p-1.png", "edge", "a" * 20_000]
_ODD_TOKENS = [
    "Infinity",
    "-Infinity",
    "NaN",
    "1e999",
    "9" * 5000,
    '"\\udc80"',
    "[" * 40 + "]" * 40,
]


def _paths(value: object, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else []
    )
    for key, child in items:
        found += _paths(child, (*prefix, key))
    return found


def _set(manifest: dict[str, Any], path: tuple[Any, ...], value: object) -> None:
    target: Any = manifest
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def test_random_manifest_values_only_ever_give_project_errors(
    tmp_path: Path, members: dict[str, bytes]
) -> None:
    """Any value of the manifest replaced by odd JSON: it opens or gives a ProjectError. (A
    20 000-case run of this and of byte flips found nothing else.)"""
    rng = random.Random(11)
    original = json.loads(members[MANIFEST_NAME])
    fields = _paths(original)
    outcomes: set[str] = set()
    for i in range(1000):
        manifest = json.loads(json.dumps(original))
        field = fields[rng.randrange(len(fields))]
        if i % 2:
            _set(manifest, field, rng.choice(_ODD_VALUES))
            text = json.dumps(manifest)
        else:
            _set(manifest, field, "@@token@@")
            text = json.dumps(manifest).replace('"@@token@@"', rng.choice(_ODD_TOKENS))
        path = write_zip(tmp_path / "fuzz.f1s", {**members, MANIFEST_NAME: text.encode()})
        try:
            load_project(path)
            outcomes.add("opened")
        except errors.ProjectError as exc:
            assert "\n" not in str(exc)
            outcomes.add(type(exc).__name__)
    assert {"opened", "ManifestError", "ProjectTooLargeError"} <= outcomes


# ---- the same type rules for every caller -----------------------------------------------------
@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"steps": "8"}, "steps must be a whole number 1..500, not '8'"),
        ({"steps": 8.0}, "steps must be a whole number 1..500, not 8.0"),
        ({"steps": 10**5000}, "steps must be 1..500, not a number of about 5000 digits"),
        ({"guidance_scale": float("inf")}, "guidance_scale must be a number 1..30, not inf"),
        ({"seed": True}, "seed must be a whole number 0..2**63-1, not True"),
        ({"batch_count": None}, "batch_count must be a whole number 1..64, not None"),
        ({"auto_steps": "yes"}, "auto_steps must be true or false, not 'yes'"),
        ({"scheduler": 3}, "unknown scheduler 3"),
        ({"models": "sd15"}, "models must be a model choice, not 'sd15'"),
        ({"models": {"base": 5}}, "base must be a model name or path (text), not 5"),
    ],
)
def test_generation_settings_check_types(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as info:
        GenerationSettings(**values)
    assert str(info.value).startswith(message)


def test_generation_settings_normalise_numbers() -> None:
    settings = GenerationSettings(guidance_scale=7, strength=1, seed_mode="random")
    assert isinstance(settings.guidance_scale, float) and isinstance(settings.strength, float)
    assert settings.seed_mode is SeedMode.RANDOM


def test_model_choice_checks_types() -> None:
    with pytest.raises(
        ValueError, match=r"depth_estimator must be a model name or path \(text\), not 1"
    ):
        ModelChoice(depth_estimator=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"controlnets\['edge'\] must be a model name"):
        ModelChoice(controlnets={"edge": 2})
    assert ModelChoice(controlnets={"edge": "", "depth": None}).controlnets == {}  # type: ignore[dict-item]
