# frozen_string_literal: true

require_relative "test_helper"

# The Rack middleware: the request is the checkpoints' context during the
# call, and only then.
class TestRackMiddleware < Minitest::Test
  def rack_env(headers = {})
    {
      "REQUEST_METHOD" => "POST", "SCRIPT_NAME" => "", "PATH_INFO" => "/checkout", "QUERY_STRING" => "coupon=FALL",
      "SERVER_NAME" => "shop.local", "SERVER_PORT" => "8080", "REMOTE_ADDR" => "10.0.0.9",
      "rack.url_scheme" => "http", "HTTP_HOST" => "shop.local:8080", "CONTENT_TYPE" => "application/json"
    }.merge(headers)
  end

  def test_the_context_is_set_during_the_call_and_restored_after
    seen = nil
    app = TracekitNative::RackMiddleware.new(->(env) { seen = TracekitNative::RequestContext.current_env; [200, {}, []] })
    env = rack_env
    app.call(env)
    assert_same env, seen
    assert_nil TracekitNative::RequestContext.current_env
  end

  def test_the_context_is_restored_when_the_app_raises
    app = TracekitNative::RackMiddleware.new(->(_env) { raise "boom" })
    assert_raises(RuntimeError) { app.call(rack_env) }
    assert_nil TracekitNative::RequestContext.current_env
  end

  def test_each_thread_sees_its_own_request
    seen = Queue.new
    app = TracekitNative::RackMiddleware.new(lambda do |env|
      sleep 0.01
      seen << [env["PATH_INFO"], TracekitNative::RequestContext.current_env["PATH_INFO"]]
      [200, {}, []]
    end)
    threads = %w[/a /b /c].map { |path| Thread.new { app.call(rack_env("PATH_INFO" => path)) } }
    threads.each(&:join)
    3.times { own, current = seen.pop; assert_equal own, current }
  end

  def test_the_request_document
    env = rack_env("HTTP_USER_AGENT" => "curl/8", "HTTP_X_FORWARDED_FOR" => "203.0.113.7, 10.0.0.1",
                   "HTTP_AUTHORIZATION" => "Bearer secret-token-value-1234567890")
    request = TracekitNative::RequestContext.request(env)
    assert_equal "POST", request["method"]
    assert_equal "/checkout", request["path"]
    assert_equal "http://shop.local:8080/checkout?coupon=FALL", request["url"]
    assert_equal "203.0.113.7", request["remote_addr"]
    assert_equal "curl/8", request["user_agent"]
    assert_equal "application/json", request["headers"]["Content-Type"]
    assert_equal "shop.local:8080", request["headers"]["Host"]
    # Redaction of this header is the library's job (checked end to end in test_capture.rb).
    assert request["headers"].key?("Authorization")
  end

  def test_trace_ids_from_a_valid_traceparent_only
    valid = rack_env("HTTP_TRACEPARENT" => "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    assert_equal %w[4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7], TracekitNative::RequestContext.trace_ids(valid)
    ["garbage", "00-#{'0' * 32}-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-xyz-01"].each do |value|
      assert_equal [nil, nil], TracekitNative::RequestContext.trace_ids(rack_env("HTTP_TRACEPARENT" => value))
    end
  end

  def test_official_sdk_name_is_an_alias
    assert_same TracekitNative::RackMiddleware, TracekitNative::Middleware
  end
end
