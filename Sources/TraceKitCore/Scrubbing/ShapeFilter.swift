import CTraceKitScan

/// One pass over a string that decides which built-in patterns could match.
///
/// Most strings in real payloads hold nothing sensitive; running 12 regexes
/// over each costs far more than looking once for the *shape* each pattern
/// needs (a digit layout such as ddd-dd-dddd, an `@`, a keyword) and
/// starting PCRE2 only where a shape is there. The scan is C with SSE2
/// (CTraceKitScan/shape_filter.c, where each shape is derived from its
/// regex). Bits follow `BuiltinPatterns.all` order.
enum ShapeFilter {
    /// The shortest text any built-in pattern matches (`pwd=x`).
    static let shortestMatch = 5

    /// `readable`: how many bytes from the start of `text` may be read (the
    /// rest of an enclosing buffer; `text.count` at least), so that short
    /// strings are loaded in 16-byte blocks without a copy.
    static func candidates(in text: UnsafeBufferPointer<UInt8>, readable: Int = 0) -> UInt16 {
        guard let base = text.baseAddress else { return 0 }
        return tk_shape_candidates(base, text.count, max(readable, text.count))
    }

    @inline(__always)
    static func hasPrefix(_ text: UnsafeBufferPointer<UInt8>, _ i: Int, _ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard text.count - i >= n else { return false }
        let p = literal.utf8Start
        for k in 0..<n where text[i + k] != p[k] { return false }
        return true
    }
}
