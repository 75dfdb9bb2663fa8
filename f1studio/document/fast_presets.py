"""Few-step LoRAs and the sampler settings that go with them.

LCM-LoRA, Hyper-SD, TCD, SDXL-Lightning and the FLUX.1 turbo LoRAs turn a model into a 4-8
step one, but only with their own sampler, step count and guidance; with the usual 25 steps of
DPM++ at guidance 7 they give burnt pictures. :func:`preset_for` tells such a LoRA from its
file path (the names their authors publish them under, including the Hugging Face cache's
``models--org--repo`` folders) and gives the settings to use; :func:`apply_preset` sets them on
a document, live mode's steps included. No Qt, no torch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from f1studio.document.document import Document


@dataclass(frozen=True)
class FastPreset:
    label: str
    scheduler: str
    steps: int
    guidance_scale: float

    def describe(self) -> str:
        return (
            f"{self.label}: {self.steps} steps of {self.scheduler}, guidance "
            f"{self.guidance_scale:g}"
        )


def _steps(text: str, default: int) -> int:
    found = re.search(r"(\d+)[-_ ]?steps?", text)
    return int(found.group(1)) if found and 1 <= int(found.group(1)) <= 16 else default


def preset_for(path: str) -> FastPreset | None:
    """The sampler settings for a few-step LoRA at ``path``, or None for any other LoRA."""
    text = path.replace("\\", "/").lower()
    if "lcm" in text:
        return FastPreset("LCM-LoRA", "lcm", 6, 1.5)
    if "hyper" in text and ("sd" in text or "flux" in text):
        steps = _steps(text, 8)
        if "flux" in text:
            return FastPreset("Hyper-SD (FLUX.1)", "flow-euler", steps, 3.5)
        guidance = 5.0 if "cfg" in text else 1.0
        return FastPreset("Hyper-SD", "tcd", steps, guidance)
    if "tcd" in text:
        return FastPreset("TCD", "tcd", _steps(text, 4), 1.0)
    if "lightning" in text:
        return FastPreset("Lightning", "euler-trailing", _steps(text, 4), 1.0)
    if "turbo" in text and "flux" in text:
        return FastPreset("FLUX.1 turbo", "flow-euler", _steps(text, 8), 3.5)
    return None


def apply_preset(doc: Document, preset: FastPreset) -> None:
    """Use ``preset``'s sampler, steps and guidance for renders and live mode."""
    doc.set_setting("scheduler", preset.scheduler)
    doc.set_setting("steps", preset.steps)
    doc.set_setting("guidance_scale", preset.guidance_scale)
    doc.set_setting("live_steps", min(preset.steps, doc.settings.live_steps))
    doc.set_setting("live_guidance", 0.0)  # the preset's guidance, as the prompt's
