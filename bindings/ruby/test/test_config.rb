# frozen_string_literal: true

require_relative "test_helper"

# Configuration: invalid settings raise TracekitNative::Error naming the
# setting, before any client exists.
class TestConfig < Minitest::Test
  def configure(**settings)
    TracekitNative::SDK.configure do |c|
      c.api_key = "tk_test_key"
      c.endpoint = "http://127.0.0.1:9"
      settings.each { |name, value| c.public_send(:"#{name}=", value) }
    end
  end

  def assert_config_error(status, name, **settings)
    error = assert_raises(TracekitNative::Error) { configure(**settings) }
    assert_equal status, error.status
    assert_includes error.message, name
    error
  ensure
    TracekitNative.shutdown
  end

  def test_out_of_range_numbers_are_invalid_arguments
    assert_config_error(:invalid_argument, "capture_depth", capture_depth: -1)
    assert_config_error(:invalid_argument, "max_queue", max_queue: 0)
    assert_config_error(:invalid_argument, "capture_timeout", capture_timeout: 601)
    assert_config_error(:invalid_argument, "capture_depth", capture_depth: 2**40)
  end

  def test_wrong_types_are_invalid_arguments
    assert_config_error(:invalid_argument, "capture_depth", capture_depth: "10")
    assert_config_error(:invalid_argument, "enable_code_monitoring", enable_code_monitoring: "yes")
    assert_config_error(:invalid_argument, "circuit_breaker", circuit_breaker: { max_failures: 3 })
  end

  def test_bad_strings_are_invalid_arguments
    assert_config_error(:invalid_argument, "service_name", service_name: "has space")
    assert_config_error(:invalid_argument, "endpoint", endpoint: "ftp://example.com")
    assert_config_error(:invalid_argument, "service_name", service_name: "nul\0byte")
  end

  def test_a_pattern_that_does_not_compile_is_invalid_pattern
    error = assert_config_error(:invalid_pattern, "employee_id", pii_patterns: { "employee_id" => "EMP-(" })
    assert_equal 3, error.code
  end

  def test_a_missing_api_key_is_refused_by_the_client
    error = assert_raises(TracekitNative::Error) do
      TracekitNative::SDK.configure { |c| c.endpoint = "http://127.0.0.1:9" }
    end
    assert_includes error.message, "api_key"
  end

  def test_official_sdk_endpoint_form_host_and_use_ssl
    config = TracekitNative::Config.new
    config.endpoint = "app.tracekit.dev"
    assert_equal "https://app.tracekit.dev", config.endpoint_url
    config.use_ssl = false
    config.endpoint = "localhost:7070"
    assert_equal "http://localhost:7070", config.endpoint_url
    config.endpoint = "https://collector.example/v1/traces"
    assert_equal "https://collector.example/v1/traces", config.endpoint_url
  end

  def test_official_only_settings_are_accepted_and_ignored
    client = configure(environment: "production", service_version: "1.2.3", sampling_rate: 1.0)
    assert_kind_of TracekitNative::Client, client
  ensure
    TracekitNative.shutdown
  end
end

# Finding libtracekit.
class TestLibraryLookup < Minitest::Test
  def test_the_environment_variable_is_the_only_place_looked_at
    ENV["TRACEKIT_LIBRARY"] = "/opt/custom/libtracekit.so"
    assert_equal ["/opt/custom/libtracekit.so"], TracekitNative::Native.candidates, "no fallback to another copy"
  ensure
    ENV["TRACEKIT_LIBRARY"] = TracekitNative::Native::LOADED_FROM
  end

  def test_a_library_that_loads_nowhere_is_a_clear_error_naming_every_attempt
    error = assert_raises(TracekitNative::LibraryNotFound) do
      TracekitNative::Native.load_library(["/nonexistent/libtracekit.so", "tracekit_no_such_library"])
    end
    assert_kind_of TracekitNative::Error, error
    assert_includes error.message, "/nonexistent/libtracekit.so"
    assert_includes error.message, "tracekit_no_such_library"
    assert_includes error.message, "TRACEKIT_LIBRARY"
  end
end

# The pure helpers: sanitize_json and eval_expression.
class TestPureHelpers < Minitest::Test
  def test_sanitize_json_scrubs_and_bounds_like_a_capture
    config = TracekitNative::Config.new
    config.capture_depth = 1
    out = JSON.parse(TracekitNative.sanitize_json('{"email":"jane@example.com","deep":{"a":1}}', config))
    assert_equal "[REDACTED:email]", out["email"]
    assert_equal({ "_truncated" => true, "_depth" => 1 }, out["deep"])
  end

  def test_sanitize_json_rejects_invalid_json_with_its_offset
    error = assert_raises(TracekitNative::Error) { TracekitNative.sanitize_json('{"a":') }
    assert_equal :invalid_json, error.status
    assert_match(/offset/, error.message)
  end

  def test_eval_expression_checks_a_condition
    assert_equal "true", TracekitNative.eval_expression("order.total > 100", { order: { total: 250 } })
    error = assert_raises(TracekitNative::Error) { TracekitNative.eval_expression("len(x) > 1", { x: [1, 2] }) }
    assert_equal :invalid_argument, error.status
  end
end
