# frozen_string_literal: true

# N active captures of the Ruby binding (every call captures), or N calls of
# a no-op method with the same arguments, for active_instructions.sh. The
# breakpoint comes from the fake backend of the tests
# (Tests/TraceKitTestSupport/fake_backend.py): enabled, without limits.
# The call sits 12 frames deep, as in a small Rack app.
require "json"
require "net/http"
require "tracekit_native"

ROOT = File.expand_path("../..", __dir__)
PAYLOAD = { "order_id" => 4711, "email" => "jane.doe@example.com", "amount" => 99.5,
            "items" => %w[book pen], "card_number" => "4111 1111 1111 1111", "express" => true }.freeze

def noop(_label, _variables) = nil
def checkout_dropin = TracekitNative.capture_snapshot("order-checkout", PAYLOAD.dup)
def checkout_noop = noop("order-checkout", PAYLOAD.dup)
def nested(depth, &block) = depth.zero? ? block.call : nested(depth - 1, &block)

def start_backend
  backend = IO.popen(["python3", File.join(ROOT, "Tests/TraceKitTestSupport/fake_backend.py")], "r+")
  port = backend.gets.to_s[/PORT (\d+)/, 1] or abort "fake backend did not start"
  breakpoint = { id: "bp-1", service_name: "bench", function_name: "checkout_dropin", label: "order-checkout",
                 enabled: true }
  Net::HTTP.post(URI("http://127.0.0.1:#{port}/_control/breakpoints"), JSON.generate(breakpoints: [breakpoint]))
  [backend, port]
end

mode = ARGV.fetch(0)
calls = Integer(ARGV.fetch(1))
backend, port = start_backend
client = TracekitNative::SDK.configure do |c|
  c.api_key = "tk_bench"
  c.service_name = "bench"
  c.endpoint = "http://127.0.0.1:#{port}"
  c.sse = false
  c.code_monitoring_poll_interval = 600 # the first poll at start only
  c.max_captures_per_second = 0
  c.max_queue = 100_000
end
call = mode == "dropin" ? method(:checkout_dropin) : method(:checkout_noop)
deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 60
sleep 0.05 until checkout_dropin || Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
nested(10) { calls.times { call.call } }
warn JSON.generate(client.stats.slice("captured", "dropped_queue_full", "failed"))
TracekitNative.shutdown
backend.close
