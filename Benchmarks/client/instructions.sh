#!/bin/sh
# Instructions per C checkpoint, counted by valgrind (callgrind) inside the
# measured function only (--toggle-collect), so neither the load on the
# machine nor the client's own threads change the figure: (Ir(2N) - Ir(N)) / N.
#
#   Benchmarks/client/instructions.sh [N] [mode...]
#   modes: active capture claim-max claim-budget (default: all)
#
# Library: TRACEKIT_LIBRARY_DIR with include/ and lib/ of an install prefix
# (default .build/stage, built with `make install` if missing); the
# breakpoints come from the tests' fake backend.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
N=${1:-2000}
[ $# -gt 0 ] && shift
MODES=${*:-active capture claim-max claim-budget}
PREFIX=${TRACEKIT_PREFIX:-$ROOT/.build/stage}
[ -e "$PREFIX/lib/libtracekit.so.0" ] || make -s -C "$ROOT" install PREFIX="$PREFIX" >/dev/null
OUT=$(mktemp -d)
BACKEND_PID=
cleanup() { [ -n "$BACKEND_PID" ] && kill "$BACKEND_PID" 2>/dev/null; rm -rf "$OUT"; }
trap cleanup EXIT INT TERM

gcc -O2 -std=c99 -o "$OUT/checkpoint_loop" "$HERE/checkpoint_loop.c" -I"$ROOT/Benchmarks/common" -I"$PREFIX/include" \
  -L"$PREFIX/lib" -ltracekit -Wl,-rpath,"$PREFIX/lib"

# The fake backend exits when its stdin closes: keep a pipe open on fd 3.
mkfifo "$OUT/stdin"
python3 "$ROOT/Tests/TraceKitTestSupport/fake_backend.py" <"$OUT/stdin" >"$OUT/backend.out" 2>"$OUT/backend.err" &
BACKEND_PID=$!
exec 3>"$OUT/stdin"
for _ in $(seq 100); do grep -q '^PORT' "$OUT/backend.out" 2>/dev/null && break; sleep 0.1; done
ENDPOINT="http://127.0.0.1:$(sed -n 's/^PORT //p' "$OUT/backend.out")"
breakpoint() {  # breakpoint ID LABEL EXTRA-JSON
  printf '{"id":"%s","service_name":"bench","file_path":"bench.c","line_number":1,"function_name":"bench","label":"%s","enabled":true%s}' "$@"
}
curl -sf -X POST "$ENDPOINT/_control/breakpoints" \
  -d "{\"breakpoints\":[$(breakpoint bp-hot hot ''),$(breakpoint bp-capped capped ',"max_captures":1')]}" >/dev/null

instructions() {  # instructions FUNCTION MODE CALLS: Ir inside FUNCTION
  valgrind --tool=callgrind --toggle-collect="$1" --callgrind-out-file="$OUT/cg.out" \
    "$OUT/checkpoint_loop" "$ENDPOINT" "$2" "$3" >/dev/null 2>"$OUT/log" || { cat "$OUT/log" >&2; exit 1; }
  sed -n 's/^summary: //p' "$OUT/cg.out"
}

for mode in $MODES; do
  case $mode in
    active) function=tk_site_active ;;
    capture) function=tk_site_capture ;;
    claim-*) function=tk_site_claim ;;
    *) echo "unknown mode $mode" >&2; exit 2 ;;
  esac
  one=$(instructions "$function" "$mode" "$N")
  two=$(instructions "$function" "$mode" $((2 * N)))
  echo "$mode ($function): $(( (two - one) / N )) instructions per call"
done
