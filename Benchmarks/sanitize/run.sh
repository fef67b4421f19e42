#!/usr/bin/env bash
# Builds the release library, then the sanitizer benchmark against it.
#   Benchmarks/sanitize/run.sh [passes] [small-doc calls]
set -euo pipefail
cd "$(dirname "$0")/../.."
. Benchmarks/common/bench.sh
stage_library
build_bench sanitize_bench Benchmarks/sanitize/sanitize_bench.c
"$STAGE/sanitize_bench" "$@"
