"""The one schema of a (migrated) project manifest, checked before anything uses it.

:func:`parse_manifest` turns the bytes of ``manifest.json`` into plain JSON values and
:func:`check_manifest` checks every value a document is built from: types, ranges and
finiteness (``Infinity``, ``NaN``, ``1e999`` and 5 000-digit integers are refused), each with a
one-line :class:`ManifestError` naming the field, e.g. ``Cannot open 'x.f1s': its manifest is
invalid (settings.steps must be a whole number 1..500, not Infinity)``.

It also bounds what a project may cost *before any pixel is decoded*
(:class:`ProjectTooLargeError`), because a tiny file could otherwise make the loader allocate
gigabytes:

- every layer names its own PNG (a member used by two layers is refused), so 200 layers cannot
  all decode the same small PNG;
- at most :data:`MAX_LAYERS` (256) layers: far above the 32 layers of the heaviest project we
  benchmark, far below the 1 000 that made the loader reach 7.5 GB;
- the decoded layers total at most :data:`MAX_CANVASES` (128) full RGBA canvases: 128 paint or
  reference layers, or masks and guides worth as much (a quarter canvas each). That is what an
  honest document of that size holds in memory anyway (2 GiB at the largest canvas, 2048x2048;
  512 MiB at 1024x1024), and is generous on purpose: refusing to open a file the app itself
  saved would lose work. PNG's deflate cannot shrink pixels more than about 1 000:1, so the
  cap costs a hostile file about a megabyte per gigabyte, never a 1 KB file for 3 GB;
- prompts (the document's and every region's, positive and negative) are at most
  :data:`MAX_PROMPT_CHARS` (10 000) characters: a text encoder reads 77 tokens per chunk, so
  even long-prompt weighting uses a small fraction of that, while a 15 MiB prompt made one
  render take 97 s and 3.5 GB. Other text (layer names and ids, model names or paths) is at
  most :data:`MAX_NAME_CHARS` (4 096) characters.
- the manifest nests at most :data:`MAX_DEPTH` (16) levels (a real one nests 5).

No Qt, no torch.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, fields
from typing import Any

from f1studio.document.document import check_canvas_size
from f1studio.document.layers import COMMON_PROPERTIES, KIND_PROPERTIES, LayerKind
from f1studio.document.layers import validate_property as check_property
from f1studio.document.settings import GenerationSettings, check_setting
from f1studio.model_choice import BASE_SLOT, DEPTH_ESTIMATOR_SLOT
from f1studio.project import errors
from f1studio.project.results_schema import CheckedResults, ResultsInvalid, check_results

MANIFEST_NAME = "manifest.json"
MAX_LAYERS = 256
MAX_CANVASES = 128
MAX_PROMPT_CHARS = 10_000
MAX_NAME_CHARS = 4_096
MAX_DEPTH = 16
MAX_INT_DIGITS = 20  # 2**63 has 19 digits: a longer integer is never a valid value

_PROMPT_PROPERTIES = ("prompt", "negative_prompt")
_NAME_PROPERTIES = ("name", "region", "use")
#: a layout-made region's record (its phrase, the prompt laid out and what remained of it)
_RECORD_PROPERTIES = ("layout",)
MAX_RECORD_CHARS = 4 * MAX_PROMPT_CHARS
_BOOL_PROPERTIES = ("visible", "locked")
_WHOLE_PROPERTIES = ("feather",)


class Unreadable:
    """A JSON value this version never accepts anywhere (``Infinity``, ``NaN``, an integer of
    thousands of digits); kept as a placeholder so the error can name the field it is in."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        if len(self.text) > MAX_INT_DIGITS:
            return f"a {len(self.text)}-digit number"
        return self.text


@dataclass(frozen=True)
class LayerEntry:
    """One checked layer of the manifest: what to decode and how to build the layer."""

    kind: LayerKind
    id: str
    file: str
    properties: dict[str, Any]

    @property
    def label(self) -> str:
        return str(self.properties.get("name") or self.kind.label)


@dataclass(frozen=True)
class CheckedManifest:
    """Every value a document is built from, checked and normalised."""

    width: int
    height: int
    prompt: str
    negative_prompt: str
    settings: GenerationSettings
    layers: tuple[LayerEntry, ...]
    results: CheckedResults

    def pixel_budget(self) -> int:
        """Bytes the results may still decode to after the layers (see the module docstring)."""
        canvas = self.width * self.height
        layers = sum(canvas * layer.kind.channels for layer in self.layers)
        return MAX_CANVASES * canvas * 4 - layers


class _Invalid(Exception):
    """One reason a manifest is invalid, naming the field."""


class _TooCostly(Exception):
    """One reason a manifest asks for more than a project may cost."""


def parse_manifest(raw: bytes, name: str) -> dict[str, Any]:
    """The manifest's JSON object; :class:`ManifestError` for anything else."""

    def whole(text: str) -> int | Unreadable:
        return int(text) if len(text.lstrip("-")) <= MAX_INT_DIGITS else Unreadable(text)

    def fraction(text: str) -> float | Unreadable:
        value = float(text)
        return value if math.isfinite(value) else Unreadable(text)

    try:
        manifest = json.loads(
            raw.decode("utf-8"), parse_int=whole, parse_float=fraction, parse_constant=Unreadable
        )
    except UnicodeDecodeError as exc:
        raise errors.ManifestError(
            f"Cannot open '{name}': its manifest is not UTF-8 text."
        ) from exc
    except json.JSONDecodeError as exc:
        raise errors.ManifestError(
            f"Cannot open '{name}': its manifest is damaged (invalid JSON at line "
            f"{exc.lineno}, column {exc.colno})."
        ) from exc
    except RecursionError as exc:
        raise errors.ManifestError(
            f"Cannot open '{name}': its manifest is damaged (nested more than {MAX_DEPTH} "
            "levels deep)."
        ) from exc
    if not isinstance(manifest, dict):
        raise errors.ManifestError(f"Cannot open '{name}': its manifest is not a JSON object.")
    if _depth(manifest) > MAX_DEPTH:
        raise errors.ManifestError(
            f"Cannot open '{name}': its manifest is damaged (nested more than {MAX_DEPTH} "
            "levels deep)."
        )
    return manifest


def check_manifest(manifest: dict[str, Any], name: str) -> CheckedManifest:
    """Check a migrated manifest; :class:`ManifestError` or :class:`ProjectTooLargeError`
    with one line naming the first bad field."""
    try:
        checked = _check(manifest)
        _check_cost(checked)
    except _Invalid as exc:
        raise errors.ManifestError(
            f"Cannot open '{name}': its manifest is invalid ({exc})."
        ) from None
    except _TooCostly as exc:
        raise errors.ProjectTooLargeError(f"Refusing to open '{name}': {exc}.") from None
    return checked


def check_before_saving(manifest: dict[str, Any], name: str) -> None:
    """Refuse to write a project that :func:`check_manifest` would refuse to open again (a
    prompt or a layer stack over the limits): :class:`ProjectSaveError`, nothing written."""
    try:
        _check_cost(_check(manifest))
    except (_Invalid, _TooCostly) as exc:
        reason = str(exc).replace("it has ", "the project has ").replace("its layers", "the layers")
        raise errors.ProjectSaveError(
            f"Could not save '{name}': {reason}, more than F1 Studio can open again. "
            "Nothing was written."
        ) from None


# ---- the schema -------------------------------------------------------------------------------
def _check(m: dict[str, Any]) -> CheckedManifest:
    canvas = m.get("canvas")
    if not isinstance(canvas, dict):
        raise _Invalid(f"canvas must be an object with width and height, not {_show(canvas)}")
    for side in ("width", "height"):
        value = canvas.get(side)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(f"canvas.{side} must be a whole number, not {_show(value)}")
    try:
        width, height = check_canvas_size(canvas["width"], canvas["height"])
    except ValueError as exc:
        raise _Invalid(f"canvas: {exc}") from None
    prompt = _text(m.get("prompt", ""), "prompt", MAX_PROMPT_CHARS)
    negative = _text(m.get("negative_prompt", ""), "negative_prompt", MAX_PROMPT_CHARS)
    settings = _settings(m.get("settings", {}))
    entries = m.get("layers", [])
    if not isinstance(entries, list):
        raise _Invalid(f"layers must be a list, not {_show(entries)}")
    if len(entries) > MAX_LAYERS:
        raise _TooCostly(f"it has {len(entries)} layers; a project may have at most {MAX_LAYERS}")
    layers = tuple(_layer(entry, f"layers[{i}]") for i, entry in enumerate(entries))
    owners: dict[str, int] = {}
    for index, layer in enumerate(layers):
        if layer.id in owners:
            raise _Invalid(
                f"layers[{index}].id {layer.id!r} is already used by layers[{owners[layer.id]}]"
            )
        owners[layer.id] = index
    try:
        results = check_results(m.get("results"))
    except ResultsInvalid as exc:
        raise _Invalid(str(exc)) from None
    return CheckedManifest(width, height, prompt, negative, settings, layers, results)


def _settings(data: object) -> GenerationSettings:
    if not isinstance(data, dict):
        raise _Invalid(f"settings must be an object, not {_show(data)}")
    known = [f.name for f in fields(GenerationSettings)]
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise _Invalid(f"settings has no field {key!r} (known: {', '.join(known)})")
        values[key] = _models(value) if key == "models" else _setting(key, value)
    try:
        return GenerationSettings(**values)
    except (TypeError, ValueError) as exc:  # every field was checked; kept for safety
        raise _Invalid(f"settings: {exc}") from None


def _setting(key: str, value: object) -> object:
    try:
        return check_setting(key, value)
    except (TypeError, ValueError) as exc:
        message = str(exc).replace(repr(value), _show(value))  # a long value shown short
        raise _Invalid(f"settings.{message}") from None


def _models(data: object) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _Invalid(f"settings.models must be an object, not {_show(data)}")
    slots = (BASE_SLOT, "controlnets", DEPTH_ESTIMATOR_SLOT)
    for key, value in data.items():
        where = f"settings.models.{key}"
        if key not in slots:
            raise _Invalid(f"settings.models has no field {key!r} (known: {', '.join(slots)})")
        if key == "controlnets":
            if not isinstance(value, dict):
                raise _Invalid(f"{where} must map guide kinds to models, not {_show(value)}")
            for kind, model in value.items():
                if kind not in ("edge", "depth"):
                    raise _Invalid(f"{where} has no guide kind {kind!r} (known: edge, depth)")
                _model(model, f"{where}.{kind}")
        else:
            _model(value, where)
    return data


def _model(value: object, where: str) -> None:
    if value is not None and not isinstance(value, str):
        raise _Invalid(f"{where} must be a model name or path (text) or null, not {_show(value)}")
    _text(value or "", where, MAX_NAME_CHARS)


def _layer(entry: object, where: str) -> LayerEntry:
    if not isinstance(entry, dict):
        raise _Invalid(f"{where} must be an object, not {_show(entry)}")
    try:
        kind = LayerKind(entry.get("kind"))
    except (ValueError, TypeError):
        kinds = ", ".join(k.value for k in LayerKind)
        raise _Invalid(f"{where}.kind {_show(entry.get('kind'))} is unknown ({kinds})") from None
    layer_id, member = entry.get("id"), entry.get("file")
    if not isinstance(layer_id, str) or not layer_id:
        raise _Invalid(f"{where}.id must be non-empty text, not {_show(layer_id)}")
    _text(layer_id, f"{where}.id", MAX_NAME_CHARS)
    if not isinstance(member, str) or not member:
        raise _Invalid(f"{where}.file must name the layer's image, not {_show(member)}")
    _text(member, f"{where}.file", MAX_NAME_CHARS)
    raw = entry.get("properties", {})
    if not isinstance(raw, dict):
        raise _Invalid(f"{where}.properties must be an object, not {_show(raw)}")
    props = {key: _property(kind, key, value, f"{where}.properties") for key, value in raw.items()}
    return LayerEntry(kind, layer_id, member, props)


def _property(kind: LayerKind, key: str, value: object, where: str) -> object:
    if key not in COMMON_PROPERTIES + KIND_PROPERTIES[kind]:
        raise _Invalid(f"{where}: a {kind.label.lower()} layer has no property {key!r}")
    where = f"{where}.{key}"
    if key in _PROMPT_PROPERTIES + _NAME_PROPERTIES + _RECORD_PROPERTIES:
        limit = MAX_PROMPT_CHARS if key in _PROMPT_PROPERTIES else MAX_NAME_CHARS
        return _text(value, where, MAX_RECORD_CHARS if key in _RECORD_PROPERTIES else limit)
    if key in _BOOL_PROPERTIES:
        if not isinstance(value, bool):
            raise _Invalid(f"{where} must be true or false, not {_show(value)}")
        return value
    if key == "loras":
        if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
            raise _Invalid(f"{where} must be a list of LoRA objects, not {_show(value)}")
    elif key == "curve":
        if value is not None and (
            not isinstance(value, list) or not all(_is_number(x) for x in value)
        ):
            raise _Invalid(f"{where} must be a list of numbers or null, not {_show(value)}")
    elif not _is_number(value) or (key in _WHOLE_PROPERTIES and not isinstance(value, int)):
        kind_text = "a whole number" if key in _WHOLE_PROPERTIES else "a number"
        raise _Invalid(f"{where} must be {kind_text}, not {_show(value)}")
    try:
        return check_property(kind, key, value)
    except (TypeError, ValueError) as exc:
        raise _Invalid(f"{where}: {exc}") from None


def _text(value: object, where: str, limit: int) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"{where} must be text, not {_show(value)}")
    if len(value) > limit:
        raise _TooCostly(
            f"its {where} has {len(value):,} characters; at most {limit:,} are allowed"
        )
    try:
        value.encode("utf-8")  # a lone surrogate (JSON "\ud800") opens but cannot be saved
    except UnicodeEncodeError:
        raise _Invalid(f"{where} is not valid Unicode text") from None
    return value


# ---- what the project may cost ----------------------------------------------------------------
def _check_cost(checked: CheckedManifest) -> None:
    users: dict[str, int] = {}
    for index, layer in enumerate(checked.layers):
        if layer.file in users:
            raise _TooCostly(
                f"layers[{users[layer.file]}] and layers[{index}] both use {layer.file!r}; "
                "each layer must have its own image"
            )
        users[layer.file] = index
    for entry in checked.results.items:
        if entry.file in users:
            raise _TooCostly(f"a result and layers[{users[entry.file]}] both use {entry.file!r}")
    canvas = checked.width * checked.height
    decoded = sum(canvas * layer.kind.channels for layer in checked.layers)
    if decoded > MAX_CANVASES * canvas * 4:
        raise _TooCostly(
            f"its layers would decode to {decoded / canvas / 4:.1f} full canvases of pixels; "
            f"a project may hold at most {MAX_CANVASES}"
        )


def _depth(value: object) -> int:
    """How deeply lists and objects nest in ``value`` (iterative: no recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                return depth
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _show(value: object) -> str:
    """A value for a one-line message: short, and never spanning lines."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."
