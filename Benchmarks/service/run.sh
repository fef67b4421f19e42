#!/bin/sh
# A WSGI service under gunicorn -w 2, one checkpoint per request, its
# breakpoint enabled, wrk -c4 on loopback, tracekit-server on the same
# machine: no SDK, tracekit_native (default options), the official
# tracekit-apm, interleaved and repeated in one run.
#   Benchmarks/service/run.sh [--rounds N] [--seconds S]
# Needs: wrk (apt), python3 with venv and PyPI access on the first run
# (creates Benchmarks/service/.venv-service with requirements.txt),
# TRACEKIT_LIBRARY (default .build/stage/lib/libtracekit.so.0, built with
# `make install PREFIX=$PWD/.build/stage` if missing) and TRACEKIT_SERVER_BIN
# (default: server/.build/debug/tracekit-server; a release build loads the
# shared machine less).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)" >&2; exit 1; }
. "$ROOT/Benchmarks/common/python_bench.sh"
bench_venv "$HERE/.venv-service"
echo "benchmarking (library: $TRACEKIT_LIBRARY, server: $TRACEKIT_SERVER_BIN) ..." >&2
exec "$HERE/.venv-service/bin/python" "$HERE/bench.py" --server-bin "$TRACEKIT_SERVER_BIN" "$@"
