#!/usr/bin/env bash
# Installs the moto emulator (pinned) into .venv/moto. Needs Python >= 3.10.
set -euo pipefail
cd "$(dirname "$0")/.."
MOTO_VERSION="5.2.5"
if [ -x .venv/moto/bin/moto_server ] && .venv/moto/bin/python -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
  echo "moto $MOTO_VERSION already in .venv/moto"
  exit 0
fi
PY=""
for c in python3.13 python3.12 python3.11 python3.10 python3; do
  if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then PY="$c"; break; fi
done
if [ -z "$PY" ]; then
  echo "The tests need Python >= 3.10 for the moto emulator; none was found on PATH." >&2
  exit 1
fi
echo "installing moto[server]==$MOTO_VERSION into .venv/moto with $($PY --version)"
"$PY" -m venv .venv/moto
.venv/moto/bin/pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
.venv/moto/bin/moto_server --help >/dev/null
