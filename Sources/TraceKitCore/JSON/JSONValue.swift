/// A JSON document as a Swift value: what the condition engine evaluates on,
/// and what it returns.
///
/// Numbers keep the distinction JSON text makes: an integer literal that fits
/// `Int64` is `.int`, anything else (fraction, exponent, too large) `.double`.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

extension JSONValue {
    /// The JSON type name, for error messages ("cannot compare string with number").
    public var typeName: String {
        switch self {
        case .null: return "nil"
        case .bool: return "bool"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

extension JSONValue {
    /// The members when this is an object, else nil.
    public var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }
}
