/// The body of `POST /sdk/snapshots/capture` (PROTOCOL.md "Capture"),
/// written as JSON text around the already sanitized variables.
struct SnapshotBody {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var first = true

    mutating func string(_ key: String, _ value: String?) {
        guard let value else { return }
        raw(key, JSONValue.string(value))
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
        JSONTextWriter.write(.string(key), into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    consuming func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }
}

extension SecurityFlag {
    var json: JSONValue {
        .object(["type": .string("sensitive_data"), "category": .string(category),
                 "severity": .string(severity), "variable": .string(variable)])
    }
}
