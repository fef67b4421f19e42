# Sourced by the benchmarks' run scripts (bash), from the repository root:
# the release library staged in .build/stage, benchmarks compiled against it
# as a C user builds (installed header + pkg-config), a temporary work folder,
# and tracekit-server on a free loopback port with a database in it.
STAGE=$PWD/.build/stage

stage_library() {
  make -s install PREFIX="$STAGE" >/dev/null
}

# build_bench NAME SOURCE [LINK FLAGS...]: compiles SOURCE to $STAGE/NAME.
build_bench() {
  local name=$1 source=$2; shift 2
  gcc -O2 -std=c99 -Wall -Wextra -I Benchmarks/common -o "$STAGE/$name" "$source" \
    $(PKG_CONFIG_PATH=$STAGE/lib/pkgconfig pkg-config --cflags --libs tracekit) "$@"
}

# bench_workdir: a temporary folder in $work; on exit the background jobs
# (servers, stub backends) are stopped and the folder removed.
bench_workdir() {
  work=$(mktemp -d)
  trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
}

# start_stall_backend: starts Benchmarks/client/stall_backend.py in the
# background (STALL_MS, if set, is its delay per capture); sets STALL_PID and,
# once the stub printed its port, STALL_URL.
start_stall_backend() {
  python3 -u Benchmarks/client/stall_backend.py > "$work/stall.port" 2>> "$work/stall.log" &
  STALL_PID=$!
  for _ in $(seq 100); do
    [ -s "$work/stall.port" ] && break
    sleep 0.1
  done
  STALL_URL=http://127.0.0.1:$(head -1 "$work/stall.port")
}

# start_server ADMIN_KEY [SERVER FLAGS...]: starts tracekit-server in the
# background ($TRACEKIT_SERVER_BIN, else the release build, built if needed)
# with a database in $work; sets SERVER_URL once /api/health answers.
start_server() {
  local key=$1; shift
  local bin=${TRACEKIT_SERVER_BIN:-}
  if [ -z "$bin" ]; then
    swift build -c release --package-path server --scratch-path server/.build-release --product tracekit-server >&2
    bin=server/.build-release/release/tracekit-server
  fi
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$bin" --port "$port" --database "$work/server.sqlite" --admin-key "$key" --log-level error "$@" \
    > "$work/server.log" 2>&1 &
  SERVER_URL=http://127.0.0.1:$port
  for _ in $(seq 100); do
    curl -sf "$SERVER_URL/api/health" >/dev/null && return 0
    sleep 0.1
  done
  echo "tracekit-server did not answer on $SERVER_URL:" >&2
  cat "$work/server.log" >&2
  return 1
}
