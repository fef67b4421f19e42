import Foundation
import Testing
import Synchronization
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitTestSupport

/// Shared set-up for the capture client's suites: a client with short
/// intervals against a `FakeBackend`, bounded waits, stats as numbers.

let testAPIKey = "tk_test_K3Y-must-never-be-logged-8c1f"

/// A call site the suites capture at.
struct Checkpoint {
    var label: String
    var file: String
    var line: Int
    var function: String

    /// Matched by `breakpointJSON()`'s defaults.
    static let checkout = Checkpoint(label: "checkout", file: "app.c", line: 42, function: "handle")
    /// Matched by no breakpoint unless a test adds one.
    static let refund = Checkpoint(label: "refund", file: "billing.c", line: 7, function: "refund_order")
}

/// Options for a client of `backend`: polling every `pollIntervalMs`, SSE off
/// unless asked, no process-wide rate limit, a short capture timeout and a
/// circuit breaker that trips only when a test means it to.
func clientOptions(_ backend: some TestBackend, pollIntervalMs: Int = 100, sse: Bool = false,
                   _ configure: (inout Options) throws -> Void = { _ in }) throws -> Options {
    var options = Options()
    try options.setAPIKey(testAPIKey)
    try options.setServiceName("svc")
    try options.setEndpoint(backend.endpoint)
    try options.setPollIntervalMs(pollIntervalMs)
    options.sse = sse
    try options.setCaptureTimeoutMs(1_000)
    try options.setMaxCapturesPerSecond(0)
    try options.setCircuitBreaker(maxFailures: 100, windowMs: 10_000, cooldownMs: 300)
    try configure(&options)
    return options
}

func makeClient(_ backend: some TestBackend, pollIntervalMs: Int = 100, sse: Bool = false,
                _ configure: (inout Options) throws -> Void = { _ in }) throws -> CaptureClient {
    try CaptureClient(options: clientOptions(backend, pollIntervalMs: pollIntervalMs, sse: sse, configure),
                      transports: backend.transports)
}

/// A client of a backend that is never up (a closed loopback port, real
/// libcurl: every poll and delivery is refused at once).
func makeClientOfDeadBackend(captureTimeoutMs: Int) throws -> CaptureClient {
    var options = Options()
    try options.setAPIKey(testAPIKey)
    try options.setEndpoint("http://127.0.0.1:\(closedLoopbackPort())")
    try options.setPollIntervalMs(100)
    try options.setCaptureTimeoutMs(captureTimeoutMs)
    options.sse = false
    return try CaptureClient(options: options)
}

/// A client of the fake backend serving the checkout breakpoint, once its
/// checkout site is active (the end-to-end suites' usual start).
func makeActiveClient(_ backend: FakeBackend, _ configure: (inout Options) throws -> Void = { _ in })
    throws -> CaptureClient
{
    backend.setBreakpoints([breakpointJSON()])
    let client = try makeClient(backend, configure)
    #expect(eventually { client.site(.checkout).isActive })
    return client
}

/// A client of the in-process backend serving the checkout breakpoint, once
/// the client has applied it and its checkout site is active.
func makeActiveClient(_ backend: InProcessBackend, _ configure: (inout Options) throws -> Void = { _ in })
    throws -> CaptureClient
{
    backend.setBreakpoints([breakpointJSON()])
    let client = try makeClient(backend, configure)
    #expect(backend.waitUntilApplied() && client.site(.checkout).isActive)
    return client
}

/// Seconds until `condition` first holds (checked every 10 ms), nil if not within `seconds`.
func secondsUntil(within seconds: Double = 3, _ condition: () -> Bool) -> Double? {
    let start = Date()
    return eventually(within: seconds, condition) ? Date().timeIntervalSince(start) : nil
}

extension CaptureClient {
    func site(_ checkpoint: Checkpoint) -> Site {
        site(label: checkpoint.label, file: checkpoint.file, line: checkpoint.line, function: checkpoint.function)
    }

    func capture(at checkpoint: Checkpoint, _ variables: String = #"{"order_id": 7}"#,
                 context: String? = nil) -> CaptureOutcome {
        capture(label: checkpoint.label, file: checkpoint.file, line: checkpoint.line,
                function: checkpoint.function, variables: variables, context: context)
    }

    /// `statsJSON()` parsed.
    var statsObject: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(statsJSON().utf8)) as? [String: Any]) ?? [:]
    }

    /// One numeric counter of `statsJSON()` (-1 when missing, so a test notices).
    func counter(_ key: String) -> Int { statsObject[key] as? Int ?? -1 }

    var circuitStateName: String { statsObject["circuit_state"] as? String ?? "?" }
}

/// Collects the client's log lines (`Options.logHandler`) from its threads.
final class LogCollector: Sendable {
    private let lines = Mutex<[String]>([])

    var handler: LogHandler {
        LogHandler { [self] level, message in lines.withLock { $0.append("\(level): \(message)") } }
    }

    var all: [String] { lines.withLock { $0 } }
}
