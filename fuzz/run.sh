#!/usr/bin/env bash
# Builds one libFuzzer target with AddressSanitizer and runs it.
#   fuzz/run.sh <sanitize|condition|event_stream> [executions, default 1000000] [extra libFuzzer flags...]
# New inputs found go to fuzz/out/<name>/ (ignored by git); crashes to fuzz/artifacts/.
# Merge interesting ones into the committed seed corpus with:
#   <binary> -merge=1 fuzz/corpus/<name> fuzz/out/<name>
set -euo pipefail
cd "$(dirname "$0")"
name=${1:?usage: fuzz/run.sh <sanitize|condition|event_stream> [runs]}
runs=${2:-1000000}
shift $(( $# >= 2 ? 2 : 1 ))
case "$name" in
  sanitize) product=SanitizeFuzzer ;;
  condition) product=ConditionFuzzer ;;
  event_stream) product=EventStreamFuzzer ;;
  *) echo "unknown fuzz target: $name" >&2; exit 2 ;;
esac
export SWIFT_BACKTRACE=enable=no  # the Swift crash handler can hang under ASan
build() {
  swift build -c release --scratch-path .build-fuzz --product "$product" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld >&2
}
# The incremental build misses source files added to or removed from the root
# package (missing inputs, unknown names): then it starts once from scratch.
build || { echo "fuzz/run.sh: rebuilding $product from scratch" >&2; rm -rf .build-fuzz; build; }
bin=.build-fuzz/release/$product
mkdir -p "out/$name" artifacts
"$bin" "out/$name" "corpus/$name" -runs="$runs" -max_len=65536 -rss_limit_mb=4096 \
  -artifact_prefix=artifacts/ -print_final_stats=1 "$@"
