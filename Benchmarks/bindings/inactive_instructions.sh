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
N=${1:-100000}
. "$HERE/callgrind.sh"

per_call "python noop" "$PYTHON" "$HERE/inactive_checkpoint.py" noop
per_call "python Client.capture_snapshot" "$PYTHON" "$HERE/inactive_checkpoint.py" native
per_call "python tracekit_native.capture_snapshot" "$PYTHON" "$HERE/inactive_checkpoint.py" module
per_call "ruby noop" ruby -I "$BINDINGS/ruby/lib" "$HERE/inactive_checkpoint.rb" noop
per_call "ruby TracekitNative.capture_snapshot" ruby -I "$BINDINGS/ruby/lib" "$HERE/inactive_checkpoint.rb" dropin
