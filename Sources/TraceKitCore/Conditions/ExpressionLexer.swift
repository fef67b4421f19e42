/// Splits a condition's source into tokens. Works on UTF-8 bytes, so offsets
/// in errors are byte offsets.
struct ExpressionLexer {
    private let bytes: [UInt8]
    private var position = 0

    init(source: String) {
        bytes = Array(source.utf8)
    }

    /// All tokens, ending with `.end`.
    static func tokenize(_ source: String) throws(ExpressionError) -> [ExpressionToken] {
        var lexer = ExpressionLexer(source: source)
        var tokens: [ExpressionToken] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    mutating func next() throws(ExpressionError) -> ExpressionToken {
        skipWhitespace()
        let start = position
        guard let byte = peek() else { return ExpressionToken(kind: .end, offset: start) }
        if isDigit(byte) { return try lexNumber() }
        if isIdentifierStart(byte) { return lexIdentifier() }
        if byte == UInt8(ascii: "\"") { return try lexString() }
        return try lexSymbol()
    }

    // MARK: Symbols

    private static let twoByteSymbols: [(String, ExpressionToken.Symbol)] = [
        ("==", .equal), ("!=", .notEqual), ("<=", .lessOrEqual), (">=", .greaterOrEqual),
        ("&&", .and), ("||", .or),
    ]

    private mutating func lexSymbol() throws(ExpressionError) -> ExpressionToken {
        let start = position
        for (text, symbol) in Self.twoByteSymbols where matches(text) {
            position += 2
            return ExpressionToken(kind: .symbol(symbol), offset: start)
        }
        let byte = bytes[position]
        let single: ExpressionToken.Symbol? = switch byte {
        case UInt8(ascii: "<"): .less
        case UInt8(ascii: ">"): .greater
        case UInt8(ascii: "+"): .plus
        case UInt8(ascii: "-"): .minus
        case UInt8(ascii: "*"): .star
        case UInt8(ascii: "/"): .slash
        case UInt8(ascii: "!"): .not
        case UInt8(ascii: "("): .openParen
        case UInt8(ascii: ")"): .closeParen
        case UInt8(ascii: "["): .openBracket
        case UInt8(ascii: "]"): .closeBracket
        case UInt8(ascii: "."): .dot
        case UInt8(ascii: ","): .comma
        default: nil
        }
        guard let single else { throw unsupportedCharacter(byte, at: start) }
        position += 1
        return ExpressionToken(kind: .symbol(single), offset: start)
    }

    /// Names the constructs of other expression languages that we do not run,
    /// so that the error says why rather than just "unexpected character".
    private func unsupportedCharacter(_ byte: UInt8, at offset: Int) -> ExpressionError {
        let message: String = switch byte {
        case UInt8(ascii: "="): "assignment is not supported (use '==')"
        case UInt8(ascii: "&"), UInt8(ascii: "|"), UInt8(ascii: "^"), UInt8(ascii: "~"):
            "bit operators are not supported"
        case UInt8(ascii: "?"), UInt8(ascii: ":"): "ternary expressions are not supported"
        case UInt8(ascii: "$"): "template substitution is not supported"
        case UInt8(ascii: "'"): "strings use double quotes"
        default: "unexpected character"
        }
        return ExpressionError(offset: offset, message: message)
    }

    private func matches(_ text: String) -> Bool {
        var index = position
        for byte in text.utf8 {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
        }
        return true
    }

    // MARK: Names and numbers

    private mutating func lexIdentifier() -> ExpressionToken {
        let start = position
        while let byte = peek(), isIdentifierStart(byte) || isDigit(byte) { position += 1 }
        let name = String(decoding: bytes[start..<position], as: UTF8.self)
        return ExpressionToken(kind: .identifier(name), offset: start)
    }

    /// `123`, `1.5`, `2e3`, `1.5E-2`. An integer too large for Int64 becomes a
    /// float, as in JSON.
    private mutating func lexNumber() throws(ExpressionError) -> ExpressionToken {
        let start = position
        skipDigits()
        var isInteger = true
        if peek() == UInt8(ascii: "."), position + 1 < bytes.count, isDigit(bytes[position + 1]) {
            isInteger = false
            position += 1
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            guard let byte = peek(), isDigit(byte) else {
                throw ExpressionError(offset: position, message: "expected a digit in the exponent")
            }
            skipDigits()
        }
        if let byte = peek(), isIdentifierStart(byte) {
            throw ExpressionError(offset: position, message: "unexpected character after number")
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if isInteger, let value = Int64(text) {
            return ExpressionToken(kind: .integer(value), offset: start)
        }
        guard let value = Double(text), value.isFinite else {
            throw ExpressionError(offset: start, message: "number out of range")
        }
        return ExpressionToken(kind: .float(value), offset: start)
    }

    // MARK: Strings

    /// A double-quoted literal with JSON escapes, checked here and decoded by
    /// `JSONStringDecoder` (a lone surrogate becomes U+FFFD).
    private mutating func lexString() throws(ExpressionError) -> ExpressionToken {
        let start = position
        position += 1
        let bodyStart = position
        while true {
            guard let byte = peek() else {
                throw ExpressionError(offset: start, message: "unterminated string")
            }
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") { try skipEscape() } else { position += 1 }
        }
        var decoded: [UInt8] = []
        bytes.withUnsafeBufferPointer { all in
            JSONStringDecoder.decode(UnsafeBufferPointer(rebasing: all[bodyStart..<position]), into: &decoded)
        }
        position += 1
        return ExpressionToken(kind: .string(String(decoding: decoded, as: UTF8.self)), offset: start)
    }

    /// On the backslash: checks one escape and moves past it.
    private mutating func skipEscape() throws(ExpressionError) {
        let escapeStart = position
        do throws(JSONStringDecoder.EscapeProblem) {
            position += try bytes.withUnsafeBufferPointer { all throws(JSONStringDecoder.EscapeProblem) in
                try JSONStringDecoder.escapeLength(all, at: escapeStart)
            }
        } catch {
            let message = switch error {
            case .unterminated: "unterminated escape"
            case .badUnicode: "expected four hex digits after \\u"
            case .unknown: "invalid escape sequence"
            }
            throw ExpressionError(offset: escapeStart, message: message)
        }
    }

    // MARK: Cursor

    private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipDigits() {
        while let byte = peek(), isDigit(byte) { position += 1 }
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
            position += 1
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "_")
    }
}
