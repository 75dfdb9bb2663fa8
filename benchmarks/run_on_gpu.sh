#!/usr/bin/env bash
# The GPU suite on a machine with an NVIDIA GPU, in the Python environment already there (no
# network needed): checks that torch sees CUDA and that diffusers, transformers and accelerate
# import, then runs benchmarks/gpu_suite.py from this checkout. Prints the markdown table and
# writes the JSON to $OUT/gpu-suite.json ($OUT: the device tool's output folder; else ./out).
#
#     bash benchmarks/run_on_gpu.sh [gpu_suite.py options, e.g. --budget 420 --env KEY=VALUE]
#
# $PYTHON picks the interpreter (default: python3).
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
out="${OUT:-out}"
mkdir -p "$out"

"$python" - <<'EOF'
import importlib.util, sys
missing = [m for m in ("torch", "diffusers", "transformers", "accelerate", "numpy", "PIL")
           if importlib.util.find_spec(m) is None]
if missing:
    sys.exit(f"missing here: {', '.join(missing)} (this machine cannot download them)")
import torch
if not torch.cuda.is_available():
    sys.exit(f"torch {torch.__version__} sees no CUDA GPU: the full suite needs one (--tiny runs on a CPU)")
import diffusers, transformers
print(f"torch {torch.__version__} (CUDA {torch.version.cuda}), diffusers {diffusers.__version__}, "
      f"transformers {transformers.__version__}, {torch.cuda.get_device_name(0)}")
for name in ("torchao", "bitsandbytes"):
    print(f"{name}: {'yes' if importlib.util.find_spec(name) else 'no (its rows are skipped)'}")
EOF

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || true
"$python" benchmarks/gpu_suite.py --json "$out/gpu-suite.json" "$@"
