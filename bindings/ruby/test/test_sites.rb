# frozen_string_literal: true

require_relative "test_helper"

# Call-site interning: each (label, file, line) is one library site, looked
# up without re-interning, whatever shares a line.
class TestSites < Minitest::Test
  def setup
    @client = TracekitNative::SDK.configure do |c|
      c.api_key = "tk_test_key"
      c.endpoint = "http://127.0.0.1:9" # nothing listens: no breakpoint is ever active
    end
  end

  def teardown
    TracekitNative.shutdown
  end

  def test_one_site_per_call_site_however_often_it_runs
    5.times { TracekitNative.capture_snapshot("loop", { i: 1 }) }
    assert_equal 1, @client.stats["sites"]
  end

  def test_two_labels_on_one_line_are_two_sites_and_stay_two
    3.times { [TracekitNative.capture_snapshot("first", {}), TracekitNative.capture_snapshot("second", {})] }
    assert_equal 2, @client.stats["sites"]
  end

  def test_the_same_label_on_two_lines_is_two_sites
    TracekitNative.capture_snapshot("shared", {})
    TracekitNative.capture_snapshot("shared", {})
    assert_equal 2, @client.stats["sites"]
  end

  def test_a_checkpoint_handle_is_the_site_of_its_location
    handle = TracekitNative.checkpoint("handle")
    refute handle.active?
    assert_nil handle.capture { flunk "the block of an inactive checkpoint must not run" }
    assert_equal 1, @client.stats["sites"]
  end

  # The label-keyed fast path (LabelBindings): an inactive checkpoint whose
  # label is bound to one call site skips caller_locations; a second call
  # site with the same label is discovered after the next clearing.
  def first_site = TracekitNative.capture_snapshot("shared-label", { site: 1 })
  def second_site = TracekitNative.capture_snapshot("shared-label", { site: 2 })

  def test_an_inactive_bound_label_skips_caller_locations
    2.times { first_site } # met twice: skippable
    full_calls = 0
    full_path = @client.method(:capture_snapshot_at)
    counting = lambda do |*args, &block|
      full_calls += 1
      full_path.call(*args, &block)
    end
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    @client.stub(:capture_snapshot_at, counting) { 1000.times { first_site } }
    elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
    assert_operator full_calls, :<=, 1 + (elapsed / TracekitNative::LabelBindings::CONFIRM_SECONDS), full_calls
  end

  def test_a_second_call_site_of_a_skippable_label_is_discovered
    2.times { first_site }
    assert eventually(3) { second_site.nil? && @client.stats["sites"] == 2 }, "the second site was never met"
    refute @client.skip?("shared-label")
    1000.times { first_site } # the label now always takes the full path
    refute @client.skip?("shared-label")
  end
end

# The library's log lines reach the configured Ruby logger.
class TestLogger < Minitest::Test
  def test_a_failing_poll_is_logged_as_a_warning
    require "logger"
    require "stringio"
    output = StringIO.new
    logger = Logger.new(output)
    TracekitNative::SDK.configure do |c|
      c.api_key = "tk_test_key"
      c.endpoint = "http://127.0.0.1:9" # nothing listens
      c.logger = logger
    end
    assert eventually { output.string.include?("poll failed") }, "no log line arrived: #{output.string.inspect}"
    assert_match(/\AW, .*tracekit: breakpoint poll failed/, output.string)
  ensure
    TracekitNative.shutdown
  end

  def test_a_logger_without_add_is_refused
    error = assert_raises(TracekitNative::Error) do
      TracekitNative::SDK.configure { |c| c.api_key = "k"; c.logger = Object.new }
    end
    assert_includes error.message, "logger"
  end
end
