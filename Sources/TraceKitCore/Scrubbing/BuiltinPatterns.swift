/// The 12 built-in value patterns (rule 13, sensitive key names, lives in
/// `KeyClassifier`). PCRE2 syntax; `\K` starts the redacted span after a label
/// so `password=hunter22` keeps `password=`.
struct BuiltinPattern: Sendable {
    let category: PIICategory
    let source: String
    let caseless: Bool
    /// Rejects a regex match that is not the real thing (Luhn, SSN rules).
    let validate: @Sendable (UnsafeBufferPointer<UInt8>) -> Bool

    init(_ category: PIICategory, _ source: String, caseless: Bool = false,
         validate: @escaping @Sendable (UnsafeBufferPointer<UInt8>) -> Bool = { _ in true }) {
        self.category = category
        self.source = source
        self.caseless = caseless
        self.validate = validate
    }
}

enum BuiltinPatterns {
    static let all: [BuiltinPattern] = [
        BuiltinPattern(.email,
            #"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])"#),
        BuiltinPattern(.ssn, #"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])"#, validate: Validators.isValidSSN),
        BuiltinPattern(.creditCard,
            #"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])"#, validate: Validators.isPlausibleCard),
        BuiltinPattern(.phone,
            #"(?<![\w+.-])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]\d{2,4}){1,4}|(?:\+?1[ .-])?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4})(?![\w-]|\.\d)"#,
            validate: Validators.isPlausiblePhone),
        BuiltinPattern(.awsKey, #"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"#),
        // Between the words: any of `_ - . /`, spaces or word characters, so
        // `aws.secret=` and `aws/secret_access_key:` match like `aws_secret=`.
        BuiltinPattern(.awsSecret,
            #"\baws[\w \t./-]{0,24}?secret[\w \t./-]{0,24}?["']?[ \t]*[:=][ \t]*["']?\K[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"#,
            caseless: true),
        BuiltinPattern(.oauthToken, #"\bbearer[ \t]+[A-Za-z0-9\-._~+/]{20,}=*"#, caseless: true),
        BuiltinPattern(.stripeKey, #"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}"#),
        BuiltinPattern(.password,
            #"\b(?:password|passwd|pwd)["']?[ \t]*[=:][ \t]*\K(?:"[^"]*"|'[^']*'|[^\s,;"':=][^\s,;"']*)"#, caseless: true),
        BuiltinPattern(.jwt, #"\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"#),
        BuiltinPattern(.privateKey,
            #"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----(?:[\s\S]*?-----END (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----|[\s\S]*)"#),
        BuiltinPattern(.apiKey,
            #"\bapi[_-]?key\b["']?[ \t]*[:=]?[ \t]*["']?\K[A-Za-z0-9_\-.]{20,}"#, caseless: true),
    ]
}

/// Checks the regexes cannot express.
enum Validators {
    /// SSA rules: area not 000, 666 or 9xx; group not 00; serial not 0000.
    static func isValidSSN(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        let digits = text.filter { $0 >= 0x30 && $0 <= 0x39 }.map { Int($0) - 0x30 }
        guard digits.count == 9 else { return false }
        let area = digits[0] * 100 + digits[1] * 10 + digits[2]
        let group = digits[3] * 10 + digits[4]
        let serial = digits[5] * 1000 + digits[6] * 100 + digits[7] * 10 + digits[8]
        return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
    }

    /// Luhn, and card-like grouping: no separators, or one separator kind in
    /// groups of 4 (last 1–4), or the 4-6-4/4-6-5 Amex/Diners layout.
    /// Allocation-free: it runs on the capture path for every card-shaped match.
    static func isPlausibleCard(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var digitCount = 0
        for byte in text where isDigit(byte) { digitCount += 1 }
        guard digitCount >= 13, digitCount <= 19 else { return false }
        var sum = 0, digitsSeen = 0
        var separator: UInt8 = 0
        // Groups are the digit runs between separators: the closed ones
        // (the first two kept for the Amex layout) and the one being read.
        var closedGroups = 0, firstGroup = 0, secondGroup = 0, current = 0
        var closedGroupsAllFour = true
        for byte in text {
            if isDigit(byte) {
                var digit = Int(byte &- 0x30)
                // Luhn doubles every second digit counted from the right.
                if (digitCount - 1 - digitsSeen) % 2 == 1 { digit *= 2; if digit > 9 { digit -= 9 } }
                sum += digit
                digitsSeen += 1
                current += 1
            } else {
                if separator != 0 && separator != byte { return false }
                separator = byte
                if closedGroups == 0 { firstGroup = current } else if closedGroups == 1 { secondGroup = current }
                if current != 4 { closedGroupsAllFour = false }
                closedGroups += 1
                current = 0
            }
        }
        guard sum % 10 == 0 else { return false }
        if closedGroups == 0 { return true }
        if closedGroups == 2, firstGroup == 4, secondGroup == 6, current == 4 || current == 5 { return true }
        return closedGroupsAllFour && (1...4).contains(current)
    }

    @inline(__always) private static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    /// 8 to 15 digits (E.164 allows at most 15).
    static func isPlausiblePhone(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        let digits = text.reduce(0) { $0 + (($1 >= 0x30 && $1 <= 0x39) ? 1 : 0) }
        return digits >= 8 && digits <= 15
    }
}
