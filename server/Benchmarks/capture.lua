-- wrk script: every request posts one ~400-byte capture (the same body as
-- tracekit-server-bench) to /sdk/snapshots/capture.
--   TRACEKIT_KEY=<sdk key> TRACEKIT_BREAKPOINT=<breakpoint id> \
--     wrk -t2 -c16 -d10s -s server/Benchmarks/capture.lua http://127.0.0.1:<port>
-- The breakpoint must exist (max_captures 0, capture_frequency 0) so that
-- every capture is stored; done() prints the 201 count to compare with the
-- stored rows.
local breakpoint = os.getenv("TRACEKIT_BREAKPOINT") or "bench-bp"

wrk.method = "POST"
wrk.path = "/sdk/snapshots/capture"
wrk.headers["X-API-Key"] = os.getenv("TRACEKIT_KEY") or ""
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"breakpoint_id": "' .. breakpoint .. '", "service_name": "bench", "file_path": "bench.py", '
    .. '"line_number": 1, "function_name": "handler", "label": "bench", '
    .. '"variables": {"user": {"id": 42, "email": "[REDACTED]"}, "amount": 12.5, "items": ["a", "b", "c"]}, '
    .. '"stack_trace": "handler (bench.py:1)\\nmain (bench.py:9)", '
    .. '"captured_at": "2026-11-25T12:00:00.000Z", "mode": "snapshot"}'

-- Per-thread 201 counts, summed in done().
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    created = 0
end

function response(status, headers, body)
    if status == 201 then created = created + 1 end
end

function done(summary, latency, requests)
    local total = 0
    for _, thread in ipairs(threads) do total = total + thread:get("created") end
    io.write(string.format("acknowledged (201): %d of %d responses\n", total, summary.requests))
end
