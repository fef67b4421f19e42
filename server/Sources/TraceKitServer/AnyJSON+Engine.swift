import TraceKitCore

/// Fast paths through TraceKitCore's Foundation-free JSON parser and writer
/// (bounded depth, exact int/double distinction), used for request bodies and
/// stored snapshot documents, the hot path of capture ingest.
extension AnyJSON {
    /// Parses JSON bytes (nesting limited to 512 levels).
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> AnyJSON {
        AnyJSON(try JSONValue.parse(bytes))
    }

    init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .int(let number): self = .int(number)
        case .double(let number): self = .double(number)
        case .string(let text): self = .string(text)
        case .array(let items): self = .array(items.map(AnyJSON.init))
        case .object(let members): self = .object(members.mapValues(AnyJSON.init))
        }
    }

    /// Compact JSON text for storage (key order unspecified).
    var storageText: String { engineValue.jsonText }
}
