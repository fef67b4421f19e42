#!/usr/bin/env bash
# Client benchmarks: builds the release library and tracekit-server, starts the
# server (temporary database) and a stalling stub backend on loopback, runs
# client_bench, stops everything.   Benchmarks/client/run.sh
# TRACEKIT_SERVER_BIN: a server binary to use instead of building the release one.
set -euo pipefail
cd "$(dirname "$0")/../.."
. Benchmarks/common/bench.sh
stage_library
build_bench client_bench Benchmarks/client/client_bench.c -lcurl
bench_workdir
start_stall_backend
start_server bench-admin-key --auto-register-disabled
"$STAGE/client_bench" "$SERVER_URL" bench-admin-key "$STALL_URL"
