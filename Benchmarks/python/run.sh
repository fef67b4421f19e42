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
. "$ROOT/Benchmarks/common/python_bench.sh"
bench_venv "$HERE/.venv-bench"
echo "benchmarking (library: $TRACEKIT_LIBRARY, server: $TRACEKIT_SERVER_BIN) ..." >&2
exec "$HERE/.venv-bench/bin/python" "$HERE/bench_vs_official.py" --server-bin "$TRACEKIT_SERVER_BIN" "$@"
