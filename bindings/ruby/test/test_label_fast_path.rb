# frozen_string_literal: true

require_relative "test_helper"

# The label-keyed fast path (LabelBindings): an inactive checkpoint whose
# label is bound to one call site skips caller_locations; a second call
# site with the same label is discovered after the next clearing.
class TestLabelFastPath < Minitest::Test
  def setup
    @client = TracekitNative::SDK.configure do |c|
      c.api_key = "tk_test_key"
      c.endpoint = "http://127.0.0.1:9" # nothing listens: no breakpoint is ever active
    end
  end

  def teardown
    TracekitNative.shutdown
  end

  def first_site = TracekitNative.capture_snapshot("shared-label", { site: 1 })
  def second_site = TracekitNative.capture_snapshot("shared-label", { site: 2 })

  def test_an_inactive_bound_label_skips_caller_locations
    2.times { first_site } # met twice: trusted
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

  def test_a_second_call_site_of_a_trusted_label_is_discovered
    2.times { first_site }
    assert eventually(3) { second_site.nil? && @client.stats["sites"] == 2 }, "the second site was never met"
    assert_nil @client.instance_variable_get(:@labels).trusted("shared-label")
    1000.times { first_site } # the label now always takes the full path
    assert_nil @client.instance_variable_get(:@labels).trusted("shared-label")
  end
end
