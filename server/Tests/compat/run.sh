#!/bin/sh
# Compatibility tests: the official Python SDK and schemathesis against a
# tracekit-server started on an ephemeral port. Creates server/.venv-compat.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
server="$(cd "$here/../.." && pwd)"
venv="$server/.venv-compat"
[ -x "$venv/bin/pytest" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q -r "$here/requirements.txt"; }
[ -n "${TRACEKIT_SERVER_BIN:-}" ] || swift build --package-path "$server" --scratch-path "$server/.build" --product tracekit-server
exec "$venv/bin/pytest" -q "$here" "$@"
