# frozen_string_literal: true

# N inactive checkpoints of the Ruby binding (or N calls of a no-op method
# with the same arguments), for inactive_instructions.sh.
require "tracekit_native"

PAYLOAD = { "order_id" => 4711, "email" => "jane.doe@example.com", "amount" => 99.5,
            "items" => %w[book pen], "card_number" => "4111 1111 1111 1111", "express" => true }.freeze

def noop(_label, _variables) = nil
def checkout_dropin = TracekitNative.capture_snapshot("order-checkout", PAYLOAD.dup)
def checkout_noop = noop("order-checkout", PAYLOAD.dup)

mode = ARGV.fetch(0)
calls = Integer(ARGV.fetch(1))
# Nothing listens on port 9: no breakpoint is ever active.
TracekitNative::SDK.configure do |c|
  c.api_key = "tk_bench"
  c.service_name = "bench"
  c.endpoint = "http://127.0.0.1:9"
  c.code_monitoring_poll_interval = 600
end
call = mode == "dropin" ? method(:checkout_dropin) : method(:checkout_noop)
2.times { call.call } # the first two calls create and confirm the site
calls.times { call.call }
TracekitNative.shutdown
