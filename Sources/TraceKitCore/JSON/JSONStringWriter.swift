/// Where JSON text is written: an `[UInt8]` or the sanitizer's bounded
/// `OutputBuffer`.
package protocol JSONByteSink: ~Copyable {
    mutating func append(_ byte: UInt8)
    mutating func append(_ chunk: UnsafeBufferPointer<UInt8>)
}

extension Array: JSONByteSink where Element == UInt8 {
    package mutating func append(_ chunk: UnsafeBufferPointer<UInt8>) { append(contentsOf: chunk) }
}

extension JSONByteSink where Self: ~Copyable {
    /// An integer in decimal, digit by digit: no intermediate String.
    package mutating func append(decimal value: Int) {
        if value < 0 { append(UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        var divisor: UInt = 1
        while magnitude / divisor >= 10 { divisor &*= 10 }
        repeat {
            append(UInt8(truncatingIfNeeded: magnitude / divisor % 10) &+ UInt8(ascii: "0"))
            divisor /= 10
        } while divisor > 0
    }
}

/// The one JSON string writer of the library (JSONValue text, snapshot
/// bodies, the sanitizer's output) and its one escaping rule: `"`, `\` and
/// control characters below 0x20 are escaped — `\n \r \t \b \f` in their
/// short forms, the others as `\u00XX` — and every other byte, DEL (0x7F)
/// and UTF-8 sequences included, is written as it is (RFC 8259 §7 needs no
/// more).
package enum JSONStringWriter {
    @inline(__always)
    package static func needsEscaping(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    /// `text` (UTF-8) as a JSON string literal, quotes included.
    package static func write<Sink: JSONByteSink & ~Copyable>(_ text: UnsafeBufferPointer<UInt8>,
                                                              into sink: inout Sink) {
        sink.append(UInt8(ascii: "\""))
        writeBody(text, into: &sink)
        sink.append(UInt8(ascii: "\""))
    }

    /// `text` escaped, without the quotes: a piece of a string literal.
    package static func writeBody<Sink: JSONByteSink & ~Copyable>(_ text: UnsafeBufferPointer<UInt8>,
                                                                  into sink: inout Sink) {
        var runStart = 0
        for index in 0..<text.count where needsEscaping(text[index]) {
            sink.append(UnsafeBufferPointer(rebasing: text[runStart..<index]))
            runStart = index + 1
            writeEscape(for: text[index], into: &sink)
        }
        sink.append(UnsafeBufferPointer(rebasing: text[runStart..<text.count]))
    }

    /// A Swift string as a JSON string literal.
    package static func write(_ text: String, into output: inout [UInt8]) {
        var text = text
        text.withUTF8 { write($0, into: &output) }
    }

    private static func writeEscape<Sink: JSONByteSink & ~Copyable>(for byte: UInt8, into sink: inout Sink) {
        sink.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): sink.append(byte)
        case 0x0A: sink.append(UInt8(ascii: "n"))
        case 0x0D: sink.append(UInt8(ascii: "r"))
        case 0x09: sink.append(UInt8(ascii: "t"))
        case 0x08: sink.append(UInt8(ascii: "b"))
        case 0x0C: sink.append(UInt8(ascii: "f"))
        default:
            for digit in [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hexDigit(byte >> 4), hexDigit(byte & 0xF)] {
                sink.append(digit)
            }
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ (nibble &- 10)
    }
}
