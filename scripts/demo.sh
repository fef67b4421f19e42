#!/usr/bin/env bash
# The demo: tracekit-server + an example Python service using the library.
# Builds what is needed, starts the server (SQLite in a temporary folder) and
# examples/python/checkout_service.py, enables a breakpoint on its
# "order-checkout" checkpoint through the management API, sends an order with
# an email and a card number, and prints the snapshot the server received —
# with the redaction markers. Stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STAGE=$ROOT/.build/stage
step() { printf '==> %s\n' "$*"; }

bash scripts/install-deps.sh
step "building libtracekit (release)"
make -s install PREFIX="$STAGE" >/dev/null
step "building tracekit-server (first build takes a few minutes)"
swift build --package-path server --scratch-path server/.build --product tracekit-server 2>&1 | tail -1

work=$(mktemp -d)
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

SERVER_PORT=$(free_port)
ADMIN_KEY="demo-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
BASE=http://127.0.0.1:$SERVER_PORT
step "starting tracekit-server on $BASE"
server/.build/debug/tracekit-server --port "$SERVER_PORT" --database "$work/tracekit.sqlite" \
  --admin-key "$ADMIN_KEY" --log-level warning > "$work/server.log" 2>&1 &
for _ in $(seq 100); do curl -sf "$BASE/api/health" >/dev/null && break; sleep 0.1; done

SERVICE_PORT=$(free_port)
step "starting the example service (examples/python/checkout_service.py) on port $SERVICE_PORT"
TRACEKIT_LIBRARY=$STAGE/lib/libtracekit.so.0 PYTHONPATH=$ROOT/bindings/python \
TRACEKIT_API_KEY=$ADMIN_KEY TRACEKIT_ENDPOINT=$BASE TRACEKIT_SERVICE_NAME=checkout \
  python3 examples/python/checkout_service.py --port "$SERVICE_PORT" > "$work/service.log" 2>&1 &
for _ in $(seq 100); do grep -q "checkout service" "$work/service.log" 2>/dev/null && break; sleep 0.1; done

api() { curl -sf -H "X-API-Key: $ADMIN_KEY" -H "Content-Type: application/json" "$@"; }
step "enabling a breakpoint on checkout:order-checkout through the API"
api -X POST "$BASE/api/breakpoints" -d '{"service_name":"checkout","function_name":"checkout","label":"order-checkout","file_path":"examples/python/checkout_service.py","line_number":31,"enabled":true,"max_captures":1}' >/dev/null

ORDER='{"name":"Jane Doe","email":"jane.doe@example.com","card":"4111 1111 1111 1111","items":[{"sku":"BOOK-42","qty":2,"price":12.5}]}'
step "sending an order to the service until the snapshot arrives"
snapshot=""
for _ in $(seq 60); do
  curl -sf -X POST "http://127.0.0.1:$SERVICE_PORT/checkout" -d "$ORDER" >/dev/null || true
  snapshot=$(api "$BASE/api/snapshots?service=checkout&limit=1" | python3 -c \
    'import json,sys; s=json.load(sys.stdin)["snapshots"]; print(json.dumps(s[0]) if s else "")')
  [ -n "$snapshot" ] && break
  sleep 0.5
done
if [ -z "$snapshot" ]; then
  echo "no snapshot arrived; server log:"; cat "$work/server.log"; echo "service log:"; cat "$work/service.log"
  exit 1
fi
echo
echo "order sent:   $ORDER"
echo
echo "snapshot received by tracekit-server:"
printf '%s' "$snapshot" | python3 -c '
import json, sys
s = json.load(sys.stdin)
shown = {k: s[k] for k in ("service_name", "function_name", "label", "file_path", "line_number", "captured_at",
                           "variables", "security_flags", "request_context") if k in s}
print(json.dumps(shown, indent=2))
print("\nstack trace:\n" + s.get("stack_trace", "")[:800])'
