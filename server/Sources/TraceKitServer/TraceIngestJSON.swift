import TraceKitCore

/// Reads an OTLP/HTTP JSON trace export (`ExportTraceServiceRequest` in the
/// protobuf JSON mapping) into a `TraceBatch`. Field names are accepted in
/// lowerCamelCase (what exporters send) and in the proto's snake_case.
/// Unknown fields are ignored; a field of the wrong type is an error naming it.
enum TraceIngestJSON {
    static func decode(_ json: JSONValue) throws(TraceDecodingError) -> TraceBatch {
        guard let root = json.objectValue else { throw TraceDecodingError("the body must be a JSON object (ExportTraceServiceRequest)") }
        var batch = TraceBatch()
        for (r, resourceSpans) in try objects(root, "resourceSpans", "resource_spans", path: "").enumerated() {
            let path = "resourceSpans[\(r)]"
            let resource = try object(resourceSpans, "resource", "resource", path: path)
            let resourceAttributes = try attributes(resource ?? [:], path: path + ".resource")
            var spans: [TraceBatch.Span] = []
            // instrumentationLibrarySpans: the name before OTLP 0.15, still sent by old exporters.
            let scopes = try objects(resourceSpans, "scopeSpans", "scope_spans", path: path)
                + objects(resourceSpans, "instrumentationLibrarySpans", "instrumentation_library_spans", path: path)
            for (s, scope) in scopes.enumerated() {
                for (i, span) in try objects(scope, "spans", "spans", path: "\(path).scopeSpans[\(s)]").enumerated() {
                    spans.append(try decodeSpan(span, path: "\(path).scopeSpans[\(s)].spans[\(i)]"))
                }
            }
            let service = resourceAttributes["service.name"].flatMap { $0.isEmpty ? nil : $0 } ?? TraceBatch.unknownService
            batch.resources.append(.init(serviceName: String(service.prefix(256)), spans: spans))
        }
        return batch
    }

    static func decodeSpan(_ span: [String: JSONValue], path: String) throws(TraceDecodingError) -> TraceBatch.Span {
        var stacktraces: [String] = []
        for (e, event) in try objects(span, "events", "events", path: path).enumerated() {
            let eventAttributes = try attributes(event, path: "\(path).events[\(e)]")
            if case .string("exception")? = event["name"], let trace = eventAttributes["exception.stacktrace"] {
                stacktraces.append(trace)
            }
        }
        var name = ""
        if case .string(let text)? = span["name"] { name = text }
        return TraceBatch.Span(name: name, attributes: try attributes(span, path: path), exceptionStacktraces: stacktraces)
    }

    /// The `attributes` list of an object as key → scalar text.
    static func attributes(_ owner: [String: JSONValue], path: String) throws(TraceDecodingError) -> [String: String] {
        var result: [String: String] = [:]
        for (i, attribute) in try objects(owner, "attributes", "attributes", path: path).enumerated() {
            guard case .string(let key)? = attribute["key"] else {
                throw TraceDecodingError("\(path).attributes[\(i)].key must be a string")
            }
            if case .object(let value)? = attribute["value"], let text = scalarText(value) { result[key] = text }
        }
        return result
    }

    /// An AnyValue's scalar as text; arrays, maps and bytes are not code locations.
    static func scalarText(_ value: [String: JSONValue]) -> String? {
        switch value["stringValue"] ?? value["string_value"] {
        case .string(let text)?: return text
        default: break
        }
        switch value["intValue"] ?? value["int_value"] {
        case .string(let text)?: return text   // int64 is a string in the protobuf JSON mapping
        case .int(let number)?: return String(number)
        case .double(let number)?: return String(number)
        default: break
        }
        switch value["doubleValue"] ?? value["double_value"] {
        case .double(let number)?: return String(number)
        case .int(let number)?: return String(number)
        default: break
        }
        if case .bool(let flag)? = value["boolValue"] ?? value["bool_value"] { return String(flag) }
        return nil
    }

    static func object(_ owner: [String: JSONValue], _ camel: String, _ snake: String, path: String) throws(TraceDecodingError) -> [String: JSONValue]? {
        switch owner[camel] ?? owner[snake] {
        case nil, .null?: return nil
        case .object(let value)?: return value
        default: throw TraceDecodingError("\(path).\(camel) must be an object")
        }
    }

    /// A list of objects; absent or null is empty.
    static func objects(_ owner: [String: JSONValue], _ camel: String, _ snake: String, path: String) throws(TraceDecodingError) -> [[String: JSONValue]] {
        switch owner[camel] ?? owner[snake] {
        case nil, .null?: return []
        case .array(let items)?:
            var result: [[String: JSONValue]] = []
            for (i, item) in items.enumerated() {
                guard let object = item.objectValue else { throw TraceDecodingError("\(path).\(camel)[\(i)] must be an object") }
                result.append(object)
            }
            return result
        default: throw TraceDecodingError("\(path.isEmpty ? "" : path + ".")\(camel) must be an array")
        }
    }
}
