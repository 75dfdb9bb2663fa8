"""The ``results`` section of a manifest: the document's generation history (format 3).

::

    "results": {"limit": 50, "items": [
        {"id": "3f2a…", "file": "results/3f2a….png", "created": 1764430000.0,
         "applied_layer": null, "request": {…the request as JSON, images named…}}
    ]}

:func:`check_results` checks it as the rest of the manifest is checked (one line naming the
field); each result's PNG is decoded later, after its header (size, mode) was checked against
the same memory budget as the layers. No Qt, no torch.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from f1studio.document.results import MAX_LIMIT, check_limit

MAX_REQUEST_TEXT = 10_000  # the longest text a stored request may hold (prompts)
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class ResultsInvalid(ValueError):
    """One reason the results section is invalid, naming the field."""


@dataclass(frozen=True)
class ResultEntry:
    id: str
    file: str
    request: dict[str, Any]
    created: float
    applied_layer: str | None


@dataclass(frozen=True)
class CheckedResults:
    limit: int
    items: tuple[ResultEntry, ...]


def check_results(section: object) -> CheckedResults:
    """Check ``manifest["results"]`` (absent: an empty history)."""
    if section is None:
        return CheckedResults(check_limit(50), ())
    if not isinstance(section, dict):
        raise ResultsInvalid(f"results must be an object, not {type(section).__name__}")
    limit = section.get("limit", 50)
    try:
        limit = check_limit(limit)
    except ValueError:
        raise ResultsInvalid(f"results.limit must be a whole number 0..{MAX_LIMIT}") from None
    items = section.get("items", [])
    if not isinstance(items, list):
        raise ResultsInvalid("results.items must be a list")
    if len(items) > limit:
        raise ResultsInvalid(f"results.items holds {len(items)} results; its limit is {limit}")
    checked = tuple(_item(item, f"results.items[{i}]") for i, item in enumerate(items))
    ids = [entry.id for entry in checked]
    if len(set(ids)) != len(ids):
        raise ResultsInvalid("results.items has two results with the same id")
    return CheckedResults(limit, checked)


def _item(item: object, where: str) -> ResultEntry:
    if not isinstance(item, dict):
        raise ResultsInvalid(f"{where} must be an object")
    result_id, member = item.get("id"), item.get("file")
    if not isinstance(result_id, str) or not _SAFE_ID.fullmatch(result_id):
        raise ResultsInvalid(f"{where}.id must be a short name of letters and digits")
    if member != f"results/{result_id}.png":
        raise ResultsInvalid(f"{where}.file must be 'results/{result_id}.png'")
    created = item.get("created", 0.0)
    if isinstance(created, bool) or not isinstance(created, (int, float)):
        raise ResultsInvalid(f"{where}.created must be a time in seconds")
    if not math.isfinite(created):
        raise ResultsInvalid(f"{where}.created must be a time in seconds")
    applied = item.get("applied_layer")
    if applied is not None and (not isinstance(applied, str) or len(applied) > 64):
        raise ResultsInvalid(f"{where}.applied_layer must be a layer id or null")
    request = item.get("request")
    if not isinstance(request, dict):
        raise ResultsInvalid(f"{where}.request must be an object")
    for key in ("prompt", "negative_prompt", "model", "scheduler"):
        value = request.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_REQUEST_TEXT):
            raise ResultsInvalid(f"{where}.request.{key} must be text (at most 10 000 characters)")
    for key in ("seed", "steps"):
        value = request.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ResultsInvalid(f"{where}.request.{key} must be a whole number")
    guidance = request.get("guidance_scale")
    if guidance is not None and (
        isinstance(guidance, bool)
        or not isinstance(guidance, (int, float))
        or not math.isfinite(guidance)
    ):
        raise ResultsInvalid(f"{where}.request.guidance_scale must be a number")
    return ResultEntry(result_id, member, request, float(created), applied)
