#!/usr/bin/env bash
# Check a built desktop bundle the way an artist's machine would run it: no Python on the
# PATH, a folder outside the checkout, the demo model rendered from the command line, and the
# window opened (offscreen) and closed.
#
#   installer/smoke-bundle.sh [BUNDLE_DIR]     (default: dist/f1studio)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bundle="$(cd "${1:-$root/dist/f1studio}" && pwd)"
exe="$bundle/f1studio"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
export PATH=/usr/bin:/bin  # nothing of a venv, no python3 needed
export F1STUDIO_CONFIG_DIR="$work/config" F1STUDIO_DATA_DIR="$work/data" HOME="$work"
start=$(date +%s.%N)
"$exe" --help >/dev/null
echo "--help: $(echo "$(date +%s.%N) - $start" | bc 2>/dev/null || echo ?) s (cold)"
"$exe" new p.f1s --prompt "a large red circle in the centre, on a white background"
t0=$(date +%s.%N)
"$exe" render p.f1s --out p.png --steps 8
echo "demo render: $(echo "$(date +%s.%N) - $t0" | bc 2>/dev/null || echo ?) s"
test -s p.png
# the window: starts, shows, and quits by itself (SIGTERM closes it properly)
QT_QPA_PLATFORM=offscreen "$exe" open p.f1s &
pid=$!
sleep 15
kill -0 "$pid" 2>/dev/null || { echo "the window did not stay open" >&2; exit 1; }
kill -TERM "$pid"
code=0
wait "$pid" || code=$?
# a window closed by a signal exits as the signal's convention says (128 + 15)
[ "$code" = 0 ] || [ "$code" = 143 ] || { echo "the window exited with $code" >&2; exit 1; }
echo "bundle OK: $bundle"
