/// Decodes the body of a JSON string literal (between the quotes) to UTF-8.
///
/// Never fails on content: invalid UTF-8 and lone surrogate escapes become
/// U+FFFD, so the output is always valid UTF-8. Malformed escapes are JSON
/// errors, reported by the scanner before decoding.
enum JSONStringDecoder {
    static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    static func decode(_ body: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(body.count)
        var i = 0
        let n = body.count
        while i < n {
            let b = body[i]
            if b == 0x5C {
                i = decodeEscape(body, i, into: &out)
            } else if b < 0x80 {
                out.append(b)
                i += 1
            } else {
                i = copyUTF8Sequence(body, i, into: &out)
            }
        }
    }

    /// `i` is at the backslash; returns the index after the escape.
    private static func decodeEscape(_ body: UnsafeBufferPointer<UInt8>, _ i: Int, into out: inout [UInt8]) -> Int {
        guard i + 1 < body.count else { return i + 1 }
        switch body[i + 1] {
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "u"):
            guard let unit = hex4(body, i + 2) else { return i + 2 }
            if (0xD800...0xDBFF).contains(unit), i + 12 <= body.count,
               body[i + 6] == 0x5C, body[i + 7] == UInt8(ascii: "u"),
               let low = hex4(body, i + 8), (0xDC00...0xDFFF).contains(low) {
                appendScalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), into: &out)
                return i + 12
            }
            appendScalar((0xD800...0xDFFF).contains(unit) ? 0xFFFD : unit, into: &out)
            return i + 6
        default: out.append(body[i + 1])  // \" \\ \/
        }
        return i + 2
    }

    /// What is wrong with an escape sequence.
    enum EscapeProblem: Error {
        /// The text ends right after the backslash.
        case unterminated
        /// `\u` not followed by four hex digits.
        case badUnicode
        /// A letter JSON does not define after the backslash.
        case unknown
    }

    /// The length (2, or 6 for `\uXXXX`) of the escape at `i` (a backslash):
    /// the one definition of JSON's escapes for every scanner in the library.
    static func escapeLength(_ text: UnsafeBufferPointer<UInt8>, at i: Int) throws(EscapeProblem) -> Int {
        guard i + 1 < text.count else { throw .unterminated }
        switch text[i + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return 2
        case UInt8(ascii: "u"):
            guard hex4(text, i + 2) != nil else { throw .badUnicode }
            return 6
        default:
            throw .unknown
        }
    }

    static func hex4(_ body: UnsafeBufferPointer<UInt8>, _ start: Int) -> UInt32? {
        guard start + 4 <= body.count else { return nil }
        var value: UInt32 = 0
        for k in start..<start + 4 {
            let b = body[k]
            let digit: UInt8
            switch b {
            case 0x30...0x39: digit = b - 0x30
            case 0x41...0x46: digit = b - 0x41 + 10
            case 0x61...0x66: digit = b - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    static func appendScalar(_ scalar: UInt32, into out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(0xC0 | UInt8(scalar >> 6))
            out.append(0x80 | UInt8(scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(0xE0 | UInt8(scalar >> 12))
            out.append(0x80 | UInt8((scalar >> 6) & 0x3F))
            out.append(0x80 | UInt8(scalar & 0x3F))
        default:
            out.append(0xF0 | UInt8(truncatingIfNeeded: scalar >> 18))
            out.append(0x80 | UInt8((scalar >> 12) & 0x3F))
            out.append(0x80 | UInt8((scalar >> 6) & 0x3F))
            out.append(0x80 | UInt8(scalar & 0x3F))
        }
    }

    /// Copies one well-formed UTF-8 sequence starting at `i`, or U+FFFD for
    /// one invalid byte. Rejects overlongs, surrogates and > U+10FFFF.
    private static func copyUTF8Sequence(_ body: UnsafeBufferPointer<UInt8>, _ i: Int, into out: inout [UInt8]) -> Int {
        let length = validSequenceLength(body, i)
        if length == 0 {
            out.append(contentsOf: replacement)
            return i + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: body[i..<i + length]))
        return i + length
    }

    /// Length of the well-formed UTF-8 sequence at `i` (1–4), 0 if invalid.
    static func validSequenceLength(_ s: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        let b0 = s[i]
        let n = s.count
        @inline(__always) func cont(_ k: Int) -> Bool { k < n && s[k] & 0xC0 == 0x80 }
        switch b0 {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: return cont(i + 1) ? 2 : 0
        case 0xE0:
            return i + 1 < n && (0xA0...0xBF).contains(s[i + 1]) && cont(i + 2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF:
            return cont(i + 1) && cont(i + 2) ? 3 : 0
        case 0xED:
            return i + 1 < n && (0x80...0x9F).contains(s[i + 1]) && cont(i + 2) ? 3 : 0
        case 0xF0:
            return i + 1 < n && (0x90...0xBF).contains(s[i + 1]) && cont(i + 2) && cont(i + 3) ? 4 : 0
        case 0xF1...0xF3:
            return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0
        case 0xF4:
            return i + 1 < n && (0x80...0x8F).contains(s[i + 1]) && cont(i + 2) && cont(i + 3) ? 4 : 0
        default: return 0
        }
    }
}
