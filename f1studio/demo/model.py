"""Where the shipped shapes-world demo model lives, and whether a model path is it (no torch)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: The trained demo model: ``pipeline/`` (Stable Diffusion layout) and one ControlNet per guide.
DEMO_ROOT = Path(__file__).resolve().parents[2] / "resources" / "models" / "shapes-world"
DEMO_NAME = "Shapes world (demo model)"
#: The size the demo model was trained at; it draws nothing sensible at other sizes.
DEMO_SIZE = 128


@dataclass(frozen=True)
class DemoModel:
    pipeline: str
    edge_controlnet: str
    depth_controlnet: str


def demo_model(root: Path | None = None) -> DemoModel | None:
    """The demo model's folders, or ``None`` when it is not installed (or incomplete)."""
    root = DEMO_ROOT if root is None else root
    parts = DemoModel(
        pipeline=str(root / "pipeline"),
        edge_controlnet=str(root / "controlnet-edge"),
        depth_controlnet=str(root / "controlnet-depth"),
    )
    if not (root / "pipeline" / "model_index.json").is_file():
        return None
    return parts


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


def resolve_models(
    base: str | None, edge: str | None, depth: str | None
) -> tuple[str | None, str | None, str | None]:
    """The models a render uses: the chosen ones, or the demo model with its own ControlNets
    when no base model is chosen anywhere (ControlNets chosen without a base model belong to
    some other model, so they are not mixed with the demo's)."""
    if base:
        return base, edge, depth
    demo = demo_model()
    if demo is None:
        return None, edge, depth
    return demo.pipeline, demo.edge_controlnet, demo.depth_controlnet
