/// Whether a JSON number's magnitude fits an IEEE double (RFC 8259 §6's
/// interoperable range). Precision loss is fine; overflow to infinity and
/// underflow of a non-zero value to zero are not.
enum NumberRange {
    static func fitsInDouble(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        // Up to 15 characters without an exponent cannot leave the range.
        if text.count <= 15, !text.contains(where: { $0 | 0x20 == UInt8(ascii: "e") }) { return true }
        // Swift's parser is locale-independent (strtod is not).
        guard let value = Double(String(decoding: text, as: UTF8.self)) else { return false }
        if value.isInfinite { return false }
        return value != 0 || !hasNonZeroMantissa(text)
    }

    private static func hasNonZeroMantissa(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in text {
            if byte | 0x20 == UInt8(ascii: "e") { return false }
            if byte >= UInt8(ascii: "1") && byte <= UInt8(ascii: "9") { return true }
        }
        return false
    }
}
