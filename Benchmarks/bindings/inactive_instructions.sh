#!/bin/sh
# Instructions per inactive checkpoint, Python and Ruby bindings, counted by
# valgrind (callgrind): each script runs once with 0 and once with N calls;
# (Ir(N) - Ir(0)) / N is the cost of one call, unaffected by other load on
# the machine. A no-op function called with the same arguments is the floor
# (the call and building the variables dict, which every SDK pays).
#
#   TRACEKIT_LIBRARY=<libtracekit.so.0> Benchmarks/bindings/inactive_instructions.sh [N]
#
# BINDINGS=<dir> measures the bindings of another checkout (e.g. an older
# commit from `git archive <commit> bindings | tar -x -C <dir>`) with the
# same scripts, for a before/after ratio.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BINDINGS=${BINDINGS:-$ROOT/bindings}
N=${1:-100000}
# The interpreter itself, not a wrapper script (pyenv shims are shell scripts).
PYTHON=$(python3 -c 'import sys; print(sys.executable)')
: "${TRACEKIT_LIBRARY:?set TRACEKIT_LIBRARY to libtracekit.so.0}"
export TRACEKIT_LIBRARY
export PYTHONPATH="$BINDINGS/python"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

instructions() {  # instructions COMMAND...: total Ir of the run
  valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.out" "$@" >/dev/null 2>"$OUT/log" ||
    { cat "$OUT/log" >&2; exit 1; }
  sed -n 's/^summary: //p' "$OUT/cg.out"
}

per_call() {  # per_call LABEL COMMAND... (the command takes the call count last)
  label=$1; shift
  zero=$(instructions "$@" 0)
  many=$(instructions "$@" "$N")
  echo "$label: $(( (many - zero) / N )) instructions per call"
}

per_call "python noop" "$PYTHON" "$HERE/inactive_checkpoint.py" noop
per_call "python Client.capture_snapshot" "$PYTHON" "$HERE/inactive_checkpoint.py" native
per_call "python tracekit_native.capture_snapshot" "$PYTHON" "$HERE/inactive_checkpoint.py" module
per_call "ruby noop" ruby -I "$BINDINGS/ruby/lib" "$HERE/inactive_checkpoint.rb" noop
per_call "ruby TracekitNative.capture_snapshot" ruby -I "$BINDINGS/ruby/lib" "$HERE/inactive_checkpoint.rb" dropin
