/// One pass over a string that decides which built-in patterns could match.
///
/// Most strings in real payloads hold nothing sensitive; running 12 regexes
/// over each costs far more than looking once for the *shape* each pattern
/// needs (a digit run of the right length, an `@`, a keyword) and starting
/// PCRE2 only where a shape is there. Bits follow `BuiltinPatterns.all` order.
enum ShapeFilter {
    static let email: UInt16 = 1 << 0
    static let ssn: UInt16 = 1 << 1
    static let creditCard: UInt16 = 1 << 2
    static let phone: UInt16 = 1 << 3
    static let awsKey: UInt16 = 1 << 4
    static let awsSecret: UInt16 = 1 << 5
    static let oauthToken: UInt16 = 1 << 6
    static let stripeKey: UInt16 = 1 << 7
    static let password: UInt16 = 1 << 8
    static let jwt: UInt16 = 1 << 9
    static let privateKey: UInt16 = 1 << 10
    static let apiKey: UInt16 = 1 << 11

    /// Byte classes: most bytes are `boring` and cost one table load.
    private static let boring: UInt8 = 0, digit: UInt8 = 1, separator: UInt8 = 2, keyword: UInt8 = 3
    /// The shortest text any built-in pattern matches (`pwd=x`).
    static let shortestMatch = 5

    /// 256 byte classes, allocated once for the process (never freed).
    /// `nonisolated(unsafe)`: written once during lazy initialisation, only
    /// read afterwards; a raw table avoids Array access overhead per string.
    nonisolated(unsafe) private static let byteClass: UnsafeBufferPointer<UInt8> = {
        let table = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 256)
        for value in 0..<256 {
            let b = UInt8(value)
            if b >= 0x30 && b <= 0x39 {
                table[value] = digit
            } else if b == 0x20 || b == 0x2D || b == 0x2E || b == 0x28 || b == 0x29 || b == 0x2B {
                // Separators that may sit inside a phone, card or SSN digit run.
                table[value] = separator
            } else if "@AaBbPpe_".utf8.contains(b) {
                // Bytes that may start a keyword shape.
                table[value] = keyword
            } else {
                table[value] = boring
            }
        }
        return UnsafeBufferPointer(table)
    }()

    static func candidates(in text: UnsafeBufferPointer<UInt8>) -> UInt16 {
        candidates(in: text, classes: byteClass)
    }

    private static func candidates(in text: UnsafeBufferPointer<UInt8>, classes: UnsafeBufferPointer<UInt8>) -> UInt16 {
        var mask: UInt16 = 0
        var runDigits = 0
        var separatorsInRow = 0
        let count = text.count
        var i = 0
        while i < count {
            let b = text[i]
            let kind = classes[Int(b)]
            i &+= 1
            if kind == boring {
                runDigits = 0
                separatorsInRow = 0
                // Most bytes are boring: skip runs of them in a tight loop.
                while i < count, classes[Int(text[i])] == boring { i &+= 1 }
            } else if kind == digit {
                runDigits &+= 1
                separatorsInRow = 0
                if runDigits >= 8 {
                    mask |= phone
                    if runDigits >= 9 { mask |= ssn }
                    if runDigits >= 13 { mask |= creditCard }
                }
            } else if kind == separator {
                separatorsInRow &+= 1
                if separatorsInRow > 2 { runDigits = 0 }
                if b == 0x2D, hasPrefix(text, i &- 1, "-----BEGIN") { mask |= privateKey }
            } else {
                runDigits = 0
                separatorsInRow = 0
                mask |= keywordShape(text, i &- 1, b)
            }
        }
        return mask
    }

    /// Keyword shapes start at letters, `@` and `_`; checked only at those
    /// bytes, first on the next byte or two so that most letters cost a compare.
    @inline(__always)
    private static func keywordShape(_ text: UnsafeBufferPointer<UInt8>, _ i: Int, _ b: UInt8) -> UInt16 {
        let next = byte(text, i &+ 1), lowerNext = next | 0x20
        switch b {
        case 0x40: return email  // @
        case 0x65:  // e: eyJ
            return next == 0x79 && byte(text, i &+ 2) == 0x4A ? jwt : 0
        case 0x41, 0x61:  // A a: AKIA/ASIA, aws, api
            var found: UInt16 = 0
            if b == 0x41, next == 0x4B || next == 0x53,
               hasPrefix(text, i, "AKIA") || hasPrefix(text, i, "ASIA") { found |= awsKey }
            if lowerNext == 0x77, byte(text, i &+ 2) | 0x20 == 0x73 { found |= awsSecret }
            if lowerNext == 0x70, byte(text, i &+ 2) | 0x20 == 0x69 { found |= apiKey }
            return found
        case 0x42, 0x62:  // B b: bearer
            return lowerNext == 0x65 && hasPrefixCaseless(text, i, "bearer") ? oauthToken : 0
        case 0x50, 0x70:  // P p: pass, pwd
            if lowerNext == 0x61 { return hasPrefixCaseless(text, i, "pass") ? password : 0 }
            return lowerNext == 0x77 && byte(text, i &+ 2) | 0x20 == 0x64 ? password : 0
        case 0x5F:  // _: _live_, _test_
            guard lowerNext == 0x6C || lowerNext == 0x74 else { return 0 }
            return hasPrefix(text, i, "_live_") || hasPrefix(text, i, "_test_") ? stripeKey : 0
        default: return 0
        }
    }

    /// The byte at `i`, or 0 past the end.
    @inline(__always)
    private static func byte(_ text: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt8 {
        i < text.count ? text[i] : 0
    }

    @inline(__always)
    static func hasPrefix(_ text: UnsafeBufferPointer<UInt8>, _ i: Int, _ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard text.count - i >= n else { return false }
        let p = literal.utf8Start
        for k in 0..<n where text[i + k] != p[k] { return false }
        return true
    }

    /// `literal` is lower-case ASCII.
    @inline(__always)
    static func hasPrefixCaseless(_ text: UnsafeBufferPointer<UInt8>, _ i: Int, _ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard text.count - i >= n else { return false }
        let p = literal.utf8Start
        for k in 0..<n where text[i + k] | 0x20 != p[k] { return false }
        return true
    }
}
