#!/usr/bin/env bash
# Build the Pack Sortie folder (PyInstaller onedir) into dist/PackSortie.
#
#   installer/build.sh                      # uses the active venv, else .venv
#   PYTHON=.venv-ci/bin/python installer/build.sh
#   installer/build.sh --clean              # extra arguments go to PyInstaller
#
# Then: QT_QPA_PLATFORM=offscreen dist/PackSortie/PackSortie self-test
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

if [ -z "${PYTHON:-}" ]; then
  if [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ]; then
    PYTHON="$VIRTUAL_ENV/bin/python"
  elif [ -x .venv/bin/python ]; then
    PYTHON=.venv/bin/python
  else
    echo "build.sh: no virtual environment found; create one first:" >&2
    echo "  python3.12 -m venv .venv && .venv/bin/pip install -e \".[dev]\"" >&2
    exit 1
  fi
fi
if ! "$PYTHON" -c 'import PyInstaller' 2>/dev/null; then
  echo "build.sh: PyInstaller is missing in $PYTHON; run: pip install -e \".[dev]\"" >&2
  exit 1
fi

echo "build.sh: $("$PYTHON" --version), PyInstaller $("$PYTHON" -m PyInstaller --version)"
start=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --log-level WARN \
  --distpath dist --workpath build/pyinstaller \
  "$@" installer/pack_sortie.spec
elapsed=$(( $(date +%s) - start ))

size_mb=$(find dist/PackSortie -type f -printf '%s\n' | awk '{s += $1} END {printf "%.1f", s / 1e6}')
files=$(find dist/PackSortie -type f | wc -l)
echo "build.sh: dist/PackSortie built in ${elapsed} s: ${size_mb} MB, ${files} files"
