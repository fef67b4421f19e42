# frozen_string_literal: true

# Builds the same from any directory (paths are relative to this file):
#   gem build bindings/ruby/tracekit-native.gemspec            the pure gem: uses a system libtracekit
#   TRACEKIT_GEM_PLATFORM=x86_64-linux gem build ...           the platform gem: carries
#                                                              vendor/libtracekit.so.0 (scripts/dist.sh puts it there)
require_relative "lib/tracekit_native/version"

# RubyGems checks spec.files against the working directory: build from here.
Dir.chdir(__dir__)

Gem::Specification.new do |spec|
  spec.name = "tracekit-native"
  spec.version = TracekitNative::VERSION
  spec.summary = "TraceKit code monitoring for Ruby on libtracekit (FFI): live snapshots, PII scrubbing, no blocking"
  spec.description = <<~TEXT
    Production-debugging snapshots for Ruby services through libtracekit, the TraceKit Native
    capture engine: checkpoints cost a fraction of a microsecond until a breakpoint is enabled,
    captures are scrubbed and bounded in native code and sent from the library's own threads.
    Configured like the official `tracekit` gem (Tracekit::SDK.configure). The x86_64-linux gem
    carries libtracekit; the pure gem needs it installed (libtracekit0, make install) or named by
    TRACEKIT_LIBRARY.
  TEXT
  spec.authors = ["TraceKit Native contributors"]
  spec.license = "Apache-2.0"
  spec.homepage = "https://github.com/tracekit-native/tracekit-native"
  spec.metadata = {
    "homepage_uri" => spec.homepage,
    "source_code_uri" => spec.homepage,
    "changelog_uri" => "#{spec.homepage}/blob/main/CHANGELOG.md",
    "rubygems_mfa_required" => "true"
  }
  spec.required_ruby_version = ">= 3.0"

  spec.files = Dir.glob("lib/**/*.rb") + ["README.md", "LICENSE"]
  platform = ENV.fetch("TRACEKIT_GEM_PLATFORM", "")
  unless platform.empty?
    spec.platform = Gem::Platform.new(platform)
    library = "lib/vendor/libtracekit.so.0"
    raise "#{File.join(__dir__, library)} is missing: build it with scripts/dist.sh" unless File.exist?(library)

    spec.files << library
  end
  spec.require_paths = ["lib"]
  spec.add_dependency "ffi", ">= 1.15", "< 2"
  spec.add_development_dependency "minitest", ">= 5.15"
end
