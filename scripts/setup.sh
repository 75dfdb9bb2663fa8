#!/usr/bin/env bash
# Create (or update) the project's virtual environment in .venv with everything it needs.
#
# PyTorch: if the environment has no torch yet, F1STUDIO_TORCH picks what to install:
#   cpu (default)  torch==2.13.0, a CPU build (small, what tests and CI use)
#   system         nothing: you installed the CUDA/ROCm/MPS build you want yourself
#                  (create .venv first and `pip install torch` for your GPU, then run this)
# Re-running is cheap: pip skips what is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
PY=.venv/bin/python
stamp=.venv/.f1studio-installed
if [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ]; then
  exit 0
fi
"$PY" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
if ! "$PY" -c "import torch" >/dev/null 2>&1; then
  case "${F1STUDIO_TORCH:-cpu}" in
    cpu) "$PY" -m pip install --quiet "torch==2.13.0" ;;
    system) echo "F1STUDIO_TORCH=system but .venv has no torch: install your torch build first" >&2; exit 1 ;;
    *) echo "F1STUDIO_TORCH must be cpu or system" >&2; exit 1 ;;
  esac
fi
# the build backend's notes on editable installs are not for the user
PYTHONWARNINGS=ignore "$PY" -m pip install --quiet -e ".[test]"
# the window's translations: .ts sources compiled to the .qm files the app loads
bash scripts/translations.sh release
touch "$stamp"
