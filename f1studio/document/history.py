"""Undo history: small command objects and a bounded stack.

A command knows how to undo and redo itself on a document and roughly how much memory it
holds. Pixel edits are :class:`TilePatch` commands that keep only the changed rectangles
(before and after), never whole-layer copies. Commands reach into ``doc.layers`` and
``doc.layer(id)`` only, so this module stays independent of the Document class.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from f1studio.document.changes import LAYERS, Change
from f1studio.document.step_names import StepName, describe_change
from f1studio.document.strokes import TILE, Stroke, Tile, TileRecorder

__all__ = [
    "TILE",
    "Command",
    "CommandGroup",
    "DocFieldChange",
    "History",
    "LayerAdded",
    "LayerMoved",
    "LayerRemoved",
    "PropertyChange",
    "ValuesChange",
    "Stroke",
    "Tile",
    "TilePatch",
    "TileRecorder",
]

if TYPE_CHECKING:
    from f1studio.document.document import Document
    from f1studio.document.layers import Layer

_SMALL = 128  # nominal size of a command without pixel data


class Command(ABC):
    """Base of all undoable edits."""

    label: str = "Edit"
    merge_key: tuple[Any, ...] | None = None

    @property
    @abstractmethod
    def change(self) -> Change:
        """What subscribers hear when this step is done, undone or redone."""

    @property
    def nbytes(self) -> int:
        return _SMALL

    @abstractmethod
    def apply_undo(self, doc: Document) -> None:
        """Put the document back as it was before this step."""

    @abstractmethod
    def apply_redo(self, doc: Document) -> None:
        """Do this step (again)."""

    def describe(self) -> str:
        """The step's name in the Edit menu and the Undo History ("Paint", "Opacity: 1 → 0.5")."""
        return self.label

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.describe()!r} {self.nbytes} B>"


class TilePatch(Command):
    """Pixels of one layer changed inside a few rectangles."""

    def __init__(self, layer_id: str, tiles: list[Tile] | tuple[Tile, ...], label: str = "Paint"):
        self.layer_id = layer_id
        self.tiles = tuple(tiles)
        self.label = label
        for t in self.tiles:
            t.before.setflags(write=False)
            t.after.setflags(write=False)
        self._nbytes = sum(t.before.nbytes + t.after.nbytes for t in self.tiles) + _SMALL

    @property
    def change(self) -> Change:
        return Change.pixels(self.layer_id)

    @property
    def nbytes(self) -> int:
        return self._nbytes

    def _put(self, doc: Document, after: bool) -> None:
        data = doc.layer(self.layer_id).data
        for t in self.tiles:
            src = t.after if after else t.before
            data[t.y0 : t.y0 + src.shape[0], t.x0 : t.x0 + src.shape[1]] = src

    def apply_undo(self, doc: Document) -> None:
        self._put(doc, after=False)

    def apply_redo(self, doc: Document) -> None:
        self._put(doc, after=True)


class PropertyChange(Command):
    """One metadata property of one layer (opacity, prompt, weight ...)."""

    def __init__(
        self,
        layer_id: str,
        name: str,
        before: object,
        after: object,
        shown: tuple[str, str] | None = None,
    ):
        """``shown``: the two values as the window names them, for the step's name (a
        region's layer name rather than its id)."""
        self.layer_id, self.name, self.before, self.after = layer_id, name, before, after
        self.shown = shown
        self.label = StepName("Change {field}", field=name.replace("_", " "))
        self.merge_key = ("property", layer_id, name)

    def describe(self) -> str:
        if self.name in ("prompt", "negative_prompt"):  # a region's words
            return StepName(f"Edit region {self.name.replace('_', ' ')}")
        return describe_change(self.name, self.before, self.after, self.shown)

    @property
    def change(self) -> Change:
        return Change.layer(self.layer_id)

    def apply_undo(self, doc: Document) -> None:
        setattr(doc.layer(self.layer_id), self.name, self.before)

    def apply_redo(self, doc: Document) -> None:
        setattr(doc.layer(self.layer_id), self.name, self.after)


class ValuesChange(Command):
    """Several properties of one layer set together, one undo step per drag (merged by
    ``merge_key``): a guide's step range, or its Control slider (weight, range and curve)."""

    def __init__(
        self,
        layer_id: str,
        names: tuple[str, ...],
        before: tuple[object, ...],
        after: tuple[object, ...],
        label: str,
    ) -> None:
        self.layer_id, self.names, self.before, self.after = layer_id, names, before, after
        self.label = label
        self.merge_key = ("values", layer_id, names)

    def describe(self) -> str:
        if self.names == ("start", "end"):
            (b0, b1), (a0, a1) = self.before, self.after
            return StepName(
                "Step range: {before} → {after}",
                before=f"{b0:.0%}–{b1:.0%}",
                after=f"{a0:.0%}–{a1:.0%}",
            )
        return self.label

    @property
    def change(self) -> Change:
        return Change.layer(self.layer_id)

    def _set(self, doc: Document, values: tuple[object, ...]) -> None:
        layer = doc.layer(self.layer_id)
        for name, value in zip(self.names, values, strict=True):
            setattr(layer, name, value)

    def apply_undo(self, doc: Document) -> None:
        self._set(doc, self.before)

    def apply_redo(self, doc: Document) -> None:
        self._set(doc, self.after)


class DocFieldChange(Command):
    """A document field given by a dotted path ("prompt", "settings.steps", "settings.models.base")."""

    def __init__(self, path: str, before: object, after: object, change: Change):
        self.path, self.before, self.after, self._change = path, before, after, change
        self.label = StepName("Change {field}", field=path.rsplit(".", 1)[-1].replace("_", " "))
        self.merge_key = ("field", path)

    def describe(self) -> str:
        return describe_change(self.path.rsplit(".", 1)[-1], self.before, self.after)

    @property
    def change(self) -> Change:
        return self._change

    def _set(self, doc: Document, value: object) -> None:
        *parents, name = self.path.split(".")
        target: Any = doc
        for p in parents:
            target = getattr(target, p)
        setattr(target, name, value)

    def apply_undo(self, doc: Document) -> None:
        self._set(doc, self.before)

    def apply_redo(self, doc: Document) -> None:
        self._set(doc, self.after)


class LayerAdded(Command):
    """A layer was inserted at ``index`` (the command keeps the layer for redo)."""

    def __init__(self, layer: Layer, index: int, label: str = StepName("Add layer")):
        self.layer, self.index, self.label = layer, index, label

    @property
    def change(self) -> Change:
        return LAYERS

    @property
    def nbytes(self) -> int:
        return int(self.layer.data.nbytes) + _SMALL

    def apply_undo(self, doc: Document) -> None:
        doc.layers.pop(doc.index_of(self.layer.id))

    def apply_redo(self, doc: Document) -> None:
        doc.layers.insert(self.index, self.layer)


class LayerRemoved(LayerAdded):
    """A layer was removed from ``index``."""

    def __init__(self, layer: Layer, index: int, label: str = StepName("Remove layer")):
        super().__init__(layer, index, label)

    def apply_undo(self, doc: Document) -> None:
        LayerAdded.apply_redo(self, doc)

    def apply_redo(self, doc: Document) -> None:
        LayerAdded.apply_undo(self, doc)


class CommandGroup(Command):
    """Several edits made as one step (a layout: regions removed, added and updated)."""

    def __init__(self, commands: list[Command], label: str):
        self.commands, self.label = tuple(commands), label

    @property
    def change(self) -> Change:
        return LAYERS

    @property
    def nbytes(self) -> int:
        return sum(cmd.nbytes for cmd in self.commands)

    def apply_undo(self, doc: Document) -> None:
        for cmd in reversed(self.commands):
            cmd.apply_undo(doc)

    def apply_redo(self, doc: Document) -> None:
        for cmd in self.commands:
            cmd.apply_redo(doc)


class LayerMoved(Command):
    """A layer moved from ``old_index`` to ``new_index`` in the stack."""

    label = StepName("Move layer")

    def __init__(self, layer_id: str, old_index: int, new_index: int):
        self.layer_id, self.old_index, self.new_index = layer_id, old_index, new_index

    @property
    def change(self) -> Change:
        return LAYERS

    def _move(self, doc: Document, to: int) -> None:
        layer = doc.layers.pop(doc.index_of(self.layer_id))
        doc.layers.insert(to, layer)

    def apply_undo(self, doc: Document) -> None:
        self._move(doc, self.old_index)

    def apply_redo(self, doc: Document) -> None:
        self._move(doc, self.new_index)


class History:
    """Undo and redo stacks, bounded by ``depth`` steps and optionally by ``max_bytes``.

    The oldest steps are dropped first; the newest step is always kept. ``push(cmd,
    merge=True)`` folds a property/field change into the previous step when it changes the
    same thing (one undo step for a slider drag or a typed word); :meth:`seal` ends that.
    """

    def __init__(self, depth: int = 200, max_bytes: int | None = None):
        if int(depth) < 1:
            raise ValueError(f"history depth must be at least 1, not {depth}")
        self.depth = int(depth)
        self.max_bytes = max_bytes
        self.undo_stack: list[Command] = []
        self.redo_stack: list[Command] = []
        self._mergeable = False

    def push(self, cmd: Command, merge: bool = False) -> None:
        """Record an edit that has already been applied; clears the redo stack."""
        self.redo_stack.clear()
        top = self.undo_stack[-1] if self.undo_stack else None
        if (
            merge
            and self._mergeable
            and top is not None
            and cmd.merge_key is not None
            and top.merge_key == cmd.merge_key
        ):
            top.after = cmd.after  # type: ignore[attr-defined]
            if top.after == top.before:  # type: ignore[attr-defined]
                self.undo_stack.pop()  # back where it started: no step at all
                self._mergeable = False
            return
        self.undo_stack.append(cmd)
        self._mergeable = True
        self._trim()

    def _trim(self) -> None:
        del self.undo_stack[: max(0, len(self.undo_stack) - self.depth)]
        if self.max_bytes is not None:
            total = self.nbytes
            while len(self.undo_stack) > 1 and total > self.max_bytes:
                total -= self.undo_stack.pop(0).nbytes

    def undo(self, doc: Document) -> Command | None:
        """Undo the newest step on ``doc``; None when there is nothing to undo."""
        if not self.undo_stack:
            return None
        cmd = self.undo_stack[-1]
        cmd.apply_undo(doc)
        self.redo_stack.append(self.undo_stack.pop())
        self._mergeable = False
        return cmd

    def redo(self, doc: Document) -> Command | None:
        """Redo the newest undone step on ``doc``; None when there is nothing to redo."""
        if not self.redo_stack:
            return None
        cmd = self.redo_stack[-1]
        cmd.apply_redo(doc)
        self.undo_stack.append(self.redo_stack.pop())
        self._mergeable = False
        return cmd

    def seal(self) -> None:
        """Stop merging into the newest step (e.g. when a slider is released)."""
        self._mergeable = False

    def clear(self) -> None:
        self.undo_stack.clear()
        self.redo_stack.clear()
        self._mergeable = False

    @property
    def can_undo(self) -> bool:
        return bool(self.undo_stack)

    @property
    def can_redo(self) -> bool:
        return bool(self.redo_stack)

    @property
    def undo_label(self) -> str | None:
        return self.undo_stack[-1].describe() if self.undo_stack else None

    @property
    def redo_label(self) -> str | None:
        return self.redo_stack[-1].describe() if self.redo_stack else None

    @property
    def labels(self) -> list[str]:
        """Every step's name, oldest first: the done steps, then the undone ones."""
        steps = self.undo_stack + self.redo_stack[::-1]
        return [cmd.describe() for cmd in steps]

    @property
    def position(self) -> int:
        """How many of :attr:`labels` are done (0: every step is undone)."""
        return len(self.undo_stack)

    @property
    def nbytes(self) -> int:
        return sum(c.nbytes for c in self.undo_stack) + sum(c.nbytes for c in self.redo_stack)

    def __len__(self) -> int:
        return len(self.undo_stack)
