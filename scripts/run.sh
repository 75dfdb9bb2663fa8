#!/usr/bin/env bash
# Run F1 Studio on a fresh or existing checkout: sets up .venv, then runs `f1studio ARGS`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/f1studio "$@"
