# frozen_string_literal: true

# The Ruby binding's three checkpoint figures, median and p99 of the
# caller's time, against tracekit-server on loopback (same payload as the
# Python side-by-side, Benchmarks/python):
#   inactive  the breakpoint exists but is disabled (timed in batches of
#             INACTIVE_BATCH calls: one call is below the clock's resolution)
#   active    the breakpoint is enabled: every call captures
#   stall     as active, but the backend answers capture POSTs 200 ms late
#             (stall_proxy.rb in its own process)
# Both the drop-in call (TracekitNative.capture_snapshot, which locates its
# caller with caller_locations) and a Checkpoint handle are measured.
#
#   TRACEKIT_SERVER_BIN=<tracekit-server> TRACEKIT_LIBRARY=<libtracekit.so> \
#     ruby -I bindings/ruby/lib Benchmarks/ruby/bench.rb
require "json"
require "net/http"
require "securerandom"
require "tmpdir"
require "tracekit_native"

LABEL = "order-checkout"
INACTIVE_BATCH = 1000
PAYLOAD = { "order_id" => 4711, "email" => "jane.doe@example.com", "amount" => 99.5,
            "items" => %w[book pen], "card_number" => "4111 1111 1111 1111", "express" => true }.freeze

def now_ns = Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond)

def wait_for(timeout = 10)
  deadline = now_ns + (timeout * 1e9).to_i
  until (result = yield)
    raise "timed out" if now_ns > deadline

    sleep 0.02
  end
  result
end

# --- backend ---------------------------------------------------------------

def start_server(dir, key)
  binary = ENV.fetch("TRACEKIT_SERVER_BIN") { abort "set TRACEKIT_SERVER_BIN to the tracekit-server executable" }
  log = File.join(dir, "server.log")
  pid = Process.spawn(binary, "--port", "0", "--database", File.join(dir, "bench.sqlite"), "--admin-key", key,
                      "--auto-register-disabled", # "inactive": the auto-registered breakpoint stays disabled
                      out: log, err: [:child, :out])
  port = wait_for(30) { File.read(log)[/listening on [^:]+:(\d+)/, 1] }
  [pid, "http://127.0.0.1:#{port}"]
end

def start_stall_proxy(upstream, seconds)
  reader, writer = IO.pipe
  stdin_reader, stdin_writer = IO.pipe
  pid = Process.spawn(RbConfig.ruby, File.join(__dir__, "stall_proxy.rb"), upstream, seconds.to_s,
                      out: writer, in: stdin_reader)
  writer.close
  stdin_reader.close
  port = reader.gets.to_s[/PORT (\d+)/, 1] or abort "stall proxy did not start"
  [pid, stdin_writer, "http://127.0.0.1:#{port}"]
end

def api(base, key, method, path, body = nil)
  uri = URI("#{base}#{path}")
  request = { get: Net::HTTP::Get, patch: Net::HTTP::Patch }.fetch(method).new(uri)
  request["X-API-Key"] = key
  request.body = JSON.generate(body) if body
  JSON.parse(Net::HTTP.start(uri.host, uri.port) { |http| http.request(request) }.body)
end

# --- measuring ---------------------------------------------------------------

# The checkpoints under test: one line each for every phase.
def checkout_dropin = TracekitNative.capture_snapshot(LABEL, PAYLOAD.dup)
def checkout_handle(checkpoint) = checkpoint.capture(PAYLOAD.dup)

def time_calls(count, batch = 1)
  Array.new(count) do
    started = now_ns
    batch.times { yield }
    (now_ns - started).fdiv(batch)
  end
end

def summary(samples)
  sorted = samples.sort
  { "median_us" => sorted[sorted.size / 2] / 1000.0, "p99_us" => sorted[[(sorted.size * 0.99).to_i, sorted.size - 1].min] / 1000.0,
    "samples" => sorted.size }
end

def set_enabled(base, key, breakpoint, enabled)
  api(base, key, :patch, "/api/breakpoints/#{breakpoint['id']}", { enabled: enabled })
end

def measure(endpoint, admin_base, key, phases, active_count:, stall_count:)
  service = "bench-rb-#{phases.join('-')}-#{SecureRandom.hex(2)}"
  client = TracekitNative::SDK.configure do |c|
    c.api_key = key
    c.service_name = service
    c.endpoint = endpoint
    c.code_monitoring_poll_interval = 0.2
    c.max_captures_per_second = 0
    c.max_queue = 100_000
  end
  handle = client.checkpoint("#{LABEL}-handle", function: "checkout_handle")
  checkout_dropin # registers the drop-in site (disabled)
  breakpoint = wait_for do
    api(admin_base, key, :get, "/api/breakpoints?service=#{service}")["breakpoints"].find { |bp| bp["function_name"] == "checkout_dropin" }
  end
  set_enabled(admin_base, key, breakpoint, false)
  handle_breakpoint = api(admin_base, key, :get, "/api/breakpoints?service=#{service}")["breakpoints"]
                      .find { |bp| bp["function_name"] == "checkout_handle" }
  results = {}
  sleep 0.5
  if phases.include?("inactive")
    time_calls(50, INACTIVE_BATCH) { checkout_dropin }
    results["inactive"] = summary(time_calls(300, INACTIVE_BATCH) { checkout_dropin })
    results["inactive_handle"] = summary(time_calls(300, INACTIVE_BATCH) { checkout_handle(handle) })
  end
  set_enabled(admin_base, key, breakpoint, true)
  wait_for { checkout_dropin }
  if phases.include?("active")
    time_calls(20) { checkout_dropin }
    results["active"] = summary(time_calls(active_count) { checkout_dropin })
  end
  if phases.include?("stall")
    time_calls(2) { checkout_dropin }
    results["stall"] = summary(time_calls(stall_count) { checkout_dropin })
  end
  results["handle_breakpoint_registered"] = !handle_breakpoint.nil?
  results["stats"] = client.stats.slice("captured", "sent", "dropped_queue_full", "suppressed_rate_limit", "failed")
  set_enabled(admin_base, key, breakpoint, false)
  started = now_ns
  TracekitNative.shutdown
  results["close_seconds"] = ((now_ns - started) / 1e9).round(3)
  results
end

def fmt(us)
  return format("%.1f ms", us / 1000) if us >= 1000
  return format("%.1f µs", us) if us >= 10

  format("%.2f µs", us)
end

def table(results)
  rows = [["inactive checkpoint, `TracekitNative.capture_snapshot`", results["inactive"], "≤ 0.3 µs"],
          ["inactive checkpoint, `Checkpoint#capture` handle", results["inactive_handle"], "≤ 0.3 µs"],
          ["active capture (small hash)", results["active"], "≤ 25 µs"],
          ["active capture, backend stalls 200 ms", results["stall"], "unchanged from no stall"]]
  lines = ["| path | tracekit_native Ruby (median / p99) | target |", "|---|---|---|"]
  rows.each { |name, figure, target| lines << "| #{name} | #{fmt(figure['median_us'])} / #{fmt(figure['p99_us'])} | #{target} |" }
  lines.join("\n")
end

active_count = Integer(ENV.fetch("BENCH_ACTIVE_COUNT", "2000"))
stall_count = Integer(ENV.fetch("BENCH_STALL_COUNT", "2000"))
key = "tk_bench_#{SecureRandom.hex(12)}"
Dir.mktmpdir("tracekit-ruby-bench") do |dir|
  server_pid, base = start_server(dir, key)
  proxy_pid, proxy_stdin, stall_url = start_stall_proxy(base, 0.2)
  begin
    warn "ruby #{RUBY_VERSION}, ffi #{FFI::VERSION}, libtracekit #{TracekitNative.library_version} (#{TracekitNative::Native::LOADED_FROM})"
    warn "  inactive+active against #{base} ..."
    direct = measure(base, base, key, %w[inactive active], active_count: active_count, stall_count: stall_count)
    warn "  stall against #{stall_url} ..."
    stalled = measure(stall_url, base, key, %w[stall], active_count: active_count, stall_count: stall_count)
    results = direct.slice("inactive", "inactive_handle", "active").merge(
      "stall" => stalled["stall"], "stats_active" => direct["stats"], "stats_stall" => stalled["stats"],
      "close_seconds_stall" => stalled["close_seconds"]
    )
    puts JSON.pretty_generate(results)
    warn table(results)
  ensure
    proxy_stdin.close
    Process.kill("TERM", proxy_pid) rescue nil
    Process.kill("TERM", server_pid) rescue nil
    Process.wait(server_pid) rescue nil
    Process.wait(proxy_pid) rescue nil
  end
end
