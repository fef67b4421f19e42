import TraceKitCore

/// A capture request body (docs/PROTOCOL.md "Capture"), validated. The whole
/// document is kept as sent (`bodyText`); only the fields the server relies
/// on are typed.
struct CaptureInput {
    let breakpointID: String
    let serviceName: String
    let variables: JSONValue
    let capturedAt: Double
    /// The body as received (a JSON object: it parsed as `body`).
    let bodyText: String

    init(_ body: JSONValue, text: String) throws(APIError) {
        let f = try FieldReader(body)
        breakpointID = try f.requiredString("breakpoint_id", maxLength: 128)
        serviceName = try f.requiredString("service_name", maxLength: 256)
        _ = try f.requiredString("file_path", maxLength: 1024)
        guard f.has("line_number"), try f.int("line_number") != nil else {
            throw .badRequest("field 'line_number' is required and must be an integer")
        }
        guard let variables = try f.object("variables") else {
            throw .badRequest("field 'variables' is required and must be an object")
        }
        self.variables = .object(variables)
        guard let capturedAt = try f.timestamp("captured_at") else {
            throw .badRequest("field 'captured_at' is required (RFC 3339)")
        }
        self.capturedAt = capturedAt
        // Optional fields: type-checked when present (null is allowed: the
        // Python SDK sends absent optionals as null).
        for key in ["function_name", "label", "stack_trace", "trace_id", "span_id", "mode"] {
            _ = try f.string(key, maxLength: key == "stack_trace" ? 256 * 1024 : 1024, nullable: true)
        }
        for key in ["request_context", "expression_results"] { _ = try f.object(key, nullable: true) }
        if f.has("security_flags"), !f.isNull("security_flags") {
            guard case .array? = f.object["security_flags"] else { throw .badRequest("field 'security_flags' must be an array") }
        }
        bodyText = text
    }
}
