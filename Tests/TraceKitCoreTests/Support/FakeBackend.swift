import Foundation
@testable import TraceKitCore

/// The fake TraceKit backend (`fake_backend.py`) for one test, driven over
/// its `/_control/` routes. `stop()` ends it (the backend is then "down").
final class FakeBackend {
    private let server: StubServer
    private let session: HTTPSession

    var endpoint: String { server.baseURL }

    init() throws {
        server = try StubServer(script: "fake_backend.py")
        session = try HTTPSession()
    }

    func stop() { server.stop() }

    // MARK: - What the backend serves

    /// Replaces every breakpoint (pushed to open SSE streams as `init` unless `push` is false).
    func setBreakpoints(_ breakpoints: [[String: Any]], push: Bool = true) {
        control("breakpoints", ["breakpoints": breakpoints, "push": push])
    }

    /// Creates or updates one breakpoint (`breakpoint_created` / `breakpoint_updated`).
    func upsert(_ breakpoint: [String: Any], push: Bool = true) {
        control("breakpoint", ["breakpoint": breakpoint, "push": push])
    }

    func deleteBreakpoint(id: String, push: Bool = true) {
        control("breakpoint/delete", ["id": id, "push": push])
    }

    func setKillSwitch(_ enabled: Bool, push: Bool = true) {
        control("kill_switch", ["enabled": enabled, "push": push])
    }

    /// Offers an SSE stream in polls. Modes: "normal", "garbage", "truncated", "silent", "garbage_hold" (fake_backend.py).
    func enableSSE(mode: String = "normal") {
        control("sse", ["enabled": true, "mode": mode])
    }

    // MARK: - Faults

    func failCaptures(count: Int, status: Int, retryAfter: String? = nil) {
        var arguments: [String: Any] = ["count": count, "status": status]
        if let retryAfter { arguments["retry_after"] = retryAfter }
        control("fail_captures", arguments)
    }

    func stallCaptures(milliseconds: Int) {
        control("stall_captures", ["ms": milliseconds])
    }

    func failPolls(count: Int, status: Int) {
        control("fail_polls", ["count": count, "status": status])
    }

    /// Writes `raw` as is to every open SSE stream.
    func pushRaw(_ raw: String) {
        control("push", ["raw": raw])
    }

    /// Ends every open SSE stream (the server went away for a moment).
    func closeStreams() {
        control("close_streams", [:])
    }

    // MARK: - What the backend saw

    func log() -> BackendLog {
        let request = HTTPRequest(method: .get, url: endpoint + "/_control/log",
                                  totalTimeoutMilliseconds: 3_000, maxResponseBytes: 64 << 20)
        guard case .success(let response) = session.send(request),
              let json = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        else { return BackendLog(json: [:]) }
        return BackendLog(json: json)
    }

    @discardableResult
    private func control(_ route: String, _ arguments: [String: Any]) -> Bool {
        let body = (try? JSONSerialization.data(withJSONObject: arguments)) ?? Data("{}".utf8)
        let request = HTTPRequest(method: .post, url: endpoint + "/_control/" + route,
                                  headers: [HTTPHeader("Content-Type", "application/json")], body: Array(body),
                                  totalTimeoutMilliseconds: 3_000, maxResponseBytes: 1 << 20)
        guard case .success(let response) = session.send(request) else { return false }
        return response.statusCode == 200
    }
}

/// The fake's record of requests (`GET /_control/log`).
struct BackendLog {
    let json: [String: Any]

    /// Every capture POST, accepted or not: `t`, `status`, `api_key`, `headers`, `body`.
    var captureAttempts: [[String: Any]] { json["captures"] as? [[String: Any]] ?? [] }

    /// Bodies of the capture POSTs the backend accepted (2xx).
    var deliveredCaptures: [[String: Any]] {
        captureAttempts.filter { ($0["status"] as? Int ?? 0) < 300 }.compactMap { $0["body"] as? [String: Any] }
    }

    var registrations: [[String: Any]] { registrationRequests.compactMap { $0["body"] as? [String: Any] } }
    /// Each auto-registration: `t`, `api_key`, `body`.
    var registrationRequests: [[String: Any]] { json["registrations"] as? [[String: Any]] ?? [] }

    var polls: Int { pollRequests.count }
    /// Each poll: `t`, `method`, `service`, `api_key`, `body` (JSON or null).
    var pollRequests: [[String: Any]] { json["polls"] as? [[String: Any]] ?? [] }
    /// The headers (lower-case names) of each SSE stream request.
    var streamRequests: [[String: String]] { streamRequestLog.compactMap { $0["headers"] as? [String: String] } }
    /// When each SSE stream request arrived (Unix seconds).
    var streamRequestTimes: [Double] { streamRequestLog.compactMap { $0["t"] as? Double } }
    private var streamRequestLog: [[String: Any]] { json["stream_requests"] as? [[String: Any]] ?? [] }
    var sseConnects: Int { json["sse_connects"] as? Int ?? 0 }
    var openStreams: Int { json["open_streams"] as? Int ?? 0 }
}

/// A breakpoint object as the backend sends it (docs/PROTOCOL.md "Breakpoint
/// object"); by default it matches the `Checkpoint.checkout` site.
func breakpointJSON(id: String = "bp-checkout", function: String = "handle", label: String = "checkout",
                    file: String = "app.c", line: Int = 42, enabled: Bool = true,
                    _ extra: [String: Any] = [:]) -> [String: Any] {
    var breakpoint: [String: Any] = [
        "id": id, "service_name": "svc", "file_path": file, "function_name": function, "label": label,
        "line_number": line, "enabled": enabled, "mode": "snapshot", "max_captures": 0, "capture_count": 0,
    ]
    breakpoint.merge(extra) { _, new in new }
    return breakpoint
}
