import Foundation
import TraceKitClient
import TraceKitCore

/// The fake TraceKit backend (`fake_backend.py`) for one test, driven over
/// its `/_control/` routes. `stop()` ends it (the backend is then "down").
package final class FakeBackend {
    private let server: StubServer
    private let session: HTTPSession

    package var endpoint: String { server.baseURL }

    package init() throws {
        server = try StubServer(script: "fake_backend.py")
        session = try HTTPSession()
    }

    package func stop() { server.stop() }

    // MARK: - What the backend serves

    /// Replaces every breakpoint (pushed to open SSE streams as `init` unless `push` is false).
    package func setBreakpoints(_ breakpoints: [[String: Any]], push: Bool = true) {
        control("breakpoints", ["breakpoints": breakpoints, "push": push])
    }

    /// Creates or updates one breakpoint (`breakpoint_created` / `breakpoint_updated`).
    package func upsert(_ breakpoint: [String: Any], push: Bool = true) {
        control("breakpoint", ["breakpoint": breakpoint, "push": push])
    }

    package func deleteBreakpoint(id: String, push: Bool = true) {
        control("breakpoint/delete", ["id": id, "push": push])
    }

    package func setKillSwitch(_ enabled: Bool, push: Bool = true) {
        control("kill_switch", ["enabled": enabled, "push": push])
    }

    /// Offers an SSE stream in polls. Modes: "normal", "garbage", "truncated", "silent", "garbage_hold" (fake_backend.py).
    package func enableSSE(mode: String = "normal") {
        control("sse", ["enabled": true, "mode": mode])
    }

    // MARK: - Faults

    package func failCaptures(count: Int, status: Int, retryAfter: String? = nil) {
        var arguments: [String: Any] = ["count": count, "status": status]
        if let retryAfter { arguments["retry_after"] = retryAfter }
        control("fail_captures", arguments)
    }

    package func stallCaptures(milliseconds: Int) {
        control("stall_captures", ["ms": milliseconds])
    }

    package func failPolls(count: Int, status: Int) {
        control("fail_polls", ["count": count, "status": status])
    }

    /// Writes `raw` as is to every open SSE stream.
    package func pushRaw(_ raw: String) {
        control("push", ["raw": raw])
    }

    /// Ends every open SSE stream (the server went away for a moment).
    package func closeStreams() {
        control("close_streams", [:])
    }

    // MARK: - What the backend saw

    package func log() -> BackendLog {
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

/// The fake's record of requests (`GET /_control/log`), or the in-process backend's.
package struct BackendLog {
    package let json: [String: Any]

    package init(json: [String: Any]) { self.json = json }

    /// Every capture POST, accepted or not: `t`, `status`, `api_key`, `headers`, `body`.
    package var captureAttempts: [[String: Any]] { json["captures"] as? [[String: Any]] ?? [] }

    /// Bodies of the capture POSTs the backend accepted (2xx).
    package var deliveredCaptures: [[String: Any]] {
        captureAttempts.filter { ($0["status"] as? Int ?? 0) < 300 }.compactMap { $0["body"] as? [String: Any] }
    }

    package var registrations: [[String: Any]] { registrationRequests.compactMap { $0["body"] as? [String: Any] } }
    /// Each auto-registration: `t`, `api_key`, `body`.
    package var registrationRequests: [[String: Any]] { json["registrations"] as? [[String: Any]] ?? [] }

    package var polls: Int { pollRequests.count }
    /// Each poll: `t`, `method`, `service`, `api_key`, `body` (JSON or null).
    package var pollRequests: [[String: Any]] { json["polls"] as? [[String: Any]] ?? [] }
    /// The headers (lower-case names) of each SSE stream request.
    package var streamRequests: [[String: String]] { streamRequestLog.compactMap { $0["headers"] as? [String: String] } }
    /// When each SSE stream request arrived (Unix seconds).
    package var streamRequestTimes: [Double] { streamRequestLog.compactMap { $0["t"] as? Double } }
    private var streamRequestLog: [[String: Any]] { json["stream_requests"] as? [[String: Any]] ?? [] }
    package var sseConnects: Int { json["sse_connects"] as? Int ?? 0 }
    package var openStreams: Int { json["open_streams"] as? Int ?? 0 }
}

/// A breakpoint object as the backend sends it (docs/PROTOCOL.md "Breakpoint
/// object"); by default it matches the `Checkpoint.checkout` site.
package func breakpointJSON(id: String = "bp-checkout", function: String = "handle", label: String = "checkout",
                    file: String = "app.c", line: Int = 42, enabled: Bool = true,
                    _ extra: [String: Any] = [:]) -> [String: Any] {
    var breakpoint: [String: Any] = [
        "id": id, "service_name": "svc", "file_path": file, "function_name": function, "label": label,
        "line_number": line, "enabled": enabled, "mode": "snapshot", "max_captures": 0, "capture_count": 0,
    ]
    breakpoint.merge(extra) { _, new in new }
    return breakpoint
}
