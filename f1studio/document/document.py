"""The Document: canvas size, layer stack, prompts, generation settings and undo history.

Every edit goes through a method here so it becomes exactly one undo step, bumps
``revision`` and notifies subscribers with ``callback(doc, change)``, a
:class:`~f1studio.document.changes.Change` saying what changed (the layer stack, one layer's
metadata or pixels, a prompt, the settings).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any

import numpy as np

from f1studio.document import imaging
from f1studio.document.changes import (
    LAYERS,
    NEGATIVE_PROMPT,
    PROMPT,
    SETTINGS,
    Change,
    ChangeKind,
)
from f1studio.document.history import (
    Command,
    DocFieldChange,
    History,
    LayerAdded,
    LayerMoved,
    LayerRemoved,
    PropertyChange,
    Stroke,
    Tile,
    TilePatch,
)
from f1studio.document.layers import Layer, LayerKind, validate_property
from f1studio.document.settings import GenerationSettings
from f1studio.model_choice import slot_kind

MIN_SIZE, MAX_SIZE = 64, 2048
Listener = Callable[["Document", Change], None]
# Properties that may still change while a layer is locked.
_LOCK_EXEMPT = ("locked", "visible")


def check_canvas_size(width: object, height: object) -> tuple[int, int]:
    """Return (width, height) as ints or raise ValueError with a user-facing message."""
    try:
        w, h = int(width), int(height)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ValueError(f"canvas size must be whole numbers, not {width!r}x{height!r}") from None
    if (
        w != width
        or h != height
        or w % 8
        or h % 8
        or not (MIN_SIZE <= w <= MAX_SIZE and MIN_SIZE <= h <= MAX_SIZE)
    ):
        raise ValueError(
            f"canvas size {width}x{height} is not allowed: width and height must be "
            f"multiples of 8 within {MIN_SIZE}..{MAX_SIZE}"
        )
    return w, h


class Document:
    """A painting: layers (index 0 = bottom), prompts and settings, with undo."""

    def __init__(
        self,
        width: int,
        height: int,
        prompt: str = "",
        negative_prompt: str = "",
        settings: GenerationSettings | None = None,
        layers: list[Layer] | None = None,
        history_depth: int = 200,
        history_max_bytes: int | None = 2 << 30,
    ):
        self.width, self.height = check_canvas_size(width, height)
        self.prompt = str(prompt)
        self.negative_prompt = str(negative_prompt)
        self.settings = settings if settings is not None else GenerationSettings()
        self.settings.validate()
        self.layers: list[Layer] = []
        for layer in layers or []:
            self._check_new_layer(layer)
            self.layers.append(layer)
        self.history = History(history_depth, history_max_bytes)
        self.revision = 0
        # revision of the last pixel change of each layer (absent: unchanged since creation)
        self._pixel_revisions: dict[str, int] = {}
        self._listeners: list[Listener] = []
        self._stroke: Stroke | None = None

    def __repr__(self) -> str:
        return (
            f"<Document {self.width}x{self.height}, {len(self.layers)} layers, rev {self.revision}>"
        )

    # ---- lookup -------------------------------------------------------------------------
    def layer(self, layer_id: str) -> Layer:
        for layer in self.layers:
            if layer.id == layer_id:
                return layer
        raise KeyError(f"no layer with id {layer_id!r} in this document")

    def index_of(self, layer_id: str) -> int:
        for i, layer in enumerate(self.layers):
            if layer.id == layer_id:
                return i
        raise KeyError(f"no layer with id {layer_id!r} in this document")

    def visible_canvas(self) -> np.ndarray:
        """Visible paint/reference layers composited over white, RGB uint8 (H, W, 3)."""
        return imaging.composite_over_white(self.layers, (self.height, self.width))

    def clone(self) -> Document:
        """A deep copy with the same layer ids and no history or subscribers."""
        return Document(
            self.width,
            self.height,
            self.prompt,
            self.negative_prompt,
            settings=copy.deepcopy(self.settings),
            layers=[layer.copy() for layer in self.layers],
            history_depth=self.history.depth,
            history_max_bytes=self.history.max_bytes,
        )

    # ---- change notification ------------------------------------------------------------
    def subscribe(self, callback: Listener) -> None:
        if callback not in self._listeners:
            self._listeners.append(callback)

    def unsubscribe(self, callback: Listener) -> None:
        if callback in self._listeners:
            self._listeners.remove(callback)

    def pixel_revision(self, layer_id: str) -> int:
        """The document revision of the last committed pixel change of a layer (0: none yet).

        Together with the identity of ``layer.data`` (replaced, not edited, by a canvas resize)
        it tells a writer whether pixels it encoded before are still current.
        """
        return self._pixel_revisions.get(layer_id, 0)

    @property
    def stroke_open(self) -> bool:
        """True between ``begin_stroke`` and ``end_stroke`` (pixels not yet committed)."""
        return self._stroke is not None

    def _changed(self, change: Change) -> None:
        self.revision += 1
        if change.kind is ChangeKind.PIXELS and change.layer_id is not None:
            self._pixel_revisions[change.layer_id] = self.revision
        for callback in list(self._listeners):
            callback(self, change)

    def _do(self, cmd: Command, merge: bool = False) -> None:
        self._require_no_stroke()
        cmd.apply_redo(self)
        self.history.push(cmd, merge=merge)
        self._changed(cmd.change)

    def _require_no_stroke(self) -> None:
        if self._stroke is not None:
            raise RuntimeError("finish the current stroke before making another change")

    # ---- undo ---------------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return self.history.can_undo

    @property
    def can_redo(self) -> bool:
        return self.history.can_redo

    def undo(self) -> bool:
        self._require_no_stroke()
        cmd = self.history.undo(self)
        if cmd is not None:
            self._changed(cmd.change)
        return cmd is not None

    def redo(self) -> bool:
        self._require_no_stroke()
        cmd = self.history.redo(self)
        if cmd is not None:
            self._changed(cmd.change)
        return cmd is not None

    # ---- layer stack --------------------------------------------------------------------
    def add_layer(
        self,
        kind: LayerKind | str,
        name: str = "",
        data: np.ndarray | None = None,
        index: int | None = None,
        **props: object,
    ) -> Layer:
        """Create a layer (blank when ``data`` is None; else a copy of ``data``) and insert it."""
        kind = _kind(kind)
        values = {n: validate_property(kind, n, v) for n, v in props.items()}
        _check_range(values.get("start", 0.0), values.get("end", 1.0))  # type: ignore[arg-type]
        pixels = kind.blank(self.width, self.height) if data is None else np.array(data, copy=True)
        layer = Layer(kind, pixels, name=str(name), **values)  # type: ignore[arg-type]
        return self.insert_layer(layer, index, label=f"Add {kind.label.lower()}")

    def insert_layer(
        self, layer: Layer, index: int | None = None, label: str = "Add layer"
    ) -> Layer:
        """Insert an existing layer object (taken as-is) at ``index`` (None = top)."""
        self._check_new_layer(layer)
        index = len(self.layers) if index is None else _check_index(index, len(self.layers) + 1)
        self._do(LayerAdded(layer, index, label))
        return layer

    def remove_layer(self, layer_id: str) -> None:
        index = self.index_of(layer_id)
        self._do(LayerRemoved(self.layers[index], index))

    def move_layer(self, layer_id: str, new_index: int) -> None:
        """Move a layer to ``new_index`` (0 = bottom, len-1 = top)."""
        old = self.index_of(layer_id)
        new = _check_index(new_index, len(self.layers))
        if new != old:
            self._do(LayerMoved(layer_id, old, new))

    def duplicate_layer(self, layer_id: str) -> Layer:
        """Copy a layer (new id, name + " copy") and place the copy just above it."""
        src = self.layer(layer_id)
        fields = {k: v for k, v in src.__dict__.items() if k not in ("id", "data", "name")}
        dup = Layer(data=src.data.copy(), name=f"{src.name} copy", **fields)
        return self.insert_layer(dup, self.index_of(layer_id) + 1, label="Duplicate layer")

    def set_layer_property(
        self, layer_id: str, name: str, value: object, *, merge: bool = False
    ) -> None:
        """Change one property (validated). ``merge`` folds a slider drag into one undo step."""
        layer = self.layer(layer_id)
        if layer.locked and name not in _LOCK_EXEMPT:
            raise ValueError(f"layer {layer.name!r} is locked: unlock it to change its {name}")
        value = validate_property(layer.kind, name, value)
        if name in ("start", "end"):
            start = value if name == "start" else layer.start
            end = value if name == "end" else layer.end
            _check_range(start, end)  # type: ignore[arg-type]
        if getattr(layer, name) != value:
            self._do(PropertyChange(layer.id, name, getattr(layer, name), value), merge)

    # ---- prompts and settings -----------------------------------------------------------
    def set_prompt(self, text: str, *, merge: bool = False) -> None:
        self._set_field("prompt", str(text), PROMPT, merge)

    def set_negative_prompt(self, text: str, *, merge: bool = False) -> None:
        self._set_field("negative_prompt", str(text), NEGATIVE_PROMPT, merge)

    def set_setting(self, name: str, value: object, *, merge: bool = False) -> None:
        """Change one field of :class:`GenerationSettings` (validated); models: see set_model."""
        names = [f.name for f in dataclasses.fields(GenerationSettings) if f.name != "models"]
        if name == "models":
            raise ValueError("choose models with set_model(kind, value)")
        if name not in names:
            raise ValueError(f"unknown setting {name!r} (choose from {', '.join(names)})")
        value = _coerce(name, getattr(self.settings, name), value)
        change: dict[str, Any] = {name: value}  # _coerce cast it to the field's type
        trial = dataclasses.replace(self.settings, **change)  # validates
        self._set_field(f"settings.{name}", getattr(trial, name), SETTINGS, merge)

    def set_model(self, slot: str, value: str | None) -> None:
        """Choose the model of one slot: base, edge_controlnet, ..., depth_estimator (see
        ``model_choice.MODEL_SLOTS``); a ControlNet replaces the whole ``controlnets`` mapping."""
        chosen = self.settings.models.with_model(slot, value)
        name = "controlnets" if slot_kind(slot) is not None else slot
        self._set_field(f"settings.models.{name}", getattr(chosen, name), SETTINGS, False)

    def _set_field(self, path: str, value: object, change: Change, merge: bool) -> None:
        cmd = DocFieldChange(path, None, value, change)
        cmd.before = _get_path(self, path)
        if cmd.before != value:
            self._do(cmd, merge)

    # ---- pixels -------------------------------------------------------------------------
    def begin_stroke(self, layer_id: str, label: str = "Paint") -> Stroke:
        """Open a pixel edit of one layer (for edits spread over many events, e.g. a drag)."""
        self._require_no_stroke()
        layer = self._editable(layer_id)
        self._stroke = Stroke(layer, label)
        return self._stroke

    def end_stroke(self, stroke: Stroke, cancel: bool = False) -> bool:
        """Close a stroke: record one undo step of the changed tiles (or roll back on cancel).

        Returns True when an undo step was recorded.
        """
        if stroke is not self._stroke:
            raise RuntimeError("this stroke is not the document's open stroke")
        self._stroke = None
        if cancel:
            stroke.rollback()
            return False
        tiles = stroke.finish()
        if not tiles:
            return False
        cmd = TilePatch(stroke.layer_id, tiles, stroke.label)
        self.history.push(cmd)
        self._changed(cmd.change)
        return True

    @contextmanager
    def stroke(self, layer_id: str, label: str = "Paint") -> Iterator[Stroke]:
        """``with doc.stroke(id) as s:`` call ``s.touch(y0, x0, y1, x1)`` before writing that
        rect of ``s.data`` in place. One undo step holds the changed 64x64 tiles; nothing is
        recorded when nothing changed, and an exception rolls the pixels back."""
        s = self.begin_stroke(layer_id, label)
        try:
            yield s
        except BaseException:
            self.end_stroke(s, cancel=True)
            raise
        self.end_stroke(s)

    def paint_rect(
        self,
        layer_id: str,
        y0: float,
        x0: float,
        y1: float,
        x1: float,
        value: object,
        opacity: float = 1.0,
    ) -> None:
        """Fill a rect (end exclusive): RGBA "over" on pictures, blend toward value on masks."""
        with self.stroke(layer_id, "Fill rectangle") as s:
            s.rect(y0, x0, y1, x1, value, opacity)

    def paint_disc(
        self,
        layer_id: str,
        cy: float,
        cx: float,
        radius: float,
        value: object,
        hardness: float = 1.0,
        opacity: float = 1.0,
    ) -> None:
        """One round dab: RGBA "over" on pictures, blend toward value on masks/guides."""
        with self.stroke(layer_id, "Paint") as s:
            s.disc(cy, cx, radius, value, hardness, opacity)

    def replace_pixels(
        self, layer_id: str, data: np.ndarray, label: str = "Replace pixels"
    ) -> None:
        """Replace a layer's whole content (e.g. a filter); stores only the changed bounding rect."""
        layer = self._editable(layer_id)
        arr = np.asarray(data)
        if arr.shape != layer.data.shape or arr.dtype != layer.data.dtype:
            raise ValueError(
                f"new pixels for {layer.name!r} must be {layer.data.dtype} {layer.data.shape}, "
                f"got {arr.dtype} {arr.shape}"
            )
        box = imaging.diff_bbox(layer.data, arr)
        if box is None:
            return
        y0, x0, y1, x1 = box
        before = layer.data[y0:y1, x0:x1].copy()
        self._do(TilePatch(layer.id, [Tile(y0, x0, before, arr[y0:y1, x0:x1].copy())], label))

    def resize_canvas(self, width: int, height: int) -> None:
        """Scale the canvas and every layer to ``width`` x ``height`` as one undo step.

        Pictures are area-resampled on premultiplied alpha (no dark fringes), masks and edge
        guides take the nearest pixel (they stay crisp), depth guides are interpolated linearly.
        Undo puts the original arrays back, so the pixels return exactly. Subscribers hear
        LAYERS then SETTINGS (undo/redo: LAYERS only). Nothing happens at the same size.
        """
        import cv2  # lazy, as in imaging

        w, h = check_canvas_size(width, height)
        self._require_no_stroke()
        if (w, h) == (self.width, self.height):
            return
        sizes = {"before": (self.width, self.height), "after": (w, h)}
        arrays: dict[str, dict[str, np.ndarray]] = {"before": {}, "after": {}}
        for layer in self.layers:
            arrays["before"][layer.id] = layer.data
            new: np.ndarray
            if layer.kind.is_picture:
                rgba = layer.data.astype(np.float32)
                rgba[..., :3] *= rgba[..., 3:4] / 255.0
                out = cv2.resize(rgba, (w, h), interpolation=cv2.INTER_AREA)
                alpha = out[..., 3:4]
                out[..., :3] = np.where(
                    alpha > 0, out[..., :3] * 255.0 / np.maximum(alpha, 1e-6), 0
                )
                new = np.clip(np.rint(out), 0, 255).astype(np.uint8)
            else:
                mode = (
                    cv2.INTER_LINEAR if layer.kind is LayerKind.DEPTH else cv2.INTER_NEAREST_EXACT
                )
                new = cv2.resize(layer.data, (w, h), interpolation=mode)
            arrays["after"][layer.id] = np.ascontiguousarray(new, dtype=np.uint8)
        total = sum(a.nbytes for side in arrays.values() for a in side.values())

        class CanvasResized(Command):
            label = "Resize canvas"

            @property
            def change(self) -> Change:
                return LAYERS

            @property
            def nbytes(self) -> int:
                return total + 128

            def _put(self, doc: Document, side: str) -> None:
                doc.width, doc.height = sizes[side]
                for layer_id, data in arrays[side].items():
                    doc.layer(layer_id).data = data

            def apply_undo(self, doc: Document) -> None:
                self._put(doc, "before")

            def apply_redo(self, doc: Document) -> None:
                self._put(doc, "after")

        self._do(CanvasResized())
        self._changed(SETTINGS)

    # ---- checks -------------------------------------------------------------------------
    def _editable(self, layer_id: str) -> Layer:
        layer = self.layer(layer_id)
        if layer.locked:
            raise ValueError(f"layer {layer.name!r} is locked: unlock it to edit its pixels")
        return layer

    def _check_new_layer(self, layer: Layer) -> None:
        if not isinstance(layer, Layer):
            raise TypeError(f"expected a Layer, got {type(layer).__name__}")
        if (layer.width, layer.height) != (self.width, self.height):
            raise ValueError(
                f"layer {layer.name!r} is {layer.width}x{layer.height}, "
                f"the canvas is {self.width}x{self.height}"
            )
        if any(other.id == layer.id for other in self.layers):
            raise ValueError(f"a layer with id {layer.id!r} is already in the document")


def _kind(kind: LayerKind | str) -> LayerKind:
    try:
        return LayerKind(kind)
    except ValueError:
        names = ", ".join(k.value for k in LayerKind)
        raise ValueError(f"unknown layer kind {kind!r} (choose from {names})") from None


def _check_index(index: int, count: int) -> int:
    if (
        not isinstance(index, (int, np.integer))
        or isinstance(index, bool)
        or not 0 <= index < count
    ):
        raise ValueError(f"layer position must be within 0..{count - 1}, not {index!r}")
    return int(index)


def _check_range(start: float, end: float) -> None:
    if not start < end:
        raise ValueError(f"a guide's start ({start}) must be before its end ({end})")


def _coerce(name: str, current: object, value: object) -> object:
    """Cast a setting value to the type of its current value, with a clear error."""
    try:
        if isinstance(current, Enum):
            return type(current)(value)
        if isinstance(current, bool):
            if not isinstance(value, bool):
                raise ValueError
            return value
        if isinstance(current, int):
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)  # type: ignore[call-overload]
        if isinstance(current, float):
            if isinstance(value, bool):
                raise ValueError
            return float(value)  # type: ignore[arg-type]
        return str(value)
    except (TypeError, ValueError):
        kind = type(current).__name__
        raise ValueError(f"setting {name} needs a {kind} value, not {value!r}") from None


def _get_path(obj: object, path: str) -> object:
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj
