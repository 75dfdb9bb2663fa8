"""Render the README's before/after pair for Layout with the demo model.

    python scripts/layout_figure.py [--out docs/images/layout-before-after.png]

Top row: the prompt alone; bottom row: the same prompt after Layout (its regions outlined:
an ellipse for the circle, a triangle for the triangle), for the same three seeds (not picked: seeds 1, 2 and 3).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

PROMPT = (
    "a large red circle on the left and a medium blue triangle at the top right, "
    "on a yellow background"
)
SEEDS = (1, 2, 3)
SCALE = 2


def main() -> None:
    from PIL import Image

    from f1studio.demo.evaluate_base import EvalSettings, Renderer
    from f1studio.demo.evaluate_layout import laid_out
    from f1studio.layout import default_planner

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/images/layout-before-after.png"))
    args = parser.parse_args()
    render = Renderer(EvalSettings(steps=30))
    prompt, regions, _ms = laid_out(PROMPT, default_planner())
    rows = []
    for with_layout in (False, True):
        cells = []
        for seed in SEEDS:
            if with_layout:
                image, _ = render(prompt, seed=seed, regions=regions)
            else:
                image, _ = render(PROMPT, seed=seed)
            big = cv2.resize(image, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_NEAREST)
            if with_layout:
                for region in regions:
                    mask = cv2.resize(region.mask.array(), None, fx=SCALE, fy=SCALE)
                    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
                    cv2.drawContours(big, contours, -1, (40, 40, 40), 1, cv2.LINE_AA)
            cells.append(np.pad(big, ((4, 4), (4, 4), (0, 0)), constant_values=255))
        rows.append(np.concatenate(cells, axis=1))
    label_h = 22
    out = []
    for text, row in zip(("prompt alone", "after Layout (regions outlined)"), rows, strict=True):
        strip = np.full((label_h, row.shape[1], 3), 255, np.uint8)
        cv2.putText(strip, text, (6, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
        out += [strip, row]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.concatenate(out, axis=0)).save(args.out)
    print(f"wrote {args.out}: {PROMPT!r}, seeds {SEEDS}")


if __name__ == "__main__":
    main()
