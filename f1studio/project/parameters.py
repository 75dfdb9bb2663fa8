"""Reading AUTOMATIC1111-style ``parameters`` text (what F1 Studio, AUTOMATIC1111, Forge and
many image sites write into a PNG) back into settings: prompt, negative prompt, steps,
sampler, CFG scale, seed, size, denoising strength and the ``<lora:name:weight>`` tags.

Unknown fields are kept aside, never guessed at; a sampler F1 Studio does not have is named in
``unknown`` rather than replaced by another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from f1studio.document.loras import split_lora_tags
from f1studio.engine.request import SCHEDULER_LABELS

# AUTOMATIC1111's sampler names -> ours ("DPM++ 2M" with "Schedule type: Karras" too)
_SAMPLERS = {label.lower(): name for name, label in SCHEDULER_LABELS.items()}
_SAMPLERS.update({"euler_a": "euler-a", "dpm++ 2m sde": "dpmpp-2m", "lcm": "lcm", "tcd": "tcd"})
_FIELD = re.compile(r"\s*([A-Za-z][\w \-/]*):\s*(\"(?:[^\"\\\\]|\\\\.)*\"|[^,]*)\s*(?:,|$)")


@dataclass
class Parameters:
    prompt: str = ""
    negative_prompt: str = ""
    steps: int | None = None
    scheduler: str | None = None
    guidance_scale: float | None = None
    seed: int | None = None
    size: tuple[int, int] | None = None  # width, height
    strength: float | None = None
    loras: list[tuple[str, float]] = field(default_factory=list)
    unknown: dict[str, str] = field(default_factory=dict)


def parse_parameters(text: str) -> Parameters:
    """The settings in a ``parameters`` text; ``ValueError`` when it has no settings line."""
    lines = text.strip("\n").split("\n")
    last = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].startswith("Steps:")), None)
    if last is None:
        raise ValueError("these are not generation parameters (no 'Steps:' line)")
    head, settings = lines[:last], lines[last]
    negative_at = next(
        (i for i, line in enumerate(head) if line.startswith("Negative prompt:")), None
    )
    prompt_lines = head if negative_at is None else head[:negative_at]
    out = Parameters()
    out.prompt, out.loras = split_lora_tags("\n".join(prompt_lines).strip())
    if negative_at is not None:
        negative = "\n".join(head[negative_at:])[len("Negative prompt:") :]
        out.negative_prompt = negative.strip()
    fields = {m.group(1).strip(): m.group(2).strip().strip('"') for m in _FIELD.finditer(settings)}
    for key, value in fields.items():
        try:
            _read_field(out, key, value)
        except ValueError:
            out.unknown[key] = value
    if out.scheduler == "dpmpp-2m" and fields.get("Schedule type", "").lower() == "karras":
        out.scheduler = "dpmpp-2m-karras"
    return out


def _read_field(out: Parameters, key: str, value: str) -> None:
    if key == "Steps":
        out.steps = int(value)
    elif key == "Sampler":
        name = _SAMPLERS.get(value.lower())
        if name is None:
            raise ValueError(value)
        out.scheduler = name
    elif key == "CFG scale":
        out.guidance_scale = float(value)
    elif key == "Seed":
        out.seed = int(value)
    elif key == "Size":
        width, height = (int(v) for v in value.lower().split("x"))
        out.size = (width, height)
    elif key == "Denoising strength":
        out.strength = float(value)
    elif key != "Schedule type":
        raise ValueError(key)
