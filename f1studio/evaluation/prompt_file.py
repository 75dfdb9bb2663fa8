"""The prompt set ``f1studio eval --prompts FILE`` renders.

Two kinds of file:

- **text** (any suffix but ``.json``): one prompt per line; blank lines and lines starting with
  ``#`` are skipped.
- **JSON**: a list (or ``{"prompts": [...]}``) whose items are a prompt string or an object
  ``{"prompt", "negative"?, "seed"?, "regions"?: [{"prompt", "box" | "mask", "expected"?}]}``.
  A region's ``box`` is ``[left, top, right, bottom]`` as fractions (0..1) of the picture; its
  ``mask`` a picture file (white = inside; relative to the JSON file), resized to the render.
  ``expected`` is the text its crop is scored against (default: the region's prompt).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from f1studio.evaluation.errors import EvaluationError


@dataclass(frozen=True)
class RegionCase:
    prompt: str
    #: [left, top, right, bottom] as fractions of the picture, or None with a mask
    box: tuple[float, float, float, float] | None = None
    mask: Path | None = None
    expected: str = ""

    @property
    def expected_text(self) -> str:
        return self.expected or self.prompt

    def mask_at(self, width: int, height: int) -> np.ndarray:
        """The region as a uint8 HxW mask (255 inside) at the render's size."""
        if self.box is not None:
            left, top, right, bottom = self.box
            mask = np.zeros((height, width), np.uint8)
            x0, x1 = round(left * width), round(right * width)
            y0, y1 = round(top * height), round(bottom * height)
            mask[y0:y1, x0:x1] = 255
            return mask
        assert self.mask is not None
        from PIL import Image

        try:
            with Image.open(self.mask) as picture:
                grey = picture.convert("L").resize((width, height), Image.Resampling.NEAREST)
        except OSError as e:
            raise EvaluationError(f"region mask {self.mask}: {e}") from None
        return np.where(np.asarray(grey) > 127, 255, 0).astype(np.uint8)

    def crop_box(self, width: int, height: int) -> tuple[int, int, int, int] | None:
        """(x0, y0, x1, y1) around the region at the render's size; None for an empty mask."""
        ys, xs = np.nonzero(self.mask_at(width, height))
        if not len(xs):
            return None
        return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


@dataclass(frozen=True)
class PromptCase:
    prompt: str
    negative: str = ""
    seed: int | None = None
    regions: tuple[RegionCase, ...] = ()

    @property
    def scored_text(self) -> str:
        """What the whole picture is scored against: the prompt, else the regions' prompts."""
        return self.prompt or ", ".join(r.expected_text for r in self.regions)


def read_prompt_file(path: Path) -> list[PromptCase]:
    """The cases of a text or JSON prompt file; :class:`EvaluationError` saying what is wrong."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise EvaluationError(f"prompt file {path}: {e}") from None
    if path.suffix.lower() == ".json":
        cases = _json_cases(text, path)
    else:
        cases = [
            PromptCase(line.strip())
            for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        ]
    if not cases:
        raise EvaluationError(f"prompt file {path} holds no prompts")
    return cases


def _json_cases(text: str, path: Path) -> list[PromptCase]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise EvaluationError(f"prompt file {path}: not JSON ({e})") from None
    if isinstance(data, dict) and "prompts" in data:
        data = data["prompts"]
    if not isinstance(data, list):
        raise EvaluationError(f"prompt file {path}: expected a list of prompts")
    return [_case(item, f"{path} item {i + 1}", path.parent) for i, item in enumerate(data)]


def _case(item: Any, where: str, folder: Path) -> PromptCase:
    if isinstance(item, str):
        return PromptCase(item)
    if not isinstance(item, dict):
        raise EvaluationError(f"{where}: a prompt is a string or an object")
    prompt = _text(item.get("prompt", ""), f"{where} prompt")
    seed = item.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise EvaluationError(f"{where}: seed must be a whole number >= 0, not {seed!r}")
    regions = item.get("regions", [])
    if not isinstance(regions, list):
        raise EvaluationError(f"{where}: regions must be a list")
    cases = tuple(_region(r, f"{where} region {k + 1}", folder) for k, r in enumerate(regions))
    if not prompt and not cases:
        raise EvaluationError(f"{where}: no prompt and no regions")
    negative = _text(item.get("negative", ""), f"{where} negative")
    return PromptCase(prompt, negative, seed, cases)


def _region(item: Any, where: str, folder: Path) -> RegionCase:
    if not isinstance(item, dict):
        raise EvaluationError(f"{where}: a region is an object with prompt and box or mask")
    prompt = _text(item.get("prompt", ""), f"{where} prompt")
    if not prompt:
        raise EvaluationError(f"{where}: a region needs a prompt")
    expected = _text(item.get("expected", ""), f"{where} expected")
    if ("box" in item) == ("mask" in item):
        raise EvaluationError(f"{where}: give either a box or a mask")
    if "mask" in item:
        mask = folder / _text(item["mask"], f"{where} mask")
        if not mask.is_file():
            raise EvaluationError(f"{where}: no mask picture at {mask}")
        return RegionCase(prompt, mask=mask, expected=expected)
    box = item["box"]
    if (
        not isinstance(box, list)
        or len(box) != 4
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in box)
    ):
        raise EvaluationError(f"{where}: box is [left, top, right, bottom] (fractions 0..1)")
    left, top, right, bottom = (float(v) for v in box)
    if not (0 <= left < right <= 1 and 0 <= top < bottom <= 1):
        raise EvaluationError(
            f"{where}: box {box} must satisfy 0 <= left < right <= 1 and 0 <= top < bottom <= 1"
        )
    return RegionCase(prompt, box=(left, top, right, bottom), expected=expected)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise EvaluationError(f"{where} must be text, not {type(value).__name__}")
    return value.strip()
