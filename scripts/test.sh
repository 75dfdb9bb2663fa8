#!/usr/bin/env bash
# Run the test suite on a fresh or existing checkout: sets up .venv, then runs pytest.
# Extra arguments go to pytest (e.g. scripts/test.sh tests/engine -k parity).
# The tests run in parallel, one pytest-xdist worker per core up to four, each test file on
# one worker; F1STUDIO_TEST_WORKERS=N picks the number (0 or 1: one process, no xdist).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen HF_HUB_OFFLINE=1
cores=$(.venv/bin/python -c "from f1studio.engine_environment import usable_cores as c; print(c())")
workers="${F1STUDIO_TEST_WORKERS:-$(( cores < 4 ? cores : 4 ))}"
parallel=()
if [ "$workers" -gt 1 ]; then
  parallel=(-n "$workers" --dist loadfile)
fi
exec .venv/bin/python -m pytest -q -p no:cacheprovider "${parallel[@]}" "$@"
