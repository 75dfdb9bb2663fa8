#!/usr/bin/env bash
# Install F1 Studio into the current user's desktop: an application-menu entry, the icon, and
# the .f1s file type (double-clicking a project opens it in F1 Studio). Freedesktop desktops
# (GNOME, KDE, Xfce, ...). Undo with: installer/install-desktop.sh --uninstall
#
#   installer/install-desktop.sh                  the checkout's .venv (or f1studio on the PATH)
#   installer/install-desktop.sh --bundle DIR     a desktop bundle (installer/build-bundle.sh);
#                                                 inside a bundle, its desktop/ copy of this
#                                                 script finds the bundle by itself
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
bundle=""
if [ "${1:-}" = "--bundle" ]; then
  bundle="$(cd "${2:?--bundle needs the bundle folder}" && pwd)"
  shift 2
elif [ -x "$root/f1studio" ] && [ -d "$root/_internal" ]; then
  bundle="$root"  # this script is the bundle's own desktop/install-desktop.sh
fi
icon_dir="$root/f1studio/resources/icons"
if [ -n "$bundle" ]; then
  icon_dir="$bundle/_internal/f1studio/resources/icons"
fi
data="${XDG_DATA_HOME:-$HOME/.local/share}"
apps="$data/applications"
icons="$data/icons/hicolor"
mime="$data/mime"

refresh() {
  command -v update-mime-database >/dev/null && update-mime-database "$mime" || true
  command -v update-desktop-database >/dev/null && update-desktop-database "$apps" || true
  command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$icons" || true
}

if [ "${1:-}" = "--uninstall" ]; then
  rm -f "$apps/f1studio.desktop" "$mime/packages/f1studio.xml" \
        "$icons/256x256/apps/f1studio.png" "$icons/64x64/apps/f1studio.png"
  refresh
  echo "F1 Studio removed from the desktop menu"
  exit 0
fi

exe="${F1STUDIO_EXEC:-}"
if [ -z "$exe" ] && [ -n "$bundle" ]; then
  exe="$bundle/f1studio"
fi
if [ -z "$exe" ]; then
  if [ -x "$root/.venv/bin/f1studio" ]; then
    exe="$root/.venv/bin/f1studio"
  elif command -v f1studio >/dev/null; then
    exe="$(command -v f1studio)"
  else
    echo "f1studio is not installed yet: run ./scripts/setup.sh first (or set F1STUDIO_EXEC)" >&2
    exit 1
  fi
fi

mkdir -p "$apps" "$mime/packages" "$icons/256x256/apps" "$icons/64x64/apps"
sed "s|@EXEC@|\"$exe\"|" "$here/f1studio.desktop.in" > "$apps/f1studio.desktop"
chmod 644 "$apps/f1studio.desktop"
cp "$here/f1studio-mime.xml" "$mime/packages/f1studio.xml"
cp "$icon_dir/f1studio.png" "$icons/256x256/apps/f1studio.png"
cp "$icon_dir/f1studio-64.png" "$icons/64x64/apps/f1studio.png"
command -v xdg-mime >/dev/null && xdg-mime default f1studio.desktop application/x-f1studio-project || true
refresh
echo "F1 Studio added to the application menu ($apps/f1studio.desktop); .f1s files open in it"
