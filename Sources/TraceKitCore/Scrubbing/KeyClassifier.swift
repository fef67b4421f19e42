/// Rule 13 and typed keys: what a key *name* says about its value.
///
/// Keys are split into words (snake_case, kebab-case, camelCase, acronyms:
/// `clientSecret` → client, secret; `APIKey` → api, key) and words are
/// compared whole, so `monkey`, `tokenizer` and `keyboard_layout` are not
/// sensitive. Allocation-free: keys are classified on the capture path.
package enum KeyClass: Equatable, Sendable {
    case plain
    /// The value is redacted whole as `[REDACTED:sensitive_name]`.
    case sensitive
    /// The value is redacted as this type even when it would not match alone.
    case typed(PIICategory)
}

package enum KeyClassifier {
    package static func classify(_ key: UnsafeBufferPointer<UInt8>) -> KeyClass {
        var previous: Range<Int>? = nil
        var last: Range<Int>? = nil
        var sensitive = false
        forEachWord(key) { word in
            if isSensitiveWord(key, word) { sensitive = true }
            if let p = last, equals(key, p, "api"), equals(key, word, "key") { sensitive = true }
            previous = last
            last = word
        }
        if sensitive { return .sensitive }
        guard let last else { return .plain }
        if let type = typedCategory(key, previous, last) { return .typed(type) }
        return .plain
    }

    private static func isSensitiveWord(_ key: UnsafeBufferPointer<UInt8>, _ w: Range<Int>) -> Bool {
        switch w.count {
        case 3: return equals(key, w, "pwd") || equals(key, w, "key")
        case 4: return equals(key, w, "keys")
        case 5: return equals(key, w, "token")
        case 6: return equals(key, w, "passwd") || equals(key, w, "secret") || equals(key, w, "tokens")
            || equals(key, w, "apikey") || equals(key, w, "cookie")
        case 7: return equals(key, w, "secrets") || equals(key, w, "private") || equals(key, w, "session")
            || equals(key, w, "cookies")
        case 8: return equals(key, w, "password") || equals(key, w, "sessions")
        case 9: return equals(key, w, "passwords")
        case 10: return equals(key, w, "credential") || equals(key, w, "passphrase")
        case 11: return equals(key, w, "credentials")
        case 13: return equals(key, w, "authorization")
        default: return false
        }
    }

    private static func typedCategory(_ key: UnsafeBufferPointer<UInt8>, _ previous: Range<Int>?,
                                      _ last: Range<Int>) -> PIICategory? {
        if equals(key, last, "email") || equals(key, last, "ssn") || equals(key, last, "phone") {
            return equals(key, last, "email") ? .email : equals(key, last, "ssn") ? .ssn : .phone
        }
        guard let previous else { return nil }
        if equals(key, last, "address"), equals(key, previous, "email") { return .email }
        if equals(key, last, "number") {
            if equals(key, previous, "phone") || equals(key, previous, "mobile") { return .phone }
            if equals(key, previous, "card") || equals(key, previous, "cc") { return .creditCard }
        }
        if equals(key, last, "card"), equals(key, previous, "credit") { return .creditCard }
        return nil
    }

    /// Calls `body` with each word's byte range. A word is a run of letters
    /// or a run of digits; an upper-case letter after a lower-case one starts
    /// a new word, and so does the last capital of an acronym before a
    /// lower-case letter (`APIKey` → `API`, `Key`).
    static func forEachWord(_ key: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        var start = -1
        var i = 0
        let n = key.count
        while i < n {
            let b = key[i]
            let kind = charKind(b)
            if kind == 0 {
                if start >= 0 { body(start..<i); start = -1 }
            } else if start < 0 {
                start = i
            } else {
                let prevKind = charKind(key[i - 1])
                let boundary =
                    (prevKind != kind && (prevKind == 3 || kind == 3))  // digits vs letters
                    || (prevKind == 1 && kind == 2)  // lower → Upper
                    || (prevKind == 2 && kind == 2 && i + 1 < n && charKind(key[i + 1]) == 1)  // ACRONYMWord
                if boundary { body(start..<i); start = i }
            }
            i += 1
        }
        if start >= 0 { body(start..<n) }
    }

    /// 1 lower-case, 2 upper-case, 3 digit, 0 separator (anything else).
    @inline(__always)
    private static func charKind(_ b: UInt8) -> Int {
        if b >= 0x61 && b <= 0x7A { return 1 }
        if b >= 0x41 && b <= 0x5A { return 2 }
        if b >= 0x30 && b <= 0x39 { return 3 }
        return 0
    }

    /// Case-insensitive whole-word comparison with a lower-case literal.
    @inline(__always)
    static func equals(_ key: UnsafeBufferPointer<UInt8>, _ w: Range<Int>, _ literal: StaticString) -> Bool {
        guard w.count == literal.utf8CodeUnitCount else { return false }
        let p = literal.utf8Start
        var k = 0
        for i in w {
            if key[i] | 0x20 != p[k] { return false }
            k += 1
        }
        return true
    }
}
