/// A captured snapshot on its way to the sender, which adds the native
/// stack's text (symbol lookup is too slow for the caller's thread).
struct OutgoingSnapshot: Sendable {
    var body: SnapshotBody
    var nativeStack: NativeStack?

    consuming func finish() -> [UInt8] {
        if let nativeStack { body.string("stack_trace", nativeStack.text) }
        return body.finish()
    }
}

/// The body of `POST /sdk/snapshots/capture` (docs/PROTOCOL.md "Capture"),
/// written as JSON text around the already sanitized variables.
struct SnapshotBody: Sendable {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var first = true

    mutating func string(_ key: String, _ value: String?) {
        guard let value else { return }
        member(key)
        JSONStringText.append(value, to: &bytes)
    }

    mutating func int(_ key: String, _ value: Int) {
        member(key)
        bytes += Array(String(value).utf8)
    }

    mutating func raw(_ key: String, _ value: JSONValue) {
        member(key)
        JSONTextWriter.write(value, into: &bytes)
    }

    mutating func raw(_ key: String, json: [UInt8]) {
        member(key)
        bytes += json
    }

    private mutating func member(_ key: String) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        JSONStringText.append(key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    consuming func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }
}

extension SnapshotBody {
    /// docs/PII.md "Security flags".
    mutating func securityFlags(_ flags: [SecurityFlag]) {
        var list: [UInt8] = [UInt8(ascii: "[")]
        for (index, flag) in flags.enumerated() {
            var item = SnapshotBody()
            item.string("type", "sensitive_data")
            item.string("category", flag.category)
            item.string("severity", flag.severity)
            item.string("variable", flag.variable)
            if index > 0 { list.append(UInt8(ascii: ",")) }
            list += item.finish()
        }
        list.append(UInt8(ascii: "]"))
        raw("security_flags", json: list)
    }
}

/// A Swift string as a JSON string literal, without building a JSONValue.
enum JSONStringText {
    static func append(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        bytes.append(UInt8(ascii: "\""))
        text.withUTF8 { utf8 in
            if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                bytes.append(contentsOf: utf8)
            } else {
                for byte in utf8 { appendEscaped(byte, to: &bytes) }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static func appendEscaped(_ byte: UInt8, to bytes: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"):
            bytes.append(UInt8(ascii: "\\"))
            bytes.append(byte)
        case 0..<0x20:
            let hex: StaticString = "0123456789abcdef"
            bytes.append(contentsOf: "\\u00".utf8)
            bytes.append(hex.utf8Start[Int(byte >> 4)])
            bytes.append(hex.utf8Start[Int(byte & 0xF)])
        default:
            bytes.append(byte)
        }
    }
}
