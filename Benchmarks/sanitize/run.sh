#!/usr/bin/env bash
# Builds the release library, then the sanitizer benchmark against it.
#   Benchmarks/sanitize/run.sh [passes] [small-doc calls]
set -euo pipefail
cd "$(dirname "$0")/../.."
STAGE=$PWD/.build/stage
make -s install PREFIX="$STAGE" >/dev/null
gcc -O2 -std=c99 -o "$STAGE/sanitize_bench" Benchmarks/sanitize/sanitize_bench.c \
  $(PKG_CONFIG_PATH=$STAGE/lib/pkgconfig pkg-config --cflags --libs tracekit)
"$STAGE/sanitize_bench" "$@"
