import Foundation
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitTestSupport

/// What `clientOptions`/`makeClient` need of a backend: where it is and how
/// the client's threads reach it.
protocol TestBackend: AnyObject {
    var endpoint: String { get }
    var transports: TransportFactory { get }
}

extension FakeBackend: TestBackend {
    var transports: TransportFactory { .curl }
}

/// An in-process TraceKit backend for the client suites: the client's
/// threads call it through the transport seam (no socket, no subprocess),
/// and tests wait on its condition variable, woken by every request, for
/// what they expect instead of re-checking on a timer. It answers polls,
/// captures (with injectable failures and latency) and auto-registrations
/// as fake_backend.py does; SSE and wire-level faults stay end-to-end.
/// Capture requests started together are answered together (each after
/// its own stall), as a server answers concurrent requests.
final class InProcessBackend: TestBackend, @unchecked Sendable {
    let endpoint = "http://in-process.invalid"
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var breakpoints: [[String: Any]] = []
    private var captureFailures: [(status: Int, retryAfter: String?)] = []
    /// Captures whose raw body contains the key: every attempt fails with
    /// this status after this stall.
    private var poisonedCaptures: [String: (status: Int, stallMs: Int)] = [:]
    private var captureStallMs = 0
    private var capturesInFlight = 0
    private var peakCapturesInFlight = 0
    private var stopped = false
    private var offersSSE = false
    private var record: [String: [[String: Any]]] = ["captures": [], "polls": [], "registrations": []]

    var transports: TransportFactory { TransportFactory { [self] in Connection(self) } }

    private func locked<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }

    // MARK: - What the backend serves, and its faults

    func setBreakpoints(_ list: [[String: Any]]) { locked { breakpoints = list } }

    /// The next `count` capture POSTs get `status` (and `Retry-After`).
    func failCaptures(count: Int, status: Int, retryAfter: String? = nil) {
        locked { captureFailures = Array(repeating: (status, retryAfter), count: count) }
    }

    /// Every attempt of a capture whose body contains `marker` gets `status`,
    /// `stallMs` after it was sent (instead of the common stall).
    func failCaptures(containing marker: String, status: Int, stallMs: Int = 0) {
        locked { poisonedCaptures[marker] = (status, stallMs) }
    }

    /// Each capture POST takes this long to answer.
    func stallCaptures(milliseconds: Int) { locked { captureStallMs = milliseconds } }

    /// The most capture POSTs that were waiting for their answer at once.
    var peakConcurrentCaptures: Int { locked { peakCapturesInFlight } }

    /// Polls name an SSE endpoint (as tracekit-server's do); this backend
    /// never serves the stream itself.
    func offerSSE() { locked { offersSSE = true } }

    /// The backend goes away: every request fails to connect.
    func stop() { locked { stopped = true } }

    // MARK: - What the backend saw

    func log() -> BackendLog { BackendLog(json: locked { record }) }

    /// Waits until `holds` is true of the log, woken by each request; false
    /// after `seconds` (so a broken client fails the test instead of hanging it).
    func wait(seconds: Double = 5, until holds: (BackendLog) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while !holds(BackendLog(json: record)) {
            if !condition.wait(until: deadline) { return holds(BackendLog(json: record)) }
        }
        return true
    }

    /// Waits until the client has applied the breakpoints: its sync thread
    /// applies one poll's answer before it sends the next poll.
    func waitUntilApplied(seconds: Double = 5) -> Bool {
        let seen = log().polls
        return wait(seconds: seconds) { $0.polls >= seen + 2 }
    }

    // MARK: - Answering

    private func answer(_ request: HTTPRequest) -> HTTPResponseResult {
        let path = self.path(of: request)
        let apiKey = request.headers.first { $0.name == "X-API-Key" }?.value ?? ""
        let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) ?? NSNull()
        let entry: [String: Any] = ["t": Date().timeIntervalSince1970, "api_key": apiKey, "method": request.method.rawValue,
                                    "body": body, "raw": String(decoding: request.body, as: UTF8.self)]
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        guard !stopped else { return .failure(TransportError(.connectFailed, "the in-process backend is stopped")) }
        switch path {
        case let active where active.hasPrefix("/sdk/snapshots/active/"):
            let service = String(active.dropFirst("/sdk/snapshots/active/".count))
            var poll = entry
            poll["service"] = service
            record["polls", default: []].append(poll)
            var answer: [String: Any] = ["breakpoints": breakpoints, "kill_switch": false]
            if offersSSE { answer["sse_endpoint"] = "/sdk/snapshots/stream/\(service)" }
            return respond(200, answer)
        case "/sdk/snapshots/capture":
            let raw = String(decoding: request.body, as: UTF8.self)
            let poisoned = poisonedCaptures.first { raw.contains($0.key) }?.value
            let (status, retryAfter) = poisoned.map { ($0.status, nil) }
                ?? (captureFailures.isEmpty ? (201, nil) : captureFailures.removeFirst())
            var attempt = entry
            attempt["status"] = status
            record["captures", default: []].append(attempt)
            return respond(status, ["ok": status < 300], retryAfter: retryAfter)
        case "/sdk/snapshots/auto-register":
            record["registrations", default: []].append(entry)
            return respond(200, ["ok": true])
        default:
            return respond(404, ["error": "no route \(path)"])
        }
    }

    private func respond(_ status: Int, _ json: [String: Any], retryAfter: String? = nil) -> HTTPResponseResult {
        let body = (try? JSONSerialization.data(withJSONObject: json)) ?? Data()
        return .success(HTTPResponse(statusCode: status, body: Array(body), retryAfterSeconds: retryAfter.flatMap { Int($0) }))
    }

    private func path(of request: HTTPRequest) -> String {
        request.url.hasPrefix(endpoint) ? String(request.url.dropFirst(endpoint.count)) : request.url
    }

    /// When a request started now is answered (monotonic ns), and whether
    /// its own timeout cuts the stall short, as libcurl's would.
    private func schedule(_ request: HTTPRequest) -> (dueNs: UInt64, timesOut: Bool) {
        let now = MonotonicClock.nowNanoseconds()
        guard path(of: request) == "/sdk/snapshots/capture" else { return (now, false) }
        return locked {
            capturesInFlight += 1
            peakCapturesInFlight = max(peakCapturesInFlight, capturesInFlight)
            let timeout = request.totalTimeoutMilliseconds > 0 ? request.totalTimeoutMilliseconds : Int.max
            let raw = String(decoding: request.body, as: UTF8.self)
            let stall = poisonedCaptures.first { raw.contains($0.key) }?.value.stallMs ?? captureStallMs
            return (now &+ UInt64(min(stall, timeout)) &* 1_000_000, stall > timeout)
        }
    }

    private func finish(_ request: HTTPRequest, timesOut: Bool) -> HTTPResponseResult {
        if path(of: request) == "/sdk/snapshots/capture" { locked { capturesInFlight -= 1 } }
        return timesOut ? .failure(TransportError(.timedOut, "the in-process backend stalled")) : answer(request)
    }

    /// One client thread's connection: requests it started wait for their
    /// due time together; `wakeUp` ends its wait.
    private final class Connection: HTTPTransport, @unchecked Sendable {
        let backend: InProcessBackend
        private let condition = NSCondition()
        // Guarded by `condition`.
        private var started: [(tag: Int, request: HTTPRequest, dueNs: UInt64, timesOut: Bool)] = []
        private var woken = false

        init(_ backend: InProcessBackend) { self.backend = backend }

        func send(_ request: HTTPRequest) -> HTTPResponseResult {
            let (dueNs, timesOut) = backend.schedule(request)
            let now = MonotonicClock.nowNanoseconds()
            if dueNs > now { Thread.sleep(forTimeInterval: Double(dueNs - now) / 1e9) }
            return backend.finish(request, timesOut: timesOut)
        }

        func start(_ request: HTTPRequest, tag: Int) {
            let (dueNs, timesOut) = backend.schedule(request)
            condition.lock()
            started.append((tag, request, dueNs, timesOut))
            condition.unlock()
        }

        func completedTransfers(waitingUpToMs milliseconds: Int) -> [CompletedTransfer] {
            let deadline = MonotonicClock.nowNanoseconds() &+ UInt64(max(0, milliseconds)) &* 1_000_000
            condition.lock()
            var due: [(tag: Int, request: HTTPRequest, dueNs: UInt64, timesOut: Bool)] = []
            while true {
                let now = MonotonicClock.nowNanoseconds()
                due = started.filter { $0.dueNs <= now }
                if !due.isEmpty || woken || now >= deadline { break }
                let wakeAt = min(deadline, started.map(\.dueNs).min() ?? deadline)
                _ = condition.wait(until: Date().addingTimeInterval(Double(wakeAt - now) / 1e9))
            }
            started.removeAll { entry in due.contains { $0.tag == entry.tag } }
            woken = false
            condition.unlock()
            return due.map { CompletedTransfer(tag: $0.tag, result: backend.finish($0.request, timesOut: $0.timesOut)) }
        }

        var wakeUp: @Sendable () -> Void {
            { [self] in
                condition.lock()
                woken = true
                condition.broadcast()
                condition.unlock()
            }
        }

        func stream(_ request: HTTPRequest, idleTimeoutMs: Int, shouldStop: () -> Bool,
                    onData: (UnsafeRawBufferPointer) -> Void) -> StreamEnd {
            StreamEnd(reason: .failed(TransportError(.other, "the in-process backend has no event stream")), statusCode: 0)
        }
    }
}
