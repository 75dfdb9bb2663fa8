"""The generation history of a document: each result's picture and the request that made it.

Results are not layers: a finished render lands here, the window previews it over the canvas,
and only *Apply* copies it into a layer. The history is saved with the project (compactly: the
picture as a PNG and the request as JSON with its images named, not stored; they are the
document's own layers), newest last, at most :attr:`ResultHistory.limit` entries (the oldest
go first). Adding or discarding a result is not an undo step. No Qt, no torch.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from f1studio.engine.request import GenerationRequest

if TYPE_CHECKING:
    from f1studio.document.layers import Layer

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

#: What *Reuse settings* takes from a result: request field -> document setting (None: prompt).
REUSED_SETTINGS = {
    "prompt": None,
    "negative_prompt": None,
    "seed": "seed",
    "guidance_scale": "guidance_scale",
    "steps": "steps",
    "scheduler": "scheduler",
}


def request_record(request: GenerationRequest) -> dict[str, Any]:
    """The request as plain JSON data, images replaced by their names (compact)."""
    data: dict[str, Any] = json.loads(request.to_json_text())
    return data


@dataclass(frozen=True, eq=False)  # compared by identity: the picture is an array
class ResultRecord:
    """One result: an RGB picture (H, W, 3) uint8 and the request that rendered it."""

    image: np.ndarray
    request: dict[str, Any]
    created: float = field(default_factory=time.time)
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def __post_init__(self) -> None:
        if self.image.ndim != 3 or self.image.shape[2] != 3 or self.image.dtype != np.uint8:
            raise ValueError(f"a result is an RGB uint8 picture, not {self.image.shape}")

    @property
    def seed(self) -> int | None:
        seed = self.request.get("seed")
        return seed if isinstance(seed, int) and not isinstance(seed, bool) else None

    @property
    def prompt(self) -> str:
        prompt = self.request.get("prompt")
        return prompt if isinstance(prompt, str) else ""

    @property
    def model(self) -> str | None:
        model = self.request.get("model")
        return model if isinstance(model, str) else None

    @property
    def label(self) -> str:
        """'a red car (seed 42)': the layer name it gets when applied, and its tooltip."""
        text = " ".join(self.prompt.split())
        if len(text) > 40:
            text = text[:39] + "…"
        return f"{text or 'Result'} (seed {self.seed})"


class ResultHistory:
    """The results of one document, oldest first, capped at ``limit``.

    ``on_change()`` is called after every change (the Document notifies its subscribers).
    """

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._records: list[ResultRecord] = []
        self._applied: dict[str, str] = {}  # result id -> id of the layer Apply made of it
        self.limit = check_limit(limit)
        self.on_change: Callable[[], None] = lambda: None

    def copy(self) -> ResultHistory:
        """Another history with the same (immutable) results."""
        dup = ResultHistory(self.limit)
        dup._records = list(self._records)
        dup._applied = dict(self._applied)
        return dup

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[ResultRecord]:
        return iter(list(self._records))

    def get(self, result_id: str) -> ResultRecord:
        for record in self._records:
            if record.id == result_id:
                return record
        raise KeyError(f"no result {result_id!r} in this document's history")

    def __contains__(self, result_id: object) -> bool:
        return any(record.id == result_id for record in self._records)

    def newest(self) -> ResultRecord | None:
        return self._records[-1] if self._records else None

    def add(self, record: ResultRecord, applied_layer: str | None = None) -> list[ResultRecord]:
        """Append ``record``; returns the oldest ones dropped to stay within the limit."""
        self._records.append(record)
        if applied_layer is not None:
            self._applied[record.id] = applied_layer
        dropped = self._trim()
        self.on_change()
        return dropped

    def remove(self, result_id: str) -> ResultRecord:
        record = self.get(result_id)
        self._records.remove(record)
        self._applied.pop(result_id, None)
        self.on_change()
        return record

    def applied_layer(self, result_id: str) -> str | None:
        """The id of the layer *Apply* made of this result (it may have been undone since)."""
        return self._applied.get(result_id)

    def mark_applied(self, result_id: str, layer_id: str) -> None:
        self.get(result_id)
        self._applied[result_id] = layer_id
        self.on_change()

    def rendered(self, picture: np.ndarray, layers: Iterable[Layer]) -> ResultRecord | None:
        """The result ``picture`` (the visible canvas, RGB) is exactly, as it was rendered, shown
        through the visible layer *Apply* made of it; None when the canvas shows anything else
        (that layer hidden, deleted, painted over or under other paint, the canvas resized).
        Only then may an export carry the result's settings."""
        shown = {layer.id for layer in layers if layer.visible}
        for record in reversed(self._records):  # the newest first
            if (
                self._applied.get(record.id) in shown
                and record.image.shape == picture.shape
                and np.array_equal(record.image, picture)
            ):
                return record
        return None

    def set_limit(self, limit: int) -> list[ResultRecord]:
        """Change the cap; returns the results dropped by a lower one."""
        self.limit = check_limit(limit)
        dropped = self._trim()
        self.on_change()
        return dropped

    def _trim(self) -> list[ResultRecord]:
        dropped = self._records[: max(0, len(self._records) - self.limit)]
        for record in dropped:
            self._records.remove(record)
            self._applied.pop(record.id, None)
        return dropped


def check_limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_LIMIT:
        raise ValueError(f"the history keeps 0..{MAX_LIMIT} results, not {limit!r}")
    return limit
