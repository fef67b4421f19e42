# frozen_string_literal: true

require_relative "lib/tracekit_native/version"

Gem::Specification.new do |spec|
  spec.name = "tracekit-native"
  spec.version = TracekitNative::VERSION
  spec.summary = "TraceKit code monitoring for Ruby on libtracekit (FFI): live snapshots, PII scrubbing, no blocking"
  spec.description = <<~TEXT
    Production-debugging snapshots for Ruby services through libtracekit, the TraceKit Native
    capture engine: checkpoints cost a fraction of a microsecond until a breakpoint is enabled,
    captures are scrubbed and bounded in native code and sent from the library's own threads.
    Configured like the official `tracekit` gem (TracekitNative::SDK.configure). Needs
    libtracekit.so installed (make install) or named by TRACEKIT_LIBRARY.
  TEXT
  spec.authors = ["TraceKit Native contributors"]
  spec.license = "MIT"
  spec.required_ruby_version = ">= 3.0"
  spec.files = Dir["lib/**/*.rb"] + ["README.md"]
  spec.require_paths = ["lib"]
  spec.add_dependency "ffi", ">= 1.15", "< 2"
  spec.add_development_dependency "minitest", ">= 5.15"
end
