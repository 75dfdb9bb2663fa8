"""The Document: canvas size, layer stack, prompts, generation settings and undo history.

Every edit goes through a method here, bumps ``revision`` and notifies subscribers with
``callback(doc, change)``, a :class:`~f1studio.document.changes.Change` saying what changed
(the layer stack, one layer's metadata or pixels, a prompt, the settings).

What undo holds: the layers (added, removed, moved, their pixels and properties), the canvas
size and the prompts, each edit one step (typing or a drag merged into one). Generation
settings and model choices are not undo steps: like a painting program's tool options they
change no pixel, so Ctrl+Z always takes back something on the canvas or in the prompts.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from f1studio.document import imaging
from f1studio.document.canvas_resize import CanvasResized
from f1studio.document.changes import (
    HISTORY,
    NEGATIVE_PROMPT,
    PROMPT,
    RESULTS,
    SETTINGS,
    Change,
    ChangeKind,
)
from f1studio.document.history import (
    Command,
    CommandGroup,
    DocFieldChange,
    History,
    LayerAdded,
    LayerMoved,
    LayerRemoved,
    PropertyChange,
    TilePatch,
    ValuesChange,
)
from f1studio.document.layers import Layer, LayerKind, default_feather, validate_property
from f1studio.document.results import ResultHistory
from f1studio.document.settings import GenerationSettings
from f1studio.document.step_names import WHOLE_CANVAS, StepName
from f1studio.document.strokes import Stroke, Tile
from f1studio.document.validation import (
    MAX_SIZE,
    MIN_SIZE,
    check_canvas_size,
    check_index,
    check_new_layer,
    check_range,
    layer_kind,
    validated_setting,
)
from f1studio.model_choice import slot_kind

__all__ = ["MAX_SIZE", "MIN_SIZE", "Document", "Listener", "check_canvas_size"]

Listener = Callable[["Document", Change], None]
# Properties that may still change while a layer is locked.
_LOCK_EXEMPT = ("locked", "visible")


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
        results: ResultHistory | None = None,
    ):
        self.width, self.height = check_canvas_size(width, height)
        self.prompt = str(prompt)
        self.negative_prompt = str(negative_prompt)
        self.settings = settings if settings is not None else GenerationSettings()
        self.settings.validate()
        self.layers: list[Layer] = []
        for layer in layers or []:
            check_new_layer(layer, self.width, self.height, self.layers)
            self.layers.append(layer)
        self.history = History(history_depth, history_max_bytes)
        self.revision = 0
        # revision of the last pixel change of each layer (absent: unchanged since creation)
        self._pixel_revisions: dict[str, int] = {}
        self._listeners: list[Listener] = []
        self._stroke: Stroke | None = None
        self._group: list[Command] | None = None  # edits collected by group()
        # the generation history: saved with the document, never an undo step
        self.results = results if results is not None else ResultHistory()
        self.results.on_change = lambda: self._changed(RESULTS)

    def __repr__(self) -> str:
        return (
            f"<Document {self.width}x{self.height}, {len(self.layers)} layers, rev {self.revision}>"
        )

    # ---- lookup -------------------------------------------------------------------------
    def layer(self, layer_id: str) -> Layer:
        return self.layers[self.index_of(layer_id)]

    def index_of(self, layer_id: str) -> int:
        for i, layer in enumerate(self.layers):
            if layer.id == layer_id:
                return i
        raise KeyError(f"no layer with id {layer_id!r} in this document")

    def visible_canvas(self) -> np.ndarray:
        """Visible paint/reference layers composited over white, RGB uint8 (H, W, 3)."""
        return imaging.composite_over_white(self.layers, (self.height, self.width))

    def paint_coverage(self) -> np.ndarray:
        """float32 (H, W) 0..1: how much of each pixel visible paint/reference layers cover."""
        return imaging.paint_coverage(self.layers, (self.height, self.width))

    def has_visible_paint(self) -> bool:
        """Whether any visible paint/reference layer holds a pixel that is not transparent:
        False on a new, blank canvas (white with nothing painted)."""
        return any(
            layer.visible and layer.opacity > 0.0 and bool(layer.data[..., 3].any())
            for layer in self.layers
            if layer.kind.is_picture
        )

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
            results=self.results.copy(),
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
        self._notify(change)

    def _notify(self, change: Change) -> None:
        for callback in list(self._listeners):
            callback(self, change)

    def _do(self, cmd: Command, merge: bool = False) -> None:
        self._require_no_stroke()
        cmd.apply_redo(self)
        self._record(cmd, merge)
        self._changed(cmd.change)

    def _record(self, cmd: Command, merge: bool = False) -> None:
        if self._group is not None:
            self._group.append(cmd)
        else:
            self.history.push(cmd, merge=merge)

    @contextmanager
    def group(self, label: str) -> Iterator[None]:
        """The edits made inside ``with doc.group("Layout"):`` are one undo step named
        ``label`` (none when nothing changed). An exception takes them all back. A group
        inside a group joins the outer one."""
        if self._group is not None:
            yield
            return
        self._require_no_stroke()
        commands: list[Command] = []
        self._group = commands
        try:
            yield
        except BaseException:
            self._group = None
            for cmd in reversed(commands):
                cmd.apply_undo(self)
                self._changed(cmd.change)
            raise
        self._group = None
        if commands:
            self.history.push(CommandGroup(commands, label))
            # the edits were notified one by one; now the Edit menu and the Undo History can
            # name the step (the document itself is as it was, so its revision stays)
            self._notify(HISTORY)

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

    def go_to_step(self, position: int) -> int:
        """Undo or redo until ``position`` steps of ``history.labels`` are done (the Undo
        History's rows); each step notifies as a single undo or redo does. Returns how many
        steps it went through."""
        self._require_no_stroke()
        if not 0 <= position <= len(self.history.labels):
            raise ValueError(f"no step {position} in this history")
        start = self.history.position
        while self.history.position != position:
            self.undo() if self.history.position > position else self.redo()
        return abs(position - start)

    # ---- layer stack --------------------------------------------------------------------
    def add_layer(
        self,
        kind: LayerKind | str,
        name: str = "",
        data: np.ndarray | None = None,
        index: int | None = None,
        label: str | None = None,
        **props: object,
    ) -> Layer:
        """Create a layer (blank when ``data`` is None; else a copy of ``data``) and insert it;
        ``label`` names the undo step (default "Add <kind>")."""
        kind = layer_kind(kind)
        if kind is LayerKind.INPAINT and props.get("feather") is None:
            props["feather"] = default_feather(self.width, self.height)
        values = {n: validate_property(kind, n, v) for n, v in props.items()}
        check_range(values.get("start", 0.0), values.get("end", 1.0))  # type: ignore[arg-type]
        pixels = kind.blank(self.width, self.height) if data is None else np.array(data, copy=True)
        layer = Layer(kind, pixels, name=str(name), **values)  # type: ignore[arg-type]
        return self.insert_layer(
            layer, index, label=label or StepName("Add {kind}", kind=kind.label.lower())
        )

    def insert_layer(
        self, layer: Layer, index: int | None = None, label: str = StepName("Add layer")
    ) -> Layer:
        """Insert an existing layer object (taken as-is) at ``index`` (None = top)."""
        check_new_layer(layer, self.width, self.height, self.layers)
        index = len(self.layers) if index is None else check_index(index, len(self.layers) + 1)
        self._do(LayerAdded(layer, index, label))
        return layer

    def remove_layer(self, layer_id: str) -> None:
        index = self.index_of(layer_id)
        self._do(LayerRemoved(self.layers[index], index))

    def move_layer(self, layer_id: str, new_index: int) -> None:
        """Move a layer to ``new_index`` (0 = bottom, len-1 = top)."""
        old = self.index_of(layer_id)
        new = check_index(new_index, len(self.layers))
        if new != old:
            self._do(LayerMoved(layer_id, old, new))

    def duplicate_layer(self, layer_id: str) -> Layer:
        """Copy a layer (new id, name + " copy") and place the copy just above it."""
        src = self.layer(layer_id)
        fields = {k: v for k, v in src.__dict__.items() if k not in ("id", "data", "name")}
        dup = Layer(data=src.data.copy(), name=f"{src.name} copy", **fields)
        return self.insert_layer(
            dup, self.index_of(layer_id) + 1, label=StepName("Duplicate layer")
        )

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
            check_range(start, end)  # type: ignore[arg-type]
        before = getattr(layer, name)
        if before != value:
            shown = (
                (self._region_name(before), self._region_name(value)) if name == "region" else None
            )
            self._do(PropertyChange(layer.id, name, before, value, shown), merge)

    def _region_name(self, region: object) -> str:
        """A guide's region as the window names it: its layer's name, or the whole canvas."""
        found = [layer.name for layer in self.layers if layer.id == region]
        return found[0] if found else WHOLE_CANVAS

    def set_layer_range(
        self, layer_id: str, start: float, end: float, *, merge: bool = False
    ) -> None:
        """Set a guide's step range, start and end together (one undo step; ``merge`` folds a
        drag of the range slider into one)."""
        self.set_layer_values(
            layer_id, {"start": start, "end": end}, StepName("Change step range"), merge
        )

    def set_layer_values(
        self, layer_id: str, values: dict[str, object], label: str, merge: bool = False
    ) -> None:
        """Set several properties of one layer as one undo step named ``label`` (``merge``
        folds a drag into one)."""
        layer = self.layer(layer_id)
        if layer.locked:
            raise ValueError(f"layer {layer.name!r} is locked: unlock it to change it")
        after = {n: validate_property(layer.kind, n, v) for n, v in values.items()}
        check_range(
            after.get("start", layer.start),  # type: ignore[arg-type]
            after.get("end", layer.end),  # type: ignore[arg-type]
        )
        names = tuple(after)
        before = tuple(getattr(layer, n) for n in names)
        new = tuple(after[n] for n in names)
        if new != before:
            self._do(ValuesChange(layer.id, names, before, new, label), merge)

    # ---- prompts and settings -----------------------------------------------------------
    def set_prompt(self, text: str, *, merge: bool = False) -> None:
        self._set_field("prompt", str(text), PROMPT, merge)

    def set_negative_prompt(self, text: str, *, merge: bool = False) -> None:
        self._set_field("negative_prompt", str(text), NEGATIVE_PROMPT, merge)

    def set_setting(self, name: str, value: object) -> None:
        """Change one field of :class:`GenerationSettings` (validated; not an undo step);
        models: see set_model."""
        self._set_setting_field(f"settings.{name}", validated_setting(self.settings, name, value))

    def set_model(self, slot: str, value: str | None) -> None:
        """Choose the model of one slot: base, edge_controlnet, ..., depth_estimator (see
        ``model_choice.MODEL_SLOTS``); a ControlNet replaces the whole ``controlnets`` mapping."""
        chosen = self.settings.models.with_model(slot, value)
        name = "controlnets" if slot_kind(slot) is not None else slot
        self._set_setting_field(f"settings.models.{name}", getattr(chosen, name))

    def _set_field(self, path: str, value: object, change: Change, merge: bool) -> None:
        cmd = DocFieldChange(path, _get_path(self, path), value, change)
        if cmd.before != value:
            self._do(cmd, merge)

    def _set_setting_field(self, path: str, value: object) -> None:
        """Settings are not undo steps (see the module docstring): set, notify, record nothing."""
        self._require_no_stroke()
        cmd = DocFieldChange(path, _get_path(self, path), value, SETTINGS)
        if cmd.before != value:
            cmd.apply_redo(self)
            self._changed(SETTINGS)

    # ---- pixels -------------------------------------------------------------------------
    def begin_stroke(self, layer_id: str, label: str = StepName("Paint")) -> Stroke:
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
        self._record(cmd)
        self._changed(cmd.change)
        return True

    @contextmanager
    def stroke(self, layer_id: str, label: str = StepName("Paint")) -> Iterator[Stroke]:
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
        with self.stroke(layer_id, StepName("Fill rectangle")) as s:
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
        with self.stroke(layer_id, StepName("Paint")) as s:
            s.disc(cy, cx, radius, value, hardness, opacity)

    def replace_pixels(
        self, layer_id: str, data: np.ndarray, label: str = StepName("Replace pixels")
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
        """Scale the canvas and every layer (see ``canvas_resize``) as one undo step whose undo
        is exact. Subscribers hear LAYERS then SETTINGS (undo/redo: LAYERS only)."""
        w, h = check_canvas_size(width, height)
        self._require_no_stroke()
        if (w, h) == (self.width, self.height):
            return
        self._do(CanvasResized(self, w, h))
        self._changed(SETTINGS)

    # ---- checks -------------------------------------------------------------------------
    def _editable(self, layer_id: str) -> Layer:
        layer = self.layer(layer_id)
        if layer.locked:
            raise ValueError(f"layer {layer.name!r} is locked: unlock it to edit its pixels")
        return layer


def _get_path(obj: object, path: str) -> object:
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj
