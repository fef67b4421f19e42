#!/bin/sh
# Instructions per active capture of the Ruby binding (breakpoint enabled,
# every call captures), counted by valgrind (callgrind) on the caller's
# thread only: the library's sender thread (HTTP to the fake backend) is
# left out, as it is from the caller's time. (Ir(N) - Ir(0)) / N as in
# inactive_instructions.sh; "noop" is the floor (the call and the hash).
#
#   TRACEKIT_LIBRARY=<libtracekit.so.0> Benchmarks/bindings/active_instructions.sh [N]
#
# BINDINGS=<dir> measures the bindings of another checkout (before/after).
# KEEP=<dir> keeps the N-call profile (callgrind_annotate it for the split).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
N=${1:-2000}
. "$HERE/callgrind.sh"

main_thread_instructions() {  # main_thread_instructions COMMAND...: Ir of thread 1
  valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$OUT/cg.out" "$@" >/dev/null 2>"$OUT/log" ||
    { cat "$OUT/log" >&2; exit 1; }
  sed -n 's/^summary: //p' "$OUT/cg.out-01"
}

for mode in noop dropin; do
  zero=$(main_thread_instructions ruby -I "$BINDINGS/ruby/lib" "$HERE/active_capture.rb" "$mode" 0)
  many=$(main_thread_instructions ruby -I "$BINDINGS/ruby/lib" "$HERE/active_capture.rb" "$mode" "$N")
  [ -n "${KEEP:-}" ] && cp "$OUT/cg.out-01" "$KEEP/ruby-active-$mode.out"
  echo "ruby $mode: $(( (many - zero) / N )) instructions per call (caller's thread)"
done
