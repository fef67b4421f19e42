# frozen_string_literal: true

require_relative "test_helper"
require "open3"

# Code written for the official gem: the Tracekit module, SDK.configure
# with the description's flat circuit_breaker_* setters or a Config, and
# the Railtie in a real Rails application.
class TestOfficialNames < Minitest::Test
  def teardown
    TracekitNative.shutdown
  end

  def test_tracekit_is_this_module
    assert_same TracekitNative, Tracekit
    assert_same TracekitNative::RackMiddleware, Tracekit::Middleware
  end

  def test_the_descriptions_configuration_block
    client = Tracekit::SDK.configure do |c|
      c.api_key = "tk_test_key"
      c.service_name = "order-service"
      c.endpoint = "http://127.0.0.1:9"
      c.enable_code_monitoring = true
      c.capture_depth = 10
      c.max_payload = 65_536
      c.capture_timeout = 5.0
      c.pii_scrubbing = true
      c.circuit_breaker_max_failures = 3
      c.circuit_breaker_window_ms = 60_000
      c.circuit_breaker_cooldown_ms = 300_000
    end
    assert_same client, Tracekit.sdk
    assert_nil Tracekit.capture_snapshot("anything", { n: 1 })
  end

  def test_flat_circuit_breaker_setters_reach_the_library
    config = Tracekit::Config.new
    config.circuit_breaker_max_failures = 5
    assert_equal({ max_failures: 5, window_ms: 60_000, cooldown_ms: 300_000 }, config.circuit_breaker_settings)
    error = assert_raises(Tracekit::Error) do
      Tracekit::SDK.configure do |c|
        c.api_key = "tk_test_key"
        c.endpoint = "http://127.0.0.1:9"
        c.circuit_breaker_cooldown_ms = 0 # the library requires >= 1
      end
    end
    assert_includes error.message, "circuit_breaker"
    error = assert_raises(Tracekit::Error) { Tracekit::SDK.configure { |c| c.circuit_breaker_window_ms = "60s" } }
    assert_includes error.message, "circuit_breaker_window_ms"
  end

  def test_sdk_configure_takes_a_config_as_the_official_sdk
    config = Tracekit::Config.new
    config.api_key = "tk_test_key"
    config.endpoint = "http://127.0.0.1:9"
    client = Tracekit::SDK.configure(config)
    assert_same config, client.config
  end

  RAILS_APP = <<~RUBY
    require "rails"
    require "action_controller/railtie"
    require "tracekit_native"

    module Shop
      def self.place_order(id)
        TracekitNative.capture_snapshot("rails-order", { id: id })
      end

      class Application < Rails::Application
        config.eager_load = false
        config.logger = Logger.new(nil)
        config.secret_key_base = "test-only"
        config.hosts.clear
        config.tracekit.api_key = ENV.fetch("TEST_API_KEY")
        config.tracekit.endpoint = ENV.fetch("TEST_ENDPOINT")
        config.tracekit.code_monitoring_poll_interval = 0.2
        routes.append do
          get "/orders/:id" => proc { |env|
            [200, {}, [Shop.place_order(env["action_dispatch.request.path_parameters"][:id]).inspect]]
          }
        end
      end
    end
    Shop::Application.initialize!

    stack = Shop::Application.middleware.map(&:klass)
    client = TracekitNative.sdk
    deadline = Time.now + 10
    sleep 0.05 until client.stats["breakpoints"].to_i >= 1 || Time.now > deadline
    status, _headers, body = Shop::Application.call(Rack::MockRequest.env_for("/orders/42?src=rails", "HTTP_AUTHORIZATION" => "Bearer t0ken"))
    puts JSON.generate(middleware: stack.include?(TracekitNative::RackMiddleware), service: client.config.service_name,
                       status: status, captured: body.each.to_a.join, flushed: client.flush(5))
  RUBY

  def test_the_railtie_in_a_rails_application
    server = TracekitServer.instance
    server.create_breakpoint("shop", function: "place_order", label: "rails-order")
    env = { "TEST_API_KEY" => server.admin_key, "TEST_ENDPOINT" => server.base_url }
    output, status = Open3.capture2e(env, RbConfig.ruby, "-I", File.expand_path("../lib", __dir__), "-e", RAILS_APP)
    assert status.success?, output
    result = JSON.parse(output.lines.last)
    assert_equal({ "middleware" => true, "service" => "shop", "status" => 200, "captured" => "true", "flushed" => true },
                 result)
    snapshot = eventually { server.snapshots("shop").first }
    assert_equal({ "id" => "42" }, snapshot["variables"])
    assert_equal "/orders/42", snapshot["request_context"]["path"]
    assert_equal "[REDACTED:sensitive_name]", snapshot["request_context"]["headers"]["Authorization"]
  end
end
