import TraceKitCore

/// What `context_json` carries besides the variables: trace ids, the HTTP
/// request and a stack trace (docs/ARCHITECTURE.md "C ABI contract").
struct CaptureContext {
    var traceID: String?
    var spanID: String?
    var request: JSONValue?
    var stackTrace: String?

    /// Headers redacted whatever the scrubbing setting (docs/PII.md).
    static let alwaysRedactedHeaders: Set<String> = [
        "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
    ]

    /// Nil context JSON gives an empty context; invalid JSON is an error.
    init(json: UnsafeBufferPointer<UInt8>?, stackDepth: Int) throws(JSONParseError) {
        guard let json else { return }
        let value = try JSONValue.parse(UnsafeRawBufferPointer(json), maxDepth: 64)
        traceID = value["trace_id"]?.stringValue
        spanID = value["span_id"]?.stringValue
        if let request = value["request"], case .object = request { self.request = Self.redactingHeaders(request) }
        if let frames = value["stack_trace"]?.arrayValue { stackTrace = Self.stackText(frames, depth: stackDepth) }
    }

    init() {}

    /// Sensitive header values replaced before the request goes through the
    /// sanitizer (which handles the rest when scrubbing is on).
    private static func redactingHeaders(_ request: JSONValue) -> JSONValue {
        guard case .object(var fields) = request, case .object(let headers)? = fields["headers"] else { return request }
        var redacted: [String: JSONValue] = [:]
        for (name, value) in headers {
            redacted[name] = isAlwaysRedacted(name) ? .string(PIICategory.sensitiveName.marker) : value
        }
        fields["headers"] = .object(redacted)
        return .object(fields)
    }

    static func isAlwaysRedacted(_ header: String) -> Bool {
        if alwaysRedactedHeaders.contains(header.lowercased()) { return true }
        return Array(header.utf8).withUnsafeBufferPointer { KeyClassifier.classify($0) == .sensitive }
    }

    /// `function (file:line)` per frame, the official SDKs' text form. A
    /// frame given as a string is taken to be that line already: bindings
    /// cache their lines, and a string parses several times faster than a
    /// frame object (most of a capture's context cost otherwise).
    private static func stackText(_ frames: [JSONValue], depth: Int) -> String {
        frames.prefix(depth > 0 ? depth : frames.count).map { frame in
            if case .string(let line) = frame { return line }
            let function = frame["function"]?.stringValue ?? "??"
            let file = frame["file"]?.stringValue ?? "??"
            let line = frame["line"]?.intValue.map(String.init) ?? "?"
            return "\(function) (\(file):\(line))"
        }.joined(separator: "\n")
    }
}
