import TraceKitCore

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
        JSONStringWriter.write(value, into: &bytes)
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
        JSONStringWriter.write(key, into: &bytes)
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
