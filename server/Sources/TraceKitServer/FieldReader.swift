import TraceKitCore

/// Reads typed fields out of a JSON object with errors that name the field,
/// so a bad request says exactly what is wrong.
struct FieldReader {
    let object: [String: JSONValue]

    init(_ json: JSONValue) throws(APIError) {
        guard let object = json.objectValue else { throw .badRequest("the request body must be a JSON object") }
        self.object = object
    }

    func has(_ key: String) -> Bool { object[key] != nil }
    /// Present and explicitly null (used by PATCH to clear a field).
    func isNull(_ key: String) -> Bool { object[key] == .null }

    /// Getters return nil for an absent field. An explicit null is accepted
    /// only when `nullable` (the field is documented as nullable).
    func string(_ key: String, maxLength: Int = 4096, nullable: Bool = false) throws(APIError) -> String? {
        switch object[key] {
        case nil: return nil
        case .null? where nullable: return nil
        case .string(let value)?:
            guard value.utf8.count <= maxLength else { throw .badRequest("field '\(key)' is longer than \(maxLength) bytes") }
            return value
        case let other?: throw typeError(key, "a string", other)
        }
    }

    func requiredString(_ key: String, maxLength: Int = 4096) throws(APIError) -> String {
        guard let value = try string(key, maxLength: maxLength), !value.isEmpty else {
            throw .badRequest("field '\(key)' is required and must be a non-empty string")
        }
        return value
    }

    func int(_ key: String, range: ClosedRange<Int> = 0...Int(Int32.max), nullable: Bool = false) throws(APIError) -> Int? {
        let number: Int
        switch object[key] {
        case nil: return nil
        case .null? where nullable: return nil
        case .int(let value)?:
            guard let exact = Int(exactly: value) else { throw .badRequest("field '\(key)' is out of range") }
            number = exact
        case .double(let value)? where value.rounded() == value && abs(value) < 1e15:
            number = Int(value)
        case let other?: throw typeError(key, "an integer", other)
        }
        guard range.contains(number) else {
            throw .badRequest("field '\(key)' must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return number
    }

    func bool(_ key: String) throws(APIError) -> Bool? {
        switch object[key] {
        case nil: return nil
        case .bool(let value)?: return value
        case let other?: throw typeError(key, "a boolean", other)
        }
    }

    func timestamp(_ key: String, nullable: Bool = false) throws(APIError) -> Double? {
        guard let text = try string(key, maxLength: 64, nullable: nullable) else { return nil }
        guard let seconds = Timestamps.parse(text) else {
            throw .badRequest("field '\(key)' must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z")
        }
        return seconds
    }

    func stringArray(_ key: String, maxCount: Int, nullable: Bool = false) throws(APIError) -> [String]? {
        switch object[key] {
        case nil: return nil
        case .null? where nullable: return nil
        case .array(let items)?:
            guard items.count <= maxCount else { throw .badRequest("field '\(key)' has more than \(maxCount) items") }
            var result: [String] = []
            for item in items {
                guard case .string(let text) = item, text.utf8.count <= 4096 else {
                    throw .badRequest("field '\(key)' must be an array of strings")
                }
                result.append(text)
            }
            return result
        case let other?: throw typeError(key, "an array of strings", other)
        }
    }

    func object(_ key: String, nullable: Bool = false) throws(APIError) -> [String: JSONValue]? {
        switch object[key] {
        case nil: return nil
        case .null? where nullable: return nil
        case .object(let value)?: return value
        case let other?: throw typeError(key, "an object", other)
        }
    }

    private func typeError(_ key: String, _ expected: String, _ got: JSONValue) -> APIError {
        .badRequest("field '\(key)' must be \(expected), got \(got.fieldTypeName)")
    }
}
