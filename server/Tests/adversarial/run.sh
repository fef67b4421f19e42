#!/bin/sh
# Adversarial suite (issue 11): tracekit-server under attack over loopback
# (hostile stack traces, slow and idle sockets, bombs, deep nesting, SIGKILL
# during ingest, revocation, SIGTERM deadline, stream fan-out, TLS).
# Needs TRACEKIT_SERVER_BIN (scripts/test.sh sets it), python3 with pytest, openssl.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
exec python3 -m pytest -q -p no:cacheprovider "$here" "$@"
