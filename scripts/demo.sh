#!/usr/bin/env bash
# A complete run with no downloads: builds the tiny random-weight test models, makes a project
# with a region, an edge guide from a photo and an inpaint mask, and renders it to out/demo.png.
# The pictures are noise-like (random weights): this shows the workflow, not image quality.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
F=.venv/bin/f1studio
M=.tiny-models
mkdir -p out
[ -d "$M/pipeline" ] || .venv/bin/python -m f1studio.testing.tiny_models "$M"
.venv/bin/python - <<'PY'
import numpy as np
from PIL import Image
from skimage.data import astronaut
Image.fromarray(astronaut()).save("out/photo.png")
m = np.zeros((256, 256), np.uint8); m[:, :128] = 255
Image.fromarray(m).save("out/left-half.png")
PY
$F new out/demo.f1s --size 256x256 --prompt "a city street at night" --steps 20 --force
$F add-layer out/demo.f1s --kind region --image out/left-half.png --prompt "a red car"
$F add-layer out/demo.f1s --kind edge --from-image out/photo.png --end 0.6
$F render out/demo.f1s --out out/demo.png --model "$M/pipeline" --controlnet "edge=$M/controlnet-edge"
$F info out/demo.f1s
