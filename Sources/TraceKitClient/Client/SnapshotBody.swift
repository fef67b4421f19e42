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
/// written as JSON text around the already sanitized variables. Written
/// into one buffer sized up front: a capture appends, never reallocates.
struct SnapshotBody: Sendable {
    private var bytes: [UInt8]
    private var first: Bool

    /// Room for the members a capture adds besides its variables (trace ids,
    /// timestamp, mode, a few security flags); the native stack's text,
    /// added on the sender thread, may grow it there.
    static let typicalExtraBytes = 2048

    /// A body beginning with `members` (JSON members without braces, as
    /// `members()` gives them), with room for `reserving` more bytes.
    init(members: [UInt8] = [], reserving: Int = 0) {
        bytes = []
        bytes.reserveCapacity(1 + members.count + reserving)
        bytes.append(UInt8(ascii: "{"))
        bytes += members
        first = members.isEmpty
    }

    mutating func string(_ key: StaticString, _ value: String?) {
        guard let value else { return }
        member(key)
        JSONStringWriter.write(value, into: &bytes)
    }

    mutating func int(_ key: StaticString, _ value: Int) {
        member(key)
        bytes += String(value).utf8
    }

    mutating func raw(_ key: StaticString, _ value: JSONValue) {
        member(key)
        JSONTextWriter.write(value, into: &bytes)
    }

    mutating func raw(_ key: StaticString, json: [UInt8]) {
        member(key)
        bytes += json
    }

    private mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private mutating func member(_ key: StaticString) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        // Keys are this file's own literals: nothing to escape.
        bytes.append(UInt8(ascii: "\""))
        append(key)
        append("\":")
    }

    /// The members written so far, without the braces: the reusable start
    /// of another body (`init(members:reserving:)`).
    consuming func members() -> [UInt8] {
        Array(bytes.dropFirst())
    }

    consuming func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }
}

extension SnapshotBody {
    /// docs/PII.md "Security flags".
    mutating func securityFlags(_ flags: [SecurityFlag]) {
        member("security_flags")
        bytes.append(UInt8(ascii: "["))
        for (index, flag) in flags.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            append(#"{"type":"sensitive_data","category":"#)
            JSONStringWriter.write(flag.category, into: &bytes)
            append(#","severity":"#)
            JSONStringWriter.write(flag.severity, into: &bytes)
            append(#","variable":"#)
            JSONStringWriter.write(flag.variable, into: &bytes)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: "]"))
    }
}
