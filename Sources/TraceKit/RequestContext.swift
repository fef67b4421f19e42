/// The request a capture happened in, sent as the snapshot's
/// `request_context`, `trace_id` and `span_id`. Sensitive headers
/// (Authorization, Cookie, X-API-Key, ...) are redacted by the engine.
public struct RequestContext: Sendable, Encodable, Equatable {
    public var method: String?
    public var path: String?
    public var url: String?
    public var remoteAddress: String?
    public var userAgent: String?
    public var query: String?
    public var headers: [String: String]
    public var traceID: String?
    public var spanID: String?

    public init(method: String? = nil, path: String? = nil, url: String? = nil, remoteAddress: String? = nil,
                userAgent: String? = nil, query: String? = nil, headers: [String: String] = [:],
                traceID: String? = nil, spanID: String? = nil) {
        self.method = method
        self.path = path
        self.url = url
        self.remoteAddress = remoteAddress
        self.userAgent = userAgent
        self.query = query
        self.headers = headers
        self.traceID = traceID
        self.spanID = spanID
    }

    /// Trace and span ids from a W3C `traceparent` header value, if valid.
    public static func traceIDs(fromTraceparent value: String) -> (traceID: String, spanID: String)? {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].count == 2, parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isHexDigit) }),
              parts[1].contains(where: { $0 != "0" }), parts[2].contains(where: { $0 != "0" }) else { return nil }
        return (parts[1].lowercased(), parts[2].lowercased())
    }

    /// The engine's context document: {"trace_id", "span_id", "request": {...}}.
    struct Document: Encodable {
        struct Request: Encodable {
            var method, path, url, remote_addr, user_agent, query: String?
            var headers: [String: String]
        }

        var trace_id, span_id: String?
        var request: Request
    }

    var document: Document {
        Document(trace_id: traceID, span_id: spanID,
                 request: .init(method: method, path: path, url: url, remote_addr: remoteAddress,
                                user_agent: userAgent, query: query, headers: headers))
    }

    public func encode(to encoder: any Encoder) throws {
        try document.encode(to: encoder)
    }
}
