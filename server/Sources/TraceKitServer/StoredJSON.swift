import TraceKitCore

/// The server's JSON is TraceKitCore's `JSONValue` (the library's own type,
/// parsed and written by the core's Foundation-free, non-recursive parser and
/// writer). What the server adds: reading back the documents it stored, and
/// the type names its validation errors use.
extension JSONValue {
    /// Parses stored JSON text. Storage only holds text `jsonText` wrote, so a
    /// failure means a damaged database: an error (answered 500), never `null`.
    static func readStored(_ text: String) throws -> JSONValue {
        do {
            return try JSONValue.parse(text)
        } catch {
            throw StoredDocumentError(reason: "\(error)")
        }
    }

    /// Like `readStored`, for small internal fields where a default will do.
    static func parseStored(_ text: String) -> JSONValue {
        (try? readStored(text)) ?? .null
    }

    /// The JSON type name, for request validation errors ("must be a string,
    /// got boolean"). The condition engine's `typeName` uses the condition
    /// language's names ("nil", "bool") instead.
    var fieldTypeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// A stored JSON document that no longer parses.
struct StoredDocumentError: Error {
    var reason: String
}
