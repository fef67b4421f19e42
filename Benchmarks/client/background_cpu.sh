#!/usr/bin/env bash
# CPU per capture outside the caller's thread (issue 14, point 7): the
# library's sender and sync threads and tracekit-server, with default
# options, at a service's pace (a checkpoint every 5 ms, the default budget
# capturing 100/s). Builds and installs the release library, starts
# tracekit-server ($TRACEKIT_SERVER_BIN, else a release build) on loopback,
# enables one breakpoint per run and runs background_cpu, ROUNDS times
# (default 2). With BEFORE_LIB_DIR (a folder holding another build's
# libtracekit.so.0) each round runs that library too, on the same server,
# interleaved: the ratio is what to read on a loaded machine.
#   [BEFORE_LIB_DIR=dir] Benchmarks/client/background_cpu.sh [seconds]   (default 8)
set -euo pipefail
cd "$(dirname "$0")/../.."
. Benchmarks/common/bench.sh
stage_library
build_bench background_cpu Benchmarks/client/background_cpu.c
bench_workdir
start_server bench-admin-key --auto-register-disabled
server_pid=$(jobs -p | tail -1)
run=0
measure() {  # measure NAME LIBRARY-DIR
  run=$((run + 1))
  curl -sf -X POST "$SERVER_URL/api/breakpoints" -H "X-API-Key: bench-admin-key" -H "Content-Type: application/json" \
    -d "{\"service_name\":\"background-cpu-$run\",\"function_name\":\"checkout\",\"label\":\"checkout\",\"enabled\":true}" >/dev/null
  printf '%-12s ' "$1"
  LD_LIBRARY_PATH=$2 "$STAGE/background_cpu" "$SERVER_URL" bench-admin-key "background-cpu-$run" "$server_pid" "$SECONDS_ARG"
}
SECONDS_ARG=${1:-8}
for _ in $(seq "${ROUNDS:-2}"); do
  measure "this tree" "$STAGE/lib"
  if [ -n "${BEFORE_LIB_DIR:-}" ]; then measure "before" "$BEFORE_LIB_DIR"; fi
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
