extension JSONValue {
    /// Compact JSON text for this value (no spaces; object keys sorted so the
    /// same value always gives the same text).
    ///
    /// Control characters in strings are escaped; non-finite doubles, which
    /// JSON cannot express, are written as `null`; finite doubles use Swift's
    /// shortest round-trip form, so `.double(30)` is written `30.0` and reads
    /// back as the same number.
    public var jsonText: String {
        var output: [UInt8] = []
        JSONTextWriter.write(self, into: &output)
        return String(decoding: output, as: UTF8.self)
    }
}

package enum JSONTextWriter {
    /// What is left to write: a value, a punctuation byte, or an object key
    /// with its colon. An explicit work list instead of recursion, so deep
    /// documents cannot exhaust a small thread stack.
    private enum Pending {
        case value(JSONValue)
        case byte(UInt8)
        case key(String)
    }

    package static func write(_ root: JSONValue, into output: inout [UInt8]) {
        var pending: [Pending] = [.value(root)]
        while let next = pending.popLast() {
            switch next {
            case .byte(let byte): output.append(byte)
            case .key(let key):
                writeString(key, into: &output)
                output.append(UInt8(ascii: ":"))
            case .value(let value): writeValue(value, into: &output, pending: &pending)
            }
        }
    }

    /// Writes a scalar, or opens a container and schedules its contents
    /// (pushed in reverse, since the work list is a stack).
    private static func writeValue(_ value: JSONValue, into output: inout [UInt8], pending: inout [Pending]) {
        switch value {
        case .null: append("null", to: &output)
        case .bool(let flag): append(flag ? "true" : "false", to: &output)
        case .int(let number): append(String(number), to: &output)
        case .double(let number):
            append(number.isFinite ? number.description : "null", to: &output)
        case .string(let text): writeString(text, into: &output)
        case .array(let items):
            output.append(UInt8(ascii: "["))
            pending.append(.byte(UInt8(ascii: "]")))
            for (index, item) in items.enumerated().reversed() {
                pending.append(.value(item))
                if index > 0 { pending.append(.byte(UInt8(ascii: ","))) }
            }
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            pending.append(.byte(UInt8(ascii: "}")))
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (index, key) in keys.enumerated().reversed() {
                pending.append(.value(members[key] ?? .null))
                pending.append(.key(key))
                if index > 0 { pending.append(.byte(UInt8(ascii: ","))) }
            }
        }
    }

    static func writeString(_ text: String, into output: inout [UInt8]) {
        JSONStringWriter.write(text, into: &output)
    }

    private static func append(_ text: String, to output: inout [UInt8]) {
        output.append(contentsOf: text.utf8)
    }
}
