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

    /// Byte classes inside a digit run (where separators such as the
    /// spaces of `4111 1111 1111 1111` matter) and outside one (where only
    /// `-`, for `-----BEGIN`, does: text's spaces stay in the fast loop).
    /// Allocated once for the process (never freed). `nonisolated(unsafe)`:
    /// written once during lazy initialisation, only read afterwards; a raw
    /// table avoids Array access overhead per string.
    nonisolated(unsafe) private static let inRunClass = makeTable(separators: " -.()+")
    nonisolated(unsafe) private static let outsideRunClass = makeTable(separators: "-")

    /// Keyword shapes are found at rare bytes: `@`; `J` of `eyJ`; `K`, `S`
    /// of `AKIA`/`ASIA`; `w` of `aws`; `p` of `api`, `pass`, `pwd`; `b` of
    /// `bearer`; `_` of `_live_`/`_test_`. Common letters (`a`, `e`) would
    /// leave the fast loop far more often.
    private static func makeTable(separators: String) -> UnsafeBufferPointer<UInt8> {
        let table = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 256)
        for value in 0..<256 {
            let b = UInt8(value)
            if b >= 0x30 && b <= 0x39 {
                table[value] = digit
            } else if separators.utf8.contains(b) {
                table[value] = separator
            } else if "@JKSWwBbPp_".utf8.contains(b) {
                table[value] = keyword
            } else {
                table[value] = boring
            }
        }
        return UnsafeBufferPointer(table)
    }

    static func candidates(in text: UnsafeBufferPointer<UInt8>) -> UInt16 {
        candidates(in: text, inRun: inRunClass, outsideRun: outsideRunClass)
    }

    private static func candidates(in text: UnsafeBufferPointer<UInt8>, inRun: UnsafeBufferPointer<UInt8>,
                                   outsideRun: UnsafeBufferPointer<UInt8>) -> UInt16 {
        var mask: UInt16 = 0
        var runDigits = 0
        var separatorsInRow = 0
        let count = text.count
        var i = 0
        while i < count {
            let b = text[i]
            let kind = (runDigits == 0 ? outsideRun : inRun)[Int(b)]
            i &+= 1
            if kind == boring {
                runDigits = 0
                separatorsInRow = 0
                // Most bytes are boring: skip runs of them in a tight loop.
                while i < count, outsideRun[Int(text[i])] == boring { i &+= 1 }
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

    /// Keyword shapes, checked at the rare byte of each (see `makeTable`),
    /// first on the neighbouring byte so that most hits cost a compare.
    @inline(__always)
    private static func keywordShape(_ text: UnsafeBufferPointer<UInt8>, _ i: Int, _ b: UInt8) -> UInt16 {
        let next = byte(text, i &+ 1), lowerNext = next | 0x20
        let previous = i > 0 ? text[i &- 1] : 0, lowerPrevious = previous | 0x20
        switch b {
        case 0x40: return email  // @
        case 0x4A:  // J: eyJ
            return previous == 0x79 && i >= 2 && text[i &- 2] == 0x65 ? jwt : 0
        case 0x4B, 0x53:  // K S: AKIA, ASIA
            return previous == 0x41 && (hasPrefix(text, i &- 1, "AKIA") || hasPrefix(text, i &- 1, "ASIA"))
                ? awsKey : 0
        case 0x57, 0x77:  // W w: aws
            return lowerPrevious == 0x61 && lowerNext == 0x73 ? awsSecret : 0
        case 0x42, 0x62:  // B b: bearer
            return lowerNext == 0x65 && hasPrefixCaseless(text, i, "bearer") ? oauthToken : 0
        case 0x50, 0x70:  // P p: api, pass, pwd
            if lowerPrevious == 0x61 && lowerNext == 0x69 { return apiKey }
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
