#!/usr/bin/env bash
# The window's translations: Qt Linguist sources (.ts) in f1studio/resources/i18n, compiled
# to the .qm files the app loads.
#
#   scripts/translations.sh update    extract the window's strings into every .ts (lupdate)
#   scripts/translations.sh release   compile every .ts to .qm (lrelease; setup runs this)
#
# Translate with Qt Linguist (`pyside6-linguist f1studio/resources/i18n/f1studio_zh_CN.ts`)
# or any editor, then run `release`. A test fails when a .ts has unfinished entries or a
# committed .qm is older than its .ts.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${F1STUDIO_QT_BIN:-.venv/bin}"
dir=f1studio/resources/i18n
case "${1:-release}" in
  update)
    mapfile -t sources < <(find f1studio/gui -name '*.py' | sort)
    for ts in "$dir"/*.ts; do
      "$BIN/pyside6-lupdate" -no-obsolete -locations relative "${sources[@]}" -ts "$ts"
    done
    ;;
  release)
    for ts in "$dir"/*.ts; do
      "$BIN/pyside6-lrelease" -silent "$ts" -qm "${ts%.ts}.qm"
    done
    ;;
  *) echo "usage: $0 update|release" >&2; exit 2 ;;
esac
