#!/usr/bin/env bash
# Build F1 Studio as a one-folder desktop bundle (PyInstaller) and pack it as a .tar.gz.
#
#   installer/build-bundle.sh                 CPU PyTorch (torch==2.13.0) in a fresh build venv
#   installer/build-bundle.sh --venv PATH     use the PyTorch already in PATH (e.g. your CUDA
#                                             build: create the venv, `pip install torch` for
#                                             your card, then pass it here)
#   installer/build-bundle.sh --out DIR       where the bundle goes (default: dist/)
#
# The result is DIR/f1studio/ (run DIR/f1studio/f1studio: no arguments opens the window, a
# command such as `render` works as on the command line; no Python needed on the PATH) and
# DIR/f1studio-VERSION-linux-x86_64.tar.gz. The demo model and the translations travel
# inside. installer/smoke-bundle.sh checks a built bundle; installer/install-desktop.sh
# --bundle DIR/f1studio adds it to the desktop menu.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
venv=""
out="$root/dist"
while [ $# -gt 0 ]; do
  case "$1" in
    --venv) venv="$(cd "$2" && pwd)"; shift 2 ;;
    --out) mkdir -p "$2"; out="$(cd "$2" && pwd)"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
PYTHON="${PYTHON:-python3}"
if [ -z "$venv" ]; then
  venv="$root/build/bundle-venv"
  [ -x "$venv/bin/python" ] || "$PYTHON" -m venv "$venv"
  "$venv/bin/python" -c "import torch" 2>/dev/null || "$venv/bin/pip" install -q "torch==2.13.0"
fi
py="$venv/bin/python"
"$py" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
# the translations are compiled from their sources first, so the bundle has the current ones
F1STUDIO_QT_BIN="$venv/bin" bash scripts/translations.sh release 2>/dev/null \
  || { "$py" -m pip install -q "PySide6-Essentials>=6.7" && F1STUDIO_QT_BIN="$venv/bin" bash scripts/translations.sh release; }
# a plain (not editable) install, so PyInstaller sees the package as a user's pip install
PYTHONWARNINGS=ignore "$py" -m pip install -q --no-build-isolation . "pyinstaller>=6.10"
version="$("$py" -c 'import f1studio; print(f1studio.__version__)')"
work="$root/build/pyinstaller"
rm -rf "$work" "$out/f1studio"
"$venv/bin/pyinstaller" --noconfirm --clean --distpath "$out" --workpath "$work" \
  installer/f1studio.spec
# the desktop integration travels with the bundle (desktop/install-desktop.sh finds it)
mkdir -p "$out/f1studio/desktop"
cp installer/install-desktop.sh installer/f1studio.desktop.in installer/f1studio-mime.xml \
  "$out/f1studio/desktop/"
tarball="$out/f1studio-$version-linux-$(uname -m).tar.gz"
tar -C "$out" -czf "$tarball" f1studio
echo "bundle: $out/f1studio ($(du -sh "$out/f1studio" | cut -f1)); archive: $tarball ($(du -h "$tarball" | cut -f1))"
