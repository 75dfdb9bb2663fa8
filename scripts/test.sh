#!/usr/bin/env bash
# Run the test suite on a fresh or existing checkout: sets up .venv, then runs pytest.
# Extra arguments go to pytest (e.g. scripts/test.sh tests/engine -k parity).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen HF_HUB_OFFLINE=1
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
