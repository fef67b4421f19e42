#!/bin/sh
# Instructions per suppressed checkpoint of the Python binding (breakpoint
# enabled, max_captures reached), counted by valgrind (callgrind) as in
# inactive_instructions.sh: (Ir(N) - Ir(0)) / N, unaffected by the load.
# "ctypes" is a bare tk_site_active call through the binding: the floor of
# any call into the library.
#
#   TRACEKIT_LIBRARY=<libtracekit.so.0> Benchmarks/bindings/suppressed_instructions.sh [N]
#
# BINDINGS=<dir> measures the bindings of another checkout (before/after).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
N=${1:-20000}
PYTHON=$(python3 -c 'import sys; print(sys.executable)')
: "${TRACEKIT_LIBRARY:?set TRACEKIT_LIBRARY to libtracekit.so.0}"
export TRACEKIT_LIBRARY
export PYTHONPATH="${BINDINGS:-$ROOT/bindings}/python"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

instructions() {  # instructions COMMAND...: total Ir of the run (all threads)
  valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.out" "$@" >/dev/null 2>"$OUT/log" ||
    { cat "$OUT/log" >&2; exit 1; }
  sed -n 's/^summary: //p' "$OUT/cg.out"
}

for mode in suppressed ctypes; do
  zero=$(instructions "$PYTHON" "$HERE/suppressed_checkpoint.py" "$mode" 0)
  many=$(instructions "$PYTHON" "$HERE/suppressed_checkpoint.py" "$mode" "$N")
  echo "python $mode: $(( (many - zero) / N )) instructions per call"
done
