# frozen_string_literal: true

require_relative "test_helper"
require "open3"
require "rbconfig"

# Which libtracekit the gem loads, and what it refuses.
class TestLoading < Minitest::Test
  LIB = File.expand_path("../lib", __dir__)

  def run_ruby(code, env = {})
    Open3.capture2e(ENV.to_h.merge(env), RbConfig.ruby, "-I#{LIB}", "-e", code)
  end

  def test_a_missing_TRACEKIT_LIBRARY_is_an_error_that_names_the_path
    output, = run_ruby('begin; require "tracekit_native"; rescue TracekitNative::LibraryNotFound => e; puts "refused: #{e.message}"; end',
                       "TRACEKIT_LIBRARY" => "/nonexistent/dir/libtracekit.so.0")
    assert_includes output, "refused: TRACEKIT_LIBRARY names /nonexistent/dir/libtracekit.so.0, which does not exist"
  end

  def test_TRACEKIT_LIBRARY_is_the_file_that_gets_mapped
    output, status = run_ruby('require "tracekit_native"; puts File.readlines("/proc/self/maps").grep(/libtracekit/).first.split.last')
    assert status.success?, output
    assert_equal File.realpath(ENV.fetch("TRACEKIT_LIBRARY")), File.realpath(output.strip)
  end

  def test_a_library_of_another_major_version_is_refused
    error = assert_raises(TracekitNative::LibraryNotFound) { TracekitNative::Native.check_version("0.1.0", "1.0.0") }
    assert_includes error.message, "needs major version 1"
    assert_equal TracekitNative::Native.tk_version, TracekitNative::Native.check_version
  end
end
