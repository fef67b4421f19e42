import TraceKitCore

/// The little we read from response headers: the status line and
/// `Retry-After`. Fed one raw header line at a time by libcurl.
struct ResponseHeaders {
    private(set) var statusCode = 0
    private(set) var retryAfterSeconds: Int?

    /// Consumes one header line ("Name: value\r\n" or a status line).
    mutating func consume(_ line: UnsafeRawBufferPointer) {
        if Self.hasPrefix(line, "HTTP/") {
            // A new response (after a 100 Continue, say): forget the last one.
            statusCode = Self.parseStatus(line) ?? 0
            retryAfterSeconds = nil
        } else if Self.hasPrefix(line, "retry-after:") {
            retryAfterSeconds = Self.parseDeltaSeconds(line[12...])
        }
    }

    /// "HTTP/1.1 503 Service Unavailable" -> 503.
    static func parseStatus(_ line: UnsafeRawBufferPointer) -> Int? {
        guard let space = line.firstIndex(of: UInt8(ascii: " ")) else { return nil }
        let digits = line[(space + 1)...].prefix(while: { $0 != UInt8(ascii: " ") && $0 != 13 && $0 != 10 })
        return digits.count == 3 ? parseDigits(digits) : nil
    }

    /// `Retry-After: 120` -> 120. An HTTP-date (also legal) gives nil: the
    /// caller then falls back to its own backoff. Huge values saturate.
    static func parseDeltaSeconds<C: Collection>(_ value: C) -> Int? where C.Element == UInt8 {
        let trimmed = value.drop(while: isWhitespace).reversed().drop(while: isWhitespace).reversed()
        return parseDigits(trimmed)
    }

    private static func parseDigits<C: Collection>(_ digits: C) -> Int? where C.Element == UInt8 {
        guard !digits.isEmpty else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = min(value * 10 + Int(byte - UInt8(ascii: "0")), Int(Int32.max))
        }
        return value
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == 13 || byte == 10
    }

    /// ASCII case-insensitive prefix test (`prefix` is lowercase).
    private static func hasPrefix(_ line: UnsafeRawBufferPointer, _ prefix: StaticString) -> Bool {
        guard line.count >= prefix.utf8CodeUnitCount else { return false }
        let expected = UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
        for (index, want) in expected.enumerated() {
            var byte = line[index]
            if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte += 32 }
            let lowerWant = want >= UInt8(ascii: "A") && want <= UInt8(ascii: "Z") ? want + 32 : want
            if byte != lowerWant { return false }
        }
        return true
    }
}
