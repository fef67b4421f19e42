#!/usr/bin/env bash
# CPU per capture outside the caller's thread (issue 14, point 7): the
# library's sender and sync threads and tracekit-server, with default
# options, at a service's pace (a checkpoint every 5 ms, the default budget
# capturing 100/s). Builds and installs the release library, starts
# tracekit-server ($TRACEKIT_SERVER_BIN, else a release build) on loopback,
# enables one breakpoint and runs background_cpu.
#   Benchmarks/client/background_cpu.sh [seconds]      (default 10)
set -euo pipefail
cd "$(dirname "$0")/../.."
. Benchmarks/common/bench.sh
stage_library
build_bench background_cpu Benchmarks/client/background_cpu.c
bench_workdir
start_server bench-admin-key --auto-register-disabled
server_pid=$(jobs -p | tail -1)
curl -sf -X POST "$SERVER_URL/api/breakpoints" -H "X-API-Key: bench-admin-key" -H "Content-Type: application/json" \
  -d '{"service_name":"background-cpu","function_name":"checkout","label":"checkout","enabled":true}' >/dev/null
"$STAGE/background_cpu" "$SERVER_URL" bench-admin-key background-cpu "$server_pid" "${1:-10}"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
