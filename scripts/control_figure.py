"""Render the README's Layered control figure with the demo model.

    python scripts/control_figure.py [--out docs/images/layered-control.png]

One held-out scene (the first with a shape on each side), same seed: its edge guide, the
caption alone, caption + guide, caption + guide limited to the left half (dashed line).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

SCALE = 2


def main() -> None:
    from PIL import Image

    from f1studio.demo.evaluate_base import EvalSettings, Renderer, pixels_of
    from f1studio.demo.world import HELD_OUT_SEED, generate
    from f1studio.engine.request import ControlKind, ControlSpec

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/images/layered-control.png"))
    args = parser.parse_args()
    index = 0
    while True:
        scene, rendered, text = generate(index, HELD_OUT_SEED)
        xs = [s.x for s in scene.shapes]
        if len(xs) >= 2 and min(xs) < 0.35 and max(xs) > 0.65:
            break
        index += 1
    render = Renderer(EvalSettings(steps=30))
    size = rendered.image.shape[0]
    guide_rgb = np.repeat(rendered.edges[:, :, None], 3, axis=2)
    left = np.zeros((size, size), np.uint8)
    left[:, : size // 2] = 255

    def guide(**kw):
        return ControlSpec(ControlKind.EDGE, pixels_of(guide_rgb), render.edge, **kw)

    panels = [
        ("edge guide", guide_rgb),
        ("prompt alone", render(text, seed=index)[0]),
        ("prompt + guide", render(text, seed=index, controls=(guide(),))[0]),
        (
            "guide limited to the left",
            render(text, seed=index, controls=(guide(mask=pixels_of(left)),))[0],
        ),
    ]
    cells = []
    for label, image in panels:
        big = cv2.resize(image, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_NEAREST)
        if label.startswith("guide limited"):
            for y in range(0, big.shape[0], 8):
                cv2.line(big, (size, y), (size, y + 4), (40, 40, 40), 1)
        strip = np.full((20, big.shape[1], 3), 255, np.uint8)
        cv2.putText(
            strip, label, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 1, cv2.LINE_AA
        )
        cells.append(
            np.pad(np.concatenate([strip, big]), ((4, 4), (4, 4), (0, 0)), constant_values=255)
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.concatenate(cells, axis=1)).save(args.out)
    print(f"wrote {args.out}: {text!r}, held-out scene {index}")


if __name__ == "__main__":
    main()
