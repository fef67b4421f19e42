# frozen_string_literal: true

require_relative "test_helper"
require "socket"

# Captures against a real tracekit-server: init, request context,
# redaction, kill switch, bad input, shutdown.
class TestCapture < Minitest::Test
  include ServerBackedTest
  LABEL = "order-checkout"

  # The checkpoint under test: site "checkout:order-checkout".
  def checkout(variables = nil, &block)
    TracekitNative.capture_snapshot(LABEL, variables, &block)
  end

  CHECKOUT_LINE = __LINE__ - 3

  def enable_checkout_breakpoint(client, **fields)
    @server.create_breakpoint(@service, function: "checkout", label: LABEL, **fields)
    assert eventually { client.stats["breakpoints"].to_i >= 1 }, "the client never saw the breakpoint"
  end

  # Runs the block in a forked child; returns the child's result, inspected.
  def in_forked_child
    reader, writer = IO.pipe
    pid = fork do
      reader.close
      writer.puts yield.inspect
      exit!(0) # skip at_exit hooks inherited from the test process
    end
    writer.close
    Process.wait(pid)
    reader.read.strip
  end

  # The variables of the service's first stored snapshot (nil if none arrives).
  def first_snapshot_variables
    snapshots = eventually { (list = @server.snapshots(@service)).any? && list }
    snapshots && snapshots.first["variables"]
  end

  def sent_snapshots(client, count = 1)
    assert client.flush(5), "the queue did not drain"
    eventually { (list = @server.snapshots(@service)).size >= count && list } || []
  end

  def test_init_gives_a_client_with_live_stats
    client = configure
    assert_same client, TracekitNative::SDK.current
    assert eventually { client.stats["polls"].to_i >= 1 }
    stats = client.stats
    %w[captured sent failed kill_switch circuit_state queue_depth sites].each { |key| assert stats.key?(key), key }
    assert_equal "closed", stats["circuit_state"]
  end

  def test_a_checkpoint_without_a_breakpoint_captures_nothing_and_skips_its_block
    client = configure
    called = false
    assert_nil TracekitNative.capture_snapshot(LABEL) { called = true }
    refute called
    assert_equal 0, client.stats["captured"]
    assert_equal 1, client.stats["sites"]
  end

  def test_the_first_hit_of_an_unknown_site_registers_it_once
    configure
    2.times { checkout({ n: 1 }) }
    registered = eventually do
      list = @server.api(:get, "/api/breakpoints?service=#{@service}")
      list = list["breakpoints"] if list.is_a?(Hash)
      list if list.any?
    end
    assert registered, "the site was never auto-registered"
    assert_equal 1, registered.size
    assert_equal ["checkout", LABEL, __FILE__, CHECKOUT_LINE, false],
                 registered.first.values_at("function_name", "label", "file_path", "line_number", "enabled")
  end

  def test_capture_with_request_context_and_redaction
    client = configure
    enable_checkout_breakpoint(client)
    env = {
      "REQUEST_METHOD" => "POST", "PATH_INFO" => "/checkout", "QUERY_STRING" => "", "SCRIPT_NAME" => "",
      "HTTP_HOST" => "shop.local", "REMOTE_ADDR" => "10.1.2.3", "rack.url_scheme" => "http",
      "HTTP_AUTHORIZATION" => "Bearer abcdefghijklmnopqrstuvwxyz0123",
      "HTTP_TRACEPARENT" => "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    }
    result = nil
    app = TracekitNative::RackMiddleware.new(lambda do |_env|
      result = checkout({ order_id: 1001, email: "jane.doe@example.com", card: "4111 1111 1111 1111", total: 99.5 })
      [200, {}, ["ok"]]
    end)
    app.call(env)
    assert_equal true, result

    snapshot = sent_snapshots(client).first
    assert_equal({ "order_id" => 1001, "email" => "[REDACTED:email]", "card" => "[REDACTED:credit_card]",
                   "total" => 99.5 }, snapshot["variables"])
    assert_equal __FILE__, snapshot["file_path"]
    assert_equal CHECKOUT_LINE, snapshot["line_number"]
    assert_equal "checkout", snapshot["function_name"]
    assert_equal "4bf92f3577b34da6a3ce929d0e0e4736", snapshot["trace_id"]
    assert_equal "00f067aa0ba902b7", snapshot["span_id"]
    request = snapshot["request_context"]
    assert_equal "POST", request["method"]
    assert_equal "/checkout", request["path"]
    assert_equal "10.1.2.3", request["remote_addr"]
    refute_includes request["headers"]["Authorization"], "abcdefghij"
    assert_match(/checkout \(#{Regexp.escape(__FILE__)}:#{CHECKOUT_LINE}\)/, snapshot["stack_trace"])
    refute_match(/tracekit_native/, snapshot["stack_trace"].lines.first)
    assert_operator client.stats["redactions"], :>=, 2
  end

  def test_the_block_form_builds_variables_only_when_capturing
    client = configure
    enable_checkout_breakpoint(client)
    calls = 0
    checkpoint = client.checkpoint(LABEL, function: "checkout")
    assert checkpoint.active?
    assert_equal true, checkpoint.capture { calls += 1; { lazily: "built" } }
    assert_equal 1, calls
    assert_equal({ "lazily" => "built" }, sent_snapshots(client).first["variables"])
  end

  def test_a_suppressed_checkpoint_does_not_build_its_variables
    client = configure(max_captures_per_second: 1)
    enable_checkout_breakpoint(client)
    assert_equal true, checkout({ n: 1 }) # spends the budget of this second
    built = 0
    5.times { assert_nil(checkout { built += 1; { n: 2 } }) }
    assert_equal 0, built
    assert_equal 5, client.stats["suppressed_rate_limit"]
  end

  def test_kill_switch_stops_captures_at_once
    client = configure
    enable_checkout_breakpoint(client)
    assert_equal true, checkout({ n: 1 })
    assert_equal 1, sent_snapshots(client).size

    @server.kill_switch(@service, true)
    assert eventually { client.stats["kill_switch"] }, "the kill switch never reached the client"
    assert_nil checkout({ n: 2 })
    client.flush(2)
    stats = client.stats
    assert_equal 1, stats["captured"]
    assert_equal 1, @server.snapshots(@service).size
  end

  def test_values_json_cannot_represent_are_captured_as_placeholders
    client = configure
    enable_checkout_breakpoint(client)
    cyclic = { name: "cart" }
    cyclic[:cart] = cyclic
    assert_equal true, checkout({ socket: $stdout, cyclic: cyclic, nan: Float::NAN, bytes: "\xFF".b })
    variables = sent_snapshots(client).first["variables"]
    assert_equal "<unserializable: IO>", variables["socket"]
    assert_equal "<circular reference>", variables["cyclic"]["cart"]
    assert_equal "NaN", variables["nan"]
    assert_equal "\uFFFD", variables["bytes"]
  end

  def test_shutdown_sends_what_is_queued_and_later_calls_are_no_ops
    client = configure
    enable_checkout_breakpoint(client)
    assert_equal true, checkout({ last: "words" })
    TracekitNative.shutdown
    assert eventually { @server.snapshots(@service).size == 1 }, "the queued snapshot was not sent at shutdown"
    assert client.closed?
    assert_nil client.capture_snapshot(LABEL, { after: true })
    assert_equal false, client.flush(0.1)
    assert_equal({}, client.stats)
    client.shutdown # twice is fine
    assert_nil TracekitNative.capture_snapshot(LABEL, {}) # no client configured
  end

  def test_what_is_queued_at_process_exit_is_sent
    @server.create_breakpoint(@service, function: "checkout", label: LABEL)
    script = <<~RUBY
      require "tracekit_native"
      client = TracekitNative::SDK.configure do |c|
        c.api_key = #{@server.admin_key.inspect}
        c.service_name = #{@service.inspect}
        c.endpoint = #{@server.base_url.inspect}
      end
      def checkout = TracekitNative.capture_snapshot(#{LABEL.inspect}, { at: "exit" })
      deadline = Time.now + 10
      sleep 0.02 until checkout || Time.now > deadline
      exit 0 # no shutdown, no flush: the exit hook sends it
    RUBY
    lib = File.expand_path("../lib", __dir__)
    assert system(RbConfig.ruby, "-I", lib, "-e", script), "the child process failed"
    snapshots = eventually { (list = @server.snapshots(@service)).any? && list }
    assert snapshots, "the snapshot queued before exit never arrived"
    assert_equal({ "at" => "exit" }, snapshots.first["variables"])
  end

  def test_a_forked_worker_gets_its_own_client_and_captures
    parent = configure
    enable_checkout_breakpoint(parent)
    reported = in_forked_child do
      child = TracekitNative::SDK.current
      captured = eventually { checkout({ from: "worker" }) }
      [child.equal?(parent), parent.closed?, captured, child.flush(5)]
    end
    assert_equal "[false, true, true, true]", reported
    assert_equal({ "from" => "worker" }, first_snapshot_variables)
    refute parent.closed?, "the parent's client must be untouched by the child"
    assert_equal 0, parent.stats["captured"]
  end

  def test_shutdown_while_other_threads_capture_is_safe
    client = configure
    enable_checkout_breakpoint(client, max_captures: 0)
    results = Queue.new
    # Each thread captures until it has seen the shutdown 50 times.
    threads = Array.new(6) do |i|
      Thread.new do
        after_shutdown = 0
        20_000.times do |n|
          result = checkout({ thread: i, n: n })
          results << result
          break if result.nil? && (after_shutdown += 1) >= 50
        end
      end
    end
    sleep 0.05
    client.shutdown
    threads.each(&:join)
    outcomes = Array.new(results.size) { results.pop }.uniq
    assert_empty outcomes - [true, false, nil], "unexpected results #{outcomes.inspect}"
    assert_includes outcomes, nil, "no capture happened after shutdown: the race was not exercised"
  end

  def test_a_checkpoint_handle_made_before_a_fork_follows_the_new_client
    parent = configure
    @server.create_breakpoint(@service, function: "handle_site", label: "handle")
    handle = parent.checkpoint("handle", function: "handle_site")
    assert eventually { handle.active? }, "the handle never became active in the parent"
    reported = in_forked_child do
      captured = eventually { handle.capture({ from: "handle in worker" }) } # after the new client's first poll
      [captured, TracekitNative.sdk.flush(5)]
    end
    assert_equal "[true, true]", reported
    assert_equal({ "from" => "handle in worker" }, first_snapshot_variables)
  end

  def test_shutdown_is_bounded_when_the_backend_stalls
    stall = TCPServer.new("127.0.0.1", 0) # accepts, never answers
    holder = Thread.new { loop { (conns ||= []) << stall.accept } }
    client = TracekitNative::SDK.configure do |c|
      c.api_key = "tk_test_key"
      c.service_name = @service
      c.endpoint = "http://127.0.0.1:#{stall.addr[1]}"
      c.capture_timeout = 1
    end
    sleep 0.2 # the first poll is in flight
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    client.shutdown
    elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
    assert_operator elapsed, :<, 2.5, "shutdown took #{elapsed.round(2)} s with capture_timeout 1 s"
  ensure
    holder&.kill
    stall&.close
  end
end
