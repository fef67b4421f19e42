#!/bin/sh
# Two tracekit-server instances on one throwaway PostgreSQL cluster
# (scripts/pg-cluster.sh), an SDK streaming from one while changes go through
# the other. Uses TRACEKIT_SERVER_BIN (else builds the debug server) and
# TRACEKIT_LIB_DIR for the C example. Creates server/.venv-multi.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
server="$(cd "$here/../.." && pwd)"
repo="$(cd "$server/.." && pwd)"
venv="$server/.venv-multi"
[ -x "$venv/bin/pytest" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q -r "$here/requirements.txt"; }
if [ -z "${TRACEKIT_SERVER_BIN:-}" ]; then
  swift build --package-path "$server" --scratch-path "$server/.build" --product tracekit-server
  TRACEKIT_SERVER_BIN="$server/.build/debug/tracekit-server"
  export TRACEKIT_SERVER_BIN
fi
cluster="$(mktemp -d)"
chmod 755 "$cluster"  # the cluster may run as another user (pg-cluster.sh), who must reach it
trap '"$repo/scripts/pg-cluster.sh" stop "$cluster/pg"; rmdir "$cluster"' EXIT INT TERM
TRACEKIT_TEST_DATABASE_URL="$("$repo/scripts/pg-cluster.sh" start "$cluster/pg")"
export TRACEKIT_TEST_DATABASE_URL
"$venv/bin/pytest" -q "$here" "$@"
