#!/bin/sh
# Browser test of the dashboard: headless Chromium (Debian's chromium +
# chromium-driver) driven by selenium, against a tracekit-server started on
# an ephemeral port, with libtracekit's C example as the capturing service.
# Screenshots of each step go to server/Tests/browser/artifacts/ (gitignored).
#
#   apt-get install -y chromium chromium-driver gcc
#   make install PREFIX=$PWD/.build/stage     # at the repository root: libtracekit
#   server/Tests/browser/run.sh
#
# TRACEKIT_SERVER_BIN: the server binary (default: builds the debug one);
# TRACEKIT_LIB_DIR: the directory holding libtracekit.so (default .build/stage/lib).
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
server="$(cd "$here/../.." && pwd)"
venv="$server/.venv-browser"
[ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import selenium, requests" 2>/dev/null || {
  python3 -m venv "$venv" && "$venv/bin/pip" install -q -r "$here/requirements.txt"; }
if [ -z "${TRACEKIT_SERVER_BIN:-}" ]; then
  swift build --package-path "$server" --scratch-path "$server/.build-server" --product tracekit-server
  export TRACEKIT_SERVER_BIN="$server/.build-server/debug/tracekit-server"
fi
exec "$venv/bin/python" "$here/dashboard_e2e.py" "$@"
