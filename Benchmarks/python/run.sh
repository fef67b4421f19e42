#!/bin/sh
# Official tracekit-apm vs tracekit_native, side by side in one run.
#   Benchmarks/python/run.sh            (from the repository root or anywhere)
# Needs: python3 with venv, PyPI access on the first run (creates
# Benchmarks/python/.venv-bench with the pins of requirements.txt),
# TRACEKIT_LIBRARY (default: .build/stage/lib/libtracekit.so.0, built with
# `make install PREFIX=$PWD/.build/stage` if missing) and TRACEKIT_SERVER_BIN
# (default: server/.build/debug/tracekit-server, as scripts/test.sh builds it).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VENV="$HERE/.venv-bench"
: "${TRACEKIT_LIBRARY:=$ROOT/.build/stage/lib/libtracekit.so.0}"
: "${TRACEKIT_SERVER_BIN:=$ROOT/server/.build/debug/tracekit-server}"
export TRACEKIT_LIBRARY

if [ ! -e "$TRACEKIT_LIBRARY" ]; then
  echo "building libtracekit (make install PREFIX=$ROOT/.build/stage) ..." >&2
  make -C "$ROOT" install PREFIX="$ROOT/.build/stage" >&2
fi
[ -x "$TRACEKIT_SERVER_BIN" ] || { echo "tracekit-server not found at $TRACEKIT_SERVER_BIN (set TRACEKIT_SERVER_BIN)" >&2; exit 1; }
if [ ! -x "$VENV/bin/python" ]; then
  echo "creating $VENV with the pinned official SDK ..." >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -r "$HERE/requirements.txt"
fi
echo "benchmarking (library: $TRACEKIT_LIBRARY, server: $TRACEKIT_SERVER_BIN) ..." >&2
exec "$VENV/bin/python" "$HERE/bench_vs_official.py" --server-bin "$TRACEKIT_SERVER_BIN" "$@"
