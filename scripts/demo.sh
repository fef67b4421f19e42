#!/usr/bin/env bash
# The demo: builds libtracekit, installs it under .build/stage and runs a C
# example that sanitizes a sample payload, printing it before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
STAGE=$PWD/.build/stage
export PKG_CONFIG_PATH=$STAGE/lib/pkgconfig

bash scripts/install-deps.sh
echo "==> building libtracekit (release)"
make -s install PREFIX="$STAGE" >/dev/null
echo "==> compiling examples/c/sanitize_demo.c against the installed header (pkg-config)"
gcc -std=c99 -Wall -Wextra -o "$STAGE/sanitize_demo" examples/c/sanitize_demo.c $(pkg-config --cflags --libs tracekit)
echo "==> running it"
echo
"$STAGE/sanitize_demo" | python3 -c '
import json, sys
text = sys.stdin.read()
head, _, rest = text.partition("before:\n")
before, _, after = rest.partition("\n\nafter:\n")
print(head + "before:\n" + json.dumps(json.loads(before), indent=2) + "\n\nafter:\n" + json.dumps(json.loads(after), indent=2))'
