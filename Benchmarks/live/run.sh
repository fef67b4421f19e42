#!/usr/bin/env bash
# Liveness benchmark (issue 10, point 1): how long a change on tracekit-server
# takes to produce snapshots in a service whose client has DEFAULT options
# (30 s poll). Builds and installs the release library, starts the server
# (default options, temporary database) on loopback, runs live_bench.
#   Benchmarks/live/run.sh [trials]        (default 50)
# TRACEKIT_SERVER_BIN: a server binary to use instead of building the release one.
set -euo pipefail
cd "$(dirname "$0")/../.."
. Benchmarks/common/bench.sh
stage_library
build_bench live_bench Benchmarks/live/live_bench.c -lcurl -lpthread
bench_workdir
start_server live-bench-admin-key
"$STAGE/live_bench" "$SERVER_URL" live-bench-admin-key "${1:-50}"
