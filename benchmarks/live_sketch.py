"""Live mode on a partly painted canvas, demo model: does the picture keep the sketch where it
was painted and draw the prompt's background around it?

    python benchmarks/live_sketch.py [--cases 16] [--seed 0] [--no-few-step]

Each case paints one shape (a disc or a square, 28-52 px, at a random place) on a new demo
project whose prompt names its colour and kind and a background ("a medium red circle on a
blue background", no position words), and renders it at the demo model's live settings three
ways: each pixel its own strength with the inpaint ControlNet (what live mode does), the
strength map alone (models without an inpaint ControlNet), and img2img of the whole canvas at
the live strength (live mode before 2026-12-06). Prints per way: the share of the background
(6 px away from the sketch) in the prompt's background colour, the share of the sketch (3 px
in) still in its colour, and the share of the background in the shape's colour (the shape
drawn again elsewhere, or spilling). Live mode renders the demo model with its few-step LoRA;
``--no-few-step`` renders without it, at live mode's own guidance.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RGB = {
    "red": (230, 40, 40, 255),
    "yellow": (240, 220, 40, 255),
    "black": (20, 20, 20, 255),
    "blue": (40, 60, 230, 255),
    "green": (40, 180, 60, 255),
}
COMBOS = [
    ("red", "blue"),
    ("yellow", "green"),
    ("black", "white"),
    ("blue", "yellow"),
    ("black", "green"),
    ("red", "white"),
    ("green", "blue"),
    ("yellow", "red"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-few-step", action="store_true", help="without the few-step LoRA")
    args = parser.parse_args()

    import cv2
    import numpy as np

    from f1studio.appsettings import AppSettings
    from f1studio.demo import analysis
    from f1studio.demo.model import DEMO_ROOT
    from f1studio.document.document import Document
    from f1studio.document.layers import LayerKind
    from f1studio.engine.events import Finished
    from f1studio.engine.models import ModelCache
    from f1studio.engine.runner import run
    from f1studio.gui.family_defaults import apply_live_defaults
    from f1studio.gui.live import live_request

    cache = ModelCache()
    app = AppSettings(base=str(DEMO_ROOT / "pipeline"), device="cpu")

    def render(req):  # noqa: ANN001, ANN202
        events: list = []
        run(req, events.append, cache=cache)
        return next(e for e in events if isinstance(e, Finished)).result.images[0]

    rng = np.random.default_rng(args.seed)
    rows: dict[str, list[tuple[float, float, float]]] = {}
    for case in range(args.cases):
        colour, background = COMBOS[case % len(COMBOS)]
        kind = ("circle", "square")[case % 2]
        r = int(rng.integers(14, 26))
        cy, cx = (int(v) for v in rng.integers(r + 4, 128 - r - 4, size=2))
        doc = Document(128, 128, prompt=f"a medium {colour} {kind} on a {background} background")
        doc.add_layer(LayerKind.PAINT, name="Sketch")
        apply_live_defaults(doc, str(DEMO_ROOT / "pipeline"))
        doc.set_setting("live_seed", 42 + case)
        doc.set_setting("live_few_step", not args.no_few_step)
        if kind == "circle":
            doc.paint_disc(doc.layers[0].id, cy, cx, r, RGB[colour])
        else:
            doc.paint_rect(doc.layers[0].id, cy - r, cx - r, cy + r, cx + r, RGB[colour])
        painted = (doc.paint_coverage() > 0.5).astype(np.uint8)
        inside = cv2.erode(painted, np.ones((7, 7), np.uint8))
        outside = 1 - cv2.dilate(painted, np.ones((13, 13), np.uint8))
        request = live_request(doc, app)
        ways = {
            "strength map + inpaint ControlNet": request,
            "strength map alone": request.with_changes(strength_map_controlnet=None),
            "img2img of the whole canvas": request.with_changes(
                strength=doc.settings.live_strength,
                steps=doc.settings.live_steps,
                strength_map=None,
                strength_map_controlnet=None,
            ),
        }
        for name, req in ways.items():
            picture = render(req)
            rows.setdefault(name, []).append(
                (
                    analysis.colour_fraction(picture, outside, background),
                    analysis.colour_fraction(picture, inside, colour),
                    analysis.colour_fraction(picture, outside, colour),
                )
            )
    lora = "without" if args.no_few_step else "with"
    print(f"demo model, {args.cases} sketches (seed {args.seed}), live settings {lora} the LoRA")
    for name, values in rows.items():
        v = np.array(values)
        print(
            f"{name:34s} background right {v[:, 0].mean():.2f}  sketch kept {v[:, 1].mean():.2f}"
            f"  shape colour in the background {v[:, 2].mean():.3f}"
        )


if __name__ == "__main__":
    main()
