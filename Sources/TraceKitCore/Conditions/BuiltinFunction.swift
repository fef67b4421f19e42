/// The server's extra functions: pure, bounded, and known at parse time (an
/// unknown name is a parse error).
enum BuiltinFunction: String, Sendable, CaseIterable {
    case len, contains, startsWith, endsWith, lower, upper

    var arity: Int {
        switch self {
        case .len, .lower, .upper: return 1
        case .contains, .startsWith, .endsWith: return 2
        }
    }
}

/// What the built-in functions do. Strings are compared as UTF-8 bytes (code
/// points), like the rest of the language.
enum BuiltinFunctions {
    static func call(_ function: BuiltinFunction, _ arguments: [JSONValue], offset: Int) throws(ExpressionError) -> JSONValue {
        let first = arguments.first ?? .null
        let second = arguments.count > 1 ? arguments[1] : .null
        switch function {
        case .len: return try length(of: first, offset: offset)
        case .contains: return .bool(try contains(first, second, offset: offset))
        case .startsWith:
            let (text, prefix) = try twoStrings(first, second, function, offset: offset)
            return .bool(text.utf8.starts(with: prefix.utf8))
        case .endsWith:
            let (text, suffix) = try twoStrings(first, second, function, offset: offset)
            return .bool(text.utf8.reversed().starts(with: suffix.utf8.reversed()))
        case .lower: return .string(try bounded(oneString(first, function, offset: offset).lowercased(), offset: offset))
        case .upper: return .string(try bounded(oneString(first, function, offset: offset).uppercased(), offset: offset))
        }
    }

    /// Case mapping can lengthen a string (ß -> SS) and its input may be a long
    /// captured variable: keep the produced string within the sandbox bound.
    private static func bounded(_ text: String, offset: Int) throws(ExpressionError) -> String {
        guard text.utf8.count <= ExpressionLimits.maxStringBytes else {
            throw ExpressionError(offset: offset, message: "string result longer than \(ExpressionLimits.maxStringBytes) bytes")
        }
        return text
    }

    /// Characters as Unicode scalars (code points) for strings, element count for containers.
    private static func length(of value: JSONValue, offset: Int) throws(ExpressionError) -> JSONValue {
        switch value {
        case .string(let text): return .int(Int64(text.unicodeScalars.count))
        case .array(let items): return .int(Int64(items.count))
        case .object(let members): return .int(Int64(members.count))
        default: throw ExpressionError(offset: offset, message: "len() needs a string, array or object, got \(value.typeName)")
        }
    }

    /// Substring of a string, element of an array, key of an object.
    private static func contains(_ haystack: JSONValue, _ needle: JSONValue, offset: Int) throws(ExpressionError) -> Bool {
        switch (haystack, needle) {
        case (.string(let text), .string(let part)): return ByteSearch.contains(Array(text.utf8), Array(part.utf8))
        case (.array(let items), _):
            var steps = StepBudget()
            for item in items where try ExpressionValues.equal(item, needle, steps: &steps, offset: offset) {
                return true
            }
            return false
        case (.object(let members), .string(let key)): return members[key] != nil
        default:
            throw ExpressionError(offset: offset, message: "contains() cannot look for \(needle.typeName) in \(haystack.typeName)")
        }
    }

    private static func oneString(_ value: JSONValue, _ function: BuiltinFunction, offset: Int) throws(ExpressionError) -> String {
        guard case .string(let text) = value else {
            throw ExpressionError(offset: offset, message: "\(function.rawValue)() needs a string, got \(value.typeName)")
        }
        return text
    }

    private static func twoStrings(_ a: JSONValue, _ b: JSONValue, _ function: BuiltinFunction,
                                   offset: Int) throws(ExpressionError) -> (String, String) {
        (try oneString(a, function, offset: offset), try oneString(b, function, offset: offset))
    }
}
