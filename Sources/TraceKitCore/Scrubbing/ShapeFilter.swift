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

    /// Separators that may sit inside a phone, card or SSN digit run.
    @inline(__always)
    private static func isDigitRunSeparator(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x2D || b == 0x2E || b == 0x28 || b == 0x29 || b == 0x2B
    }

    static func candidates(in text: UnsafeBufferPointer<UInt8>) -> UInt16 {
        var mask: UInt16 = 0
        var runDigits = 0
        var separatorsInRow = 0
        let count = text.count
        var i = 0
        while i < count {
            let b = text[i]
            if b &- 0x30 < 10 {
                runDigits &+= 1
                separatorsInRow = 0
                if runDigits >= 8 {
                    mask |= phone
                    if runDigits >= 9 { mask |= ssn }
                    if runDigits >= 13 { mask |= creditCard }
                }
            } else if isDigitRunSeparator(b) {
                separatorsInRow &+= 1
                if separatorsInRow > 2 { runDigits = 0 }
                if b == 0x2D, hasPrefix(text, i, "-----BEGIN") { mask |= privateKey }
            } else {
                runDigits = 0
                separatorsInRow = 0
                mask |= keywordShape(text, i, b)
            }
            i &+= 1
        }
        return mask
    }

    /// Keyword shapes start at letters, `@` and `_`; checked only at those bytes.
    @inline(__always)
    private static func keywordShape(_ text: UnsafeBufferPointer<UInt8>, _ i: Int, _ b: UInt8) -> UInt16 {
        switch b {
        case 0x40: return email  // @
        case 0x41:  // A
            if hasPrefix(text, i, "AKIA") || hasPrefix(text, i, "ASIA") { return awsKey }
            return letterA(text, i)
        case 0x61: return letterA(text, i)  // a
        case 0x42, 0x62:  // B b
            return hasPrefixCaseless(text, i, "bearer") ? oauthToken : 0
        case 0x50, 0x70:  // P p
            return hasPrefixCaseless(text, i, "pass") || hasPrefixCaseless(text, i, "pwd") ? password : 0
        case 0x65: return hasPrefix(text, i, "eyJ") ? jwt : 0  // e
        case 0x5F:  // _
            return hasPrefix(text, i, "_live_") || hasPrefix(text, i, "_test_") ? stripeKey : 0
        default: return 0
        }
    }

    @inline(__always)
    private static func letterA(_ text: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt16 {
        if hasPrefixCaseless(text, i, "aws") { return awsSecret }
        if hasPrefixCaseless(text, i, "api") { return apiKey }
        return 0
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
