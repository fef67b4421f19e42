#!/bin/sh
# Regenerates Sources/TraceKitServer/OTLP/*.pb.swift (the OTLP trace export
# messages) with protoc + protoc-gen-swift. Run by hand when the OTLP version
# changes; the output is committed so builds never need protoc.
#
# Needs: protoc (apt: protobuf-compiler), protoc-gen-swift built from
# swift-protobuf 1.39.0 (PROTOC_GEN_SWIFT, default: on PATH), and Python 3.
# The .proto sources come from PyPI's opentelemetry-proto (its compiled
# descriptors), see docs/BUILD.md "OTLP protobuf".
set -eu
cd "$(dirname "$0")/.."
OTLP_PROTO_VERSION=${OTLP_PROTO_VERSION:-1.33.1}
PLUGIN=${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "opentelemetry-proto==$OTLP_PROTO_VERSION"
"$work/venv/bin/python" - "$work/otlp.pb" <<'PY'
import sys
from google.protobuf import descriptor_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
out, seen = descriptor_pb2.FileDescriptorSet(), set()
def add(fd):
    if fd.name in seen: return
    seen.add(fd.name)
    for dep in fd.dependencies: add(dep)   # dependencies first
    out.file.append(descriptor_pb2.FileDescriptorProto.FromString(fd.serialized_pb))
add(trace_service_pb2.DESCRIPTOR)
open(sys.argv[1], "wb").write(out.SerializeToString())
print("descriptor files:", ", ".join(sorted(seen)))
PY
dest=Sources/TraceKitServer/OTLP
mkdir -p "$dest"
rm -f "$dest"/*.pb.swift
protoc --plugin=protoc-gen-swift="$PLUGIN" --descriptor_set_in="$work/otlp.pb" \
  --swift_opt=Visibility=Internal --swift_opt=FileNaming=PathToUnderscores --swift_out="$dest" \
  opentelemetry/proto/collector/trace/v1/trace_service.proto \
  opentelemetry/proto/trace/v1/trace.proto \
  opentelemetry/proto/resource/v1/resource.proto \
  opentelemetry/proto/common/v1/common.proto
echo "wrote $(ls "$dest" | tr '\n' ' ')"
