#!/bin/sh
# Capture ingest on SQLite with wrk (issue 14 point 6): starts a tracekit-server
# on a fresh database in a temporary directory, creates an SDK key and one
# breakpoint that stores every capture (max_captures 0, capture_frequency 0),
# runs wrk with capture.lua, then stops the server and checks that every
# acknowledged capture is a stored row.
#
#   server/Benchmarks/ingest-wrk.sh <tracekit-server binary> [connections] [seconds] [runs]
#
# Defaults: 16 connections, 10 s, 2 runs. wrk runs on the same machine
# (2 threads): it shares the cores with the server, say so next to figures.
# Besides the rate, each run prints the server's CPU time (user + system)
# and its threads' voluntary context switches (a thread waiting for another:
# the hand-offs) per acknowledged capture, both from /proc; they depend far
# less on what else the machine runs than the rate does.
# With PERF=1 the last run is recorded with `perf record -g` (perf.data in
# the current directory).
set -eu
bin=${1:?usage: ingest-wrk.sh <tracekit-server binary> [connections] [seconds] [runs]}
connections=${2:-16}
seconds=${3:-10}
runs=${4:-2}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
admin="bench-admin-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"

"$bin" --host 127.0.0.1 --port "$port" --database "$work/db.sqlite" --admin-key "$admin" \
    --retention-count 0 --log-level warning >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT INT TERM

base="http://127.0.0.1:$port"
for _ in $(seq 300); do curl -fs "$base/api/health" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$base/api/health" >/dev/null || { echo "the server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }
api() { curl -fsS -H "X-API-Key: $admin" -H 'Content-Type: application/json' "$@"; }
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
key=$(api -X POST "$base/api/keys" -d '{"name":"wrk","role":"sdk"}' | json_field key)
bp=$(api -X POST "$base/api/breakpoints" -d '{"service_name":"bench","file_path":"bench.py","line_number":1,
    "function_name":"handler","label":"bench","max_captures":0,"capture_frequency":0}' | json_field id)

# The server's user + system CPU time so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
ticks_per_second=$(getconf CLK_TCK)
# Voluntary context switches of all the server's threads so far.
switches() { cat /proc/"$server"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ {n += $2} END {print n}'; }

acknowledged=0
for run in $(seq "$runs"); do
    load=$(cut -d' ' -f1 /proc/loadavg)
    if [ "${PERF:-0}" = 1 ] && [ "$run" = "$runs" ]; then
        perf record -g -o perf.data -p "$server" -- sleep "$seconds" 2>/dev/null &
        perf_pid=$!
    fi
    ticks_before=$(cpu_ticks)
    switches_before=$(switches)
    out=$(TRACEKIT_KEY=$key TRACEKIT_BREAKPOINT=$bp wrk -t2 -c"$connections" -d"${seconds}s" -s "$here/capture.lua" "$base")
    ticks=$(($(cpu_ticks) - ticks_before))
    switched=$(($(switches) - switches_before))
    [ -n "${perf_pid:-}" ] && wait "$perf_pid"
    rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    latency=$(echo "$out" | awk '/Latency/ {print $2 " avg, max " $4}')
    acked=$(echo "$out" | awk '/acknowledged/ {print $3}')
    total=$(echo "$out" | awk '/acknowledged/ {print $5}')
    acknowledged=$((acknowledged + acked))
    cpu_us=$(awk -v t="$ticks" -v hz="$ticks_per_second" -v n="$acked" 'BEGIN {printf "%.0f", n ? t / hz * 1e6 / n : 0}')
    per_capture=$(awk -v s="$switched" -v n="$acked" 'BEGIN {printf "%.2f", n ? s / n : 0}')
    echo "run $run: $rate captures/s, latency $latency, 201s $acked of $total, server CPU ${cpu_us} us and $per_capture context switches per capture, load before $load (c=$connections, ${seconds}s)"
done

# Stop the server (SIGTERM drains the queue), then count the rows.
kill "$server"; wait "$server" 2>/dev/null || true
rows=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from snapshots').fetchone()[0])" "$work/db.sqlite")
echo "stored rows: $rows, acknowledged: $acknowledged (rows >= acknowledged: $([ "$rows" -ge "$acknowledged" ] && echo yes || echo NO))"
