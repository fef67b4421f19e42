#!/usr/bin/env bash
# Liveness benchmark (issue 10, point 1): how long a change on tracekit-server
# takes to produce snapshots in a service whose client has DEFAULT options
# (30 s poll). Builds and installs the release library, starts the server
# (default options, temporary database) on loopback, runs live_bench.
#   Benchmarks/live/run.sh [trials]        (default 50)
# TRACEKIT_SERVER_BIN: a server binary to use instead of building the release one.
set -euo pipefail
cd "$(dirname "$0")/../.."
STAGE=$PWD/.build/stage
make -s install PREFIX="$STAGE" >/dev/null
SERVER_BIN=${TRACEKIT_SERVER_BIN:-}
if [ -z "$SERVER_BIN" ]; then
  swift build -c release --package-path server --scratch-path server/.build-release --product tracekit-server >&2
  SERVER_BIN=server/.build-release/release/tracekit-server
fi
gcc -O2 -std=c99 -Wall -Wextra -o "$STAGE/live_bench" Benchmarks/live/live_bench.c \
  $(PKG_CONFIG_PATH=$STAGE/lib/pkgconfig pkg-config --cflags --libs tracekit) -lcurl -lpthread
work=$(mktemp -d)
cleanup() { kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$SERVER_BIN" --port "$port" --database "$work/live.sqlite" --admin-key live-bench-admin-key --log-level error \
  > "$work/server.log" 2>&1 &
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/api/health" >/dev/null && break
  sleep 0.1
done
"$STAGE/live_bench" "http://127.0.0.1:$port" live-bench-admin-key "${1:-50}"
