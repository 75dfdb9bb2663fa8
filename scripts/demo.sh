#!/usr/bin/env bash
# A complete run with no downloads, on the built-in shapes-world demo model: makes a project
# with a prompt, an edge guide and a region, renders it to out/demo.png (no --model: the demo
# model is the default) and prints the project.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
F=.venv/bin/f1studio
mkdir -p out
.venv/bin/python - <<'PY'
import numpy as np
from PIL import Image
from f1studio.demo.world import Scene, Shape, render
# an edge guide: the outline of a medium square on the right
scene = Scene(shapes=(Shape("square", "blue", "medium", "right"),), background=("yellow",))
Image.fromarray(render(scene).edges).save("out/square-edges.png")
# a region: the top-left quarter
m = np.zeros((128, 128), np.uint8); m[:64, :64] = 255
Image.fromarray(m).save("out/top-left.png")
PY
$F new out/demo.f1s --size 128x128 --steps auto --force \
    --prompt "a medium blue square on the right, on a yellow background"
$F add-layer out/demo.f1s --kind edge --image out/square-edges.png
$F add-layer out/demo.f1s --kind region --image out/top-left.png \
    --prompt "a small red circle at the top left, on a yellow background"
$F render out/demo.f1s --out out/demo.png
$F info out/demo.f1s
echo "wrote out/demo.png"
