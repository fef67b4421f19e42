import Synchronization
import TraceKitCore

/// The requests of the SDK protocol (docs/PROTOCOL.md), built in one place:
/// paths, the headers every request carries, and timeouts — capture_timeout
/// (5 s when 0), cut to what is left before the shutdown deadline so that
/// shutdown stays bounded.
final class BackendRequests: Sendable {
    private let endpoint: String
    private let headers: [HTTPHeader]
    private let configuredTimeoutMs: Int
    /// Set when shutdown begins: requests started after it end by then.
    private let shutdownDeadlineNs = Atomic<UInt64>(0)
    let serviceName: String

    init(options: Options) {
        endpoint = options.endpoint
        serviceName = options.serviceName
        configuredTimeoutMs = options.captureTimeoutMs == 0 ? 5_000 : options.captureTimeoutMs
        headers = [HTTPHeader("X-API-Key", options.apiKey), HTTPHeader("Content-Type", "application/json"),
                   HTTPHeader("User-Agent", "tracekit-native/\(TraceKitVersion.string)")]
    }

    /// Timeout of one request now.
    var timeoutMs: Int {
        let deadline = shutdownDeadlineNs.load(ordering: .acquiring)
        guard deadline != 0 else { return configuredTimeoutMs }
        let now = MonotonicClock.nowNanoseconds()
        let left = deadline > now ? Int((deadline &- now) / 1_000_000) : 1
        return max(1, min(configuredTimeoutMs, left))
    }

    /// Shutdown began: requests from now on end by `deadlineNs` (monotonic).
    func endRequests(byNs deadlineNs: UInt64) {
        shutdownDeadlineNs.store(deadlineNs, ordering: .releasing)
    }

    /// `POST /sdk/snapshots/capture`.
    func captureSnapshot(_ body: [UInt8]) -> HTTPRequest {
        request(.post, "/sdk/snapshots/capture", body: body, maxResponseBytes: 64 * 1024)
    }

    /// `POST /sdk/snapshots/auto-register` for a site no breakpoint knows.
    func autoRegister(_ site: SiteKey) -> HTTPRequest {
        let body: JSONValue = .object([
            "service_name": .string(serviceName), "file_path": .string(site.file),
            "line_number": .int(Int64(site.line)), "function_name": .string(site.function),
            "label": .string(site.label),
        ])
        return request(.post, "/sdk/snapshots/auto-register", body: Array(body.jsonText.utf8), maxResponseBytes: 64 * 1024)
    }

    /// `GET /sdk/snapshots/active/<service>`, or a POST carrying telemetry events.
    func activeBreakpoints(events: [JSONValue]) -> HTTPRequest {
        // The service name is validated: unreserved characters only, one path segment as it is.
        let path = "/sdk/snapshots/active/\(serviceName)"
        guard !events.isEmpty else { return request(.get, path, maxResponseBytes: 8 << 20) }
        let body = Array(JSONValue.object(["events": .array(events)]).jsonText.utf8)
        return request(.post, path, body: body, maxResponseBytes: 8 << 20)
    }

    /// The server's event stream at `path` (from the poll's `sse_endpoint`):
    /// no total timeout, the caller watches for idleness.
    func eventStream(_ path: String, lastEventID: String) -> HTTPRequest {
        var stream = request(.get, path, maxResponseBytes: Int.max)
        stream.headers.append(HTTPHeader("Accept", "text/event-stream"))
        if !lastEventID.isEmpty { stream.headers.append(HTTPHeader("Last-Event-ID", lastEventID)) }
        stream.totalTimeoutMilliseconds = 0
        return stream
    }

    private func request(_ method: HTTPRequest.Method, _ path: String, body: [UInt8] = [],
                         maxResponseBytes: Int) -> HTTPRequest {
        let timeout = timeoutMs
        return HTTPRequest(method: method, url: endpoint + path, headers: headers, body: body,
                           connectTimeoutMilliseconds: min(2_000, timeout), totalTimeoutMilliseconds: timeout,
                           maxResponseBytes: maxResponseBytes)
    }
}
