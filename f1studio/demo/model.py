"""Where the shipped shapes-world demo model lives, and whether a model path is it (no torch).

When no base model is chosen anywhere, renders use it: ``model_library.resolve_models``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from f1studio.engine.request import MAX_STEPS, SCHEDULERS, ControlKind, LoraSpec
from f1studio.paths import resource_path

#: The trained demo model: ``pipeline/`` (Stable Diffusion layout) and one ControlNet per guide.
DEMO_ROOT = resource_path("models", "shapes-world")
DEMO_NAME = "Shapes world (demo model)"
#: Its IP-Adapter (reference pictures), trained by ``python -m f1studio.demo.train_ip_adapter``.
IP_ADAPTER_FOLDER = "ip-adapter"
#: Its inpaint ControlNet (the picture with a hole -> the hole filled as the prompt says).
INPAINT_CONTROLNET_FOLDER = "controlnet-inpaint"
#: Its few-step LoRA (live mode's renders: 4 steps, no guidance), trained by
#: ``python -m f1studio.demo.train_few_step``, with ``few_step.json``: the sampler, steps and
#: guidance it is meant for.
FEW_STEP_FOLDER = "few-step"
FEW_STEP_LORA = "shapes-world-few-step.safetensors"
FEW_STEP_PRESET = "few_step.json"
#: The Weight and Mode a new guide layer takes with this model, per guide kind (written at
#: export from the recipe's settings; measured in ``docs/eval/guide-modes.md``).
GUIDE_DEFAULTS = "guide_defaults.json"
#: The size the demo model was trained at; it draws nothing sensible at other sizes.
DEMO_SIZE = 128


@dataclass(frozen=True)
class DemoModel:
    pipeline: str
    controlnets: dict[str, str] = field(default_factory=dict)  # ControlKind value -> folder


def demo_model(root: Path | None = None) -> DemoModel | None:
    """The demo model's folders (``pipeline/`` and ``controlnet-<kind>/`` for each guide kind),
    or ``None`` when it is not installed (or incomplete)."""
    root = DEMO_ROOT if root is None else root
    if not (root / "pipeline" / "model_index.json").is_file():
        return None
    nets = {kind.value: root / f"controlnet-{kind.value}" for kind in ControlKind}
    found = {kind: str(folder) for kind, folder in nets.items() if folder.is_dir()}
    return DemoModel(pipeline=str(root / "pipeline"), controlnets=found)


@dataclass(frozen=True)
class FewStepLora:
    """A few-step LoRA and the sampler settings its renders need."""

    path: str
    scheduler: str
    steps: int
    guidance: float

    def request_args(self, loras: tuple[LoraSpec, ...] = ()) -> dict[str, object]:
        """The request fields of a render with this LoRA: ``loras`` and it, its sampler and
        its guidance (live mode's renders and the eval's alike)."""
        return {
            "loras": (*loras, LoraSpec(self.path)),
            "scheduler": self.scheduler,
            "guidance_scale": self.guidance,
        }


def few_step_lora(root: Path | None = None) -> FewStepLora | None:
    """The demo model's few-step LoRA (``few-step/`` beside its pipeline), or ``None`` when it
    is not installed or its ``few_step.json`` is unreadable or out of range."""
    folder = (DEMO_ROOT if root is None else root) / FEW_STEP_FOLDER
    lora = folder / FEW_STEP_LORA
    try:
        preset = json.loads((folder / FEW_STEP_PRESET).read_text("utf-8"))
        scheduler, steps = preset["scheduler"], preset["steps"]
        guidance = float(preset["guidance"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not lora.is_file() or scheduler not in SCHEDULERS:
        return None
    if not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS or not 1.0 <= guidance <= 30.0:
        return None
    return FewStepLora(str(lora), scheduler, steps, guidance)


def guide_defaults(root: Path | None = None) -> dict[str, dict[str, float]]:
    """The demo model's ``guide_defaults.json``: per guide kind (``edge``, ``depth``) the
    ``weight`` (0..2) and ``balance`` (the Mode, -1..1) a new guide layer of that kind starts
    with. Kinds or values that are missing, unreadable or out of range are left out (the
    layer then keeps its usual default)."""
    path = (DEMO_ROOT if root is None else root) / GUIDE_DEFAULTS
    try:
        found = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(found, dict):
        return {}
    limits = {"weight": (0.0, 2.0), "balance": (-1.0, 1.0)}
    out: dict[str, dict[str, float]] = {}
    for kind, values in found.items():
        if kind not in {k.value for k in ControlKind} or not isinstance(values, dict):
            continue
        kept = {
            name: float(value)
            for name, value in values.items()
            if name in limits
            and isinstance(value, (int, float))
            and not isinstance(value, bool)
            and limits[name][0] <= value <= limits[name][1]
        }
        if kept:
            out[kind] = kept
    return out


def is_demo(ref: str | None, root: Path | None = None) -> bool:
    """Whether ``ref`` points at the shipped demo model (its pipeline or one of its parts)."""
    root = DEMO_ROOT if root is None else root
    if not ref:
        return False
    try:
        path = Path(ref).expanduser().resolve()
    except OSError:
        return False
    return path == root.resolve() or root.resolve() in path.parents
