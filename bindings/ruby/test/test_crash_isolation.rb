# frozen_string_literal: true

require_relative "test_helper"
require "logger"
require "stringio"

# capture_snapshot never raises into the caller: failures are counted in
# stats, logged rarely, and the checkpoint returns nil (strict raises).
# nil for capture_depth / max_payload / capture_timeout means unlimited.
class TestCrashIsolation < Minitest::Test
  HOSTILE_LABEL = Object.new.tap { |label| def label.hash = raise("hostile #hash") }
  BAD_LABELS = [nil, "", 42, "nul\0label", HOSTILE_LABEL].freeze

  include ServerBackedTest

  def setup
    super
    @log = StringIO.new
  end

  def service_prefix = "rb-iso"

  def configure(**settings)
    super(logger: Logger.new(@log), **settings)
  end

  def failure_lines
    @log.string.lines.grep(/capture_snapshot failed/)
  end

  def test_bad_labels_are_counted_and_logged_once
    client = configure
    BAD_LABELS.each do |label|
      assert_nil TracekitNative.capture_snapshot(label, {})
      assert_nil client.capture_snapshot(label, {})
    end
    stats = client.stats
    assert_equal 2 * BAD_LABELS.size, stats["dropped_invalid_label"]
    assert_equal 0, stats["dropped_internal_error"]
    assert_equal 1, failure_lines.size, failure_lines.inspect
    assert_includes failure_lines.first, "invalid_label"
  end

  def checkout
    TracekitNative.capture_snapshot("iso") { raise KeyError, "secret-value-in-message" }
  end

  def test_a_raising_variables_block_is_counted_without_its_message
    client = configure
    @server.create_breakpoint(@service, function: "checkout", label: "iso")
    assert eventually { client.stats["breakpoints"].to_i >= 1 }
    assert eventually { checkout.nil? && client.stats["dropped_invalid_variables"].to_i >= 1 }
    assert_includes failure_lines.first, "KeyError"
    refute_includes @log.string, "secret-value-in-message"
  end

  def test_an_internal_failure_is_counted_and_the_client_keeps_working
    client = configure
    @server.create_breakpoint(@service, function: "checkout_internal", label: "internal")
    handle = client.checkpoint("internal", function: "checkout_internal")
    assert eventually { handle.active? }
    TracekitNative::Native.stub(:tk_site_capture, ->(*) { raise FFI::NullPointerError, "simulated" }) do
      assert_nil handle.capture({ n: 1 })
    end
    TracekitNative::Native.stub(:tk_site_capture, ->(*) { TracekitNative::STATUS_CODES[:internal] }) do
      assert_nil handle.capture({ n: 2 })
    end
    assert_equal 2, client.stats["dropped_internal_error"]
    assert_equal true, handle.capture({ n: 3 })
    assert client.flush(5)
    snapshots = eventually { (list = @server.snapshots(@service)).any? && list }
    assert_equal [{ "n" => 3 }], snapshots.map { |snapshot| snapshot["variables"] }
  end

  def test_strict_mode_raises_what_it_counts
    client = configure(strict: true)
    BAD_LABELS.each do |label|
      error = assert_raises(TracekitNative::Error) { TracekitNative.capture_snapshot(label, {}) }
      assert_equal :invalid_argument, error.status
    end
    assert_equal BAD_LABELS.size, client.stats["dropped_invalid_label"]
  end

  def nested(depth)
    (1..depth).reduce({}) { |inner, _| { "next" => inner } }
  end

  def depth_of(document)
    depth = 0
    depth += 1 while document.is_a?(Hash) && (document = document["next"])
    depth
  end

  def test_nil_means_unlimited_and_unset_keeps_the_bounded_default
    deep = JSON.generate(nested(30))
    unlimited = TracekitNative::Config.new
    unlimited.capture_depth = nil
    unlimited.max_payload = nil
    assert_operator depth_of(JSON.parse(TracekitNative.sanitize_json(deep))), :<, 30
    assert_equal 30, depth_of(JSON.parse(TracekitNative.sanitize_json(deep, unlimited)))
    big = JSON.generate({ "items" => Array.new(20_000) { |i| i } })
    bounded = TracekitNative::Config.new
    bounded.max_payload = 4096
    assert_equal "payload_limit", JSON.parse(TracekitNative.sanitize_json(big, bounded))["_truncated_by"]
    assert_equal JSON.parse(big), JSON.parse(TracekitNative.sanitize_json(big, unlimited))
  end

  # Over the default 64 KiB payload, 10 levels and the binding's 1,000
  # items per container, with few values (the debug test server is slow
  # on many).
  def test_nil_limits_reach_the_capture
    client = configure(capture_depth: nil, max_payload: nil, capture_timeout: nil)
    @server.create_breakpoint(@service, function: "checkout_unlimited", label: "unlimited")
    handle = client.checkpoint("unlimited", function: "checkout_unlimited")
    assert eventually { handle.active? }
    variables = { "deep" => nested(30), "items" => Array.new(1_500) { |i| i }, "blobs" => Array.new(10) { "b" * 7_000 } }
    assert_equal true, handle.capture(variables)
    assert client.flush(10)
    captured = eventually { (list = @server.snapshots(@service)).any? && list.first["variables"] }
    assert_equal 30, depth_of(captured["deep"])
    assert_equal variables["items"], captured["items"]
    assert_equal variables["blobs"], captured["blobs"]
  end
end
