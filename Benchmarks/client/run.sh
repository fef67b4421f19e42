#!/usr/bin/env bash
# Client benchmarks: builds the release library and tracekit-server, starts the
# server (temporary database) and a stalling stub backend on loopback, runs
# client_bench, stops everything.   Benchmarks/client/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
STAGE=$PWD/.build/stage
make -s install PREFIX="$STAGE" >/dev/null
SERVER_BIN=${TRACEKIT_SERVER_BIN:-}
if [ -z "$SERVER_BIN" ]; then
  swift build -c release --package-path server --scratch-path server/.build-release --product tracekit-server >&2
  SERVER_BIN=server/.build-release/release/tracekit-server
fi
gcc -O2 -std=c99 -o "$STAGE/client_bench" Benchmarks/client/client_bench.c \
  $(PKG_CONFIG_PATH=$STAGE/lib/pkgconfig pkg-config --cflags --libs tracekit) -lcurl
work=$(mktemp -d)
cleanup() { kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$SERVER_BIN" --port "$port" --database "$work/bench.sqlite" --admin-key bench-admin-key --log-level error --auto-register-disabled \
  > "$work/server.log" 2>&1 &
python3 -u Benchmarks/client/stall_backend.py > "$work/stall.port" &
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/api/health" >/dev/null && [ -s "$work/stall.port" ] && break
  sleep 0.1
done
"$STAGE/client_bench" "http://127.0.0.1:$port" bench-admin-key "http://127.0.0.1:$(head -1 "$work/stall.port")"
