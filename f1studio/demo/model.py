"""Where the shipped shapes-world demo model lives, and whether a model path is it (no torch).

When no base model is chosen anywhere, renders use it: ``model_library.resolve_models``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from f1studio.engine.request import ControlKind
from f1studio.paths import resource_path

#: The trained demo model: ``pipeline/`` (Stable Diffusion layout) and one ControlNet per guide.
DEMO_ROOT = resource_path("models", "shapes-world")
DEMO_NAME = "Shapes world (demo model)"
#: Its IP-Adapter (reference pictures), trained by ``python -m f1studio.demo.train_ip_adapter``.
IP_ADAPTER_FOLDER = "ip-adapter"
#: Its inpaint ControlNet (the picture with a hole -> the hole filled as the prompt says).
INPAINT_CONTROLNET_FOLDER = "controlnet-inpaint"
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
