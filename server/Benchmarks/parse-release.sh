#!/bin/sh
# Times StackTraceParser on hostile 64 KiB lines in an optimised (-O) build
# without building the whole server in release: the parser's files
# (TraceLine, StackTraceParser, CodeLocation) need nothing else.
set -eu
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed '/^import TraceKitServer$/d' Sources/tracekit-server-bench/ParseBenchmark.swift > "$work/ParseBenchmark.swift"
echo 'ParseBenchmark.run()' > "$work/main.swift"
swiftc -O -swift-version 6 Sources/TraceKitServer/TraceLine.swift Sources/TraceKitServer/StackTraceParser.swift \
  Sources/TraceKitServer/CodeLocation.swift "$work/ParseBenchmark.swift" "$work/main.swift" -o "$work/parse-bench"
"$work/parse-bench"
