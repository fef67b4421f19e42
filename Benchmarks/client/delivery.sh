#!/usr/bin/env bash
# Delivery throughput (issue 10, point 4): builds and installs the release
# library, starts stall_backend.py answering each capture after STALL_MS
# (default 50) on loopback, and runs delivery_bench three ways: the process
# budget lifted at 250/s offered (the sender is what is measured), the same
# at 1,000/s offered (the sender's ceiling; the excess is dropped and
# counted), and default options at 250/s offered (the 100/s budget skips the rest).
#   Benchmarks/client/delivery.sh [seconds]      (default 10)
set -euo pipefail
cd "$(dirname "$0")/../.."
. Benchmarks/common/bench.sh
stage_library
build_bench delivery_bench Benchmarks/client/delivery_bench.c -lcurl
bench_workdir
seconds=${1:-10}
status=0
for run in "0 250" "0 1000" "-1 250"; do
  set -- $run
  # A fresh stub per run, so its count of captures taken is this run's.
  STALL_MS=${STALL_MS:-50} start_stall_backend
  "$STAGE/delivery_bench" "$STALL_URL" "$1" "$2" "$seconds" || status=1
  kill "$STALL_PID"; wait "$STALL_PID" 2>/dev/null || true; : > "$work/stall.port"
done
echo "stall ${STALL_MS:-50} ms per capture; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
