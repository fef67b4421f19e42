# Sourced by the *_instructions.sh scripts (POSIX sh; they set HERE to this
# folder and N to the call count first): the bindings under measurement, the
# interpreter, and instruction counts of one run under valgrind (callgrind).
ROOT=$(cd "$HERE/../.." && pwd)
BINDINGS=${BINDINGS:-$ROOT/bindings}
# The interpreter itself, not a wrapper script (pyenv shims are shell scripts).
PYTHON=$(python3 -c 'import sys; print(sys.executable)')
: "${TRACEKIT_LIBRARY:?set TRACEKIT_LIBRARY to libtracekit.so.0}"
export TRACEKIT_LIBRARY
export PYTHONPATH="$BINDINGS/python"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

instructions() {  # instructions COMMAND...: total Ir of the run (all threads)
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
