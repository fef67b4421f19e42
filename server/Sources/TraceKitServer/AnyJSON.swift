import Foundation
import TraceKitCore

/// Any JSON value, for the free-form parts of the protocol (captured variables,
/// request context, metadata, event payloads) and for request bodies that are
/// validated field by field so errors can name the field.
public enum AnyJSON: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([AnyJSON])
    case object([String: AnyJSON])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([AnyJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: AnyJSON].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The JSON type name, for error messages ("must be a string, got number").
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Compact JSON text, keys sorted so stored documents are stable. Written
    /// by TraceKitCore's non-recursive writer: it cannot fail, whatever the
    /// nesting (the parser bounds depth at 512 levels).
    public var jsonText: String { engineValue.jsonText }

    /// Parses stored JSON text. Storage only holds text this type wrote, so a
    /// failure means a damaged database: an error (answered 500), never `null`.
    static func readStored(_ text: String) throws -> AnyJSON {
        do {
            return AnyJSON(try JSONValue.parse(text))
        } catch {
            throw StoredDocumentError(reason: "\(error)")
        }
    }

    /// Like `readStored`, for small internal fields where a default will do.
    static func parseStored(_ text: String) -> AnyJSON {
        (try? readStored(text)) ?? .null
    }

    var objectValue: [String: AnyJSON]? {
        if case .object(let value) = self { return value }
        return nil
    }
}

/// A stored JSON document that no longer parses.
struct StoredDocumentError: Error {
    var reason: String
}
