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
N=${1:-20000}
. "$HERE/callgrind.sh"

for mode in suppressed ctypes; do
  per_call "python $mode" "$PYTHON" "$HERE/suppressed_checkpoint.py" "$mode"
done
