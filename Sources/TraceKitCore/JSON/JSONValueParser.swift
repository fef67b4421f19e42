/// Why a JSON document was rejected, and where (byte offset from the start).
public struct JSONParseError: Error, Sendable, Equatable {
    public var offset: Int
    public var message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }
}

extension JSONValue {
    /// Parses one JSON document (RFC 8259, strict grammar).
    ///
    /// - Integers that fit `Int64` become `.int`, other numbers `.double`.
    /// - Invalid UTF-8 and lone surrogate escapes become U+FFFD (the document
    ///   comes from other people's processes; a stray byte must not lose it).
    /// - Containers nested deeper than `maxDepth` are an error. The parser keeps
    ///   its own stack, so no input can overflow the thread's stack.
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 512) throws(JSONParseError) -> JSONValue {
        var parser = JSONByteParser(bytes: bytes, maxDepth: max(0, maxDepth))
        return try parser.parseDocument()
    }

    /// Parses a JSON document held in a `String` (see `parse(_:maxDepth:)`).
    public static func parse(_ text: String, maxDepth: Int = 512) throws(JSONParseError) -> JSONValue {
        var text = text
        let result: Result<JSONValue, JSONParseError> = text.withUTF8 { utf8 in
            do throws(JSONParseError) {
                return .success(try parse(UnsafeRawBufferPointer(utf8), maxDepth: maxDepth))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

/// The parser's state: a cursor over the bytes and an explicit stack of the
/// containers being filled (instead of recursion, so depth costs heap, not stack).
struct JSONByteParser {
    private enum OpenContainer {
        case array([JSONValue])
        case object([String: JSONValue], pendingKey: String)
    }

    private let bytes: UnsafeRawBufferPointer
    private let maxDepth: Int
    private var position = 0

    init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        let value = try parseNestedValue()
        skipWhitespace()
        if position < bytes.count {
            throw error("unexpected data after the JSON value")
        }
        return value
    }

    /// Parses one value, opening and closing containers with an explicit stack.
    private mutating func parseNestedValue() throws(JSONParseError) -> JSONValue {
        var stack: [OpenContainer] = []
        while true {
            // 1. Read the start of a value; open containers are pushed, and we
            //    loop back to read their first element.
            skipWhitespace()
            var value: JSONValue
            switch peek() {
            case UInt8(ascii: "["):
                try checkDepth(stack.count)
                position += 1
                skipWhitespace()
                if peek() == UInt8(ascii: "]") {
                    position += 1
                    value = .array([])
                } else {
                    stack.append(.array([]))
                    continue
                }
            case UInt8(ascii: "{"):
                try checkDepth(stack.count)
                position += 1
                skipWhitespace()
                if peek() == UInt8(ascii: "}") {
                    position += 1
                    value = .object([:])
                } else {
                    let key = try parseMemberKey()
                    stack.append(.object([:], pendingKey: key))
                    continue
                }
            default:
                value = try parseScalar()
            }

            // 2. A value is complete: hand it to the innermost open container,
            //    closing containers for as long as their closing bracket follows.
            while let container = stack.popLast() {
                skipWhitespace()
                switch container {
                case .array(var items):
                    items.append(value)
                    if consume(UInt8(ascii: ",")) {
                        stack.append(.array(items))
                    } else if consume(UInt8(ascii: "]")) {
                        value = .array(items)
                        continue
                    } else {
                        throw error("expected ',' or ']' in array")
                    }
                case .object(var members, let key):
                    members[key] = value
                    if consume(UInt8(ascii: ",")) {
                        skipWhitespace()
                        let nextKey = try parseMemberKey()
                        stack.append(.object(members, pendingKey: nextKey))
                    } else if consume(UInt8(ascii: "}")) {
                        value = .object(members)
                        continue
                    } else {
                        throw error("expected ',' or '}' in object")
                    }
                }
                break
            }
            if stack.isEmpty { return value }
        }
    }

    private func checkDepth(_ openContainers: Int) throws(JSONParseError) {
        if openContainers >= maxDepth {
            throw error("nesting deeper than \(maxDepth)")
        }
    }

    /// `"key" :` — the cursor is on the opening quote.
    private mutating func parseMemberKey() throws(JSONParseError) -> String {
        guard peek() == UInt8(ascii: "\"") else { throw error("expected a string key") }
        let key = try parseString()
        skipWhitespace()
        guard consume(UInt8(ascii: ":")) else { throw error("expected ':' after object key") }
        return key
    }

    private mutating func parseScalar() throws(JSONParseError) -> JSONValue {
        guard let byte = peek() else { throw error("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected character")
        }
    }

    private mutating func expectLiteral(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - position >= count else { throw error("invalid literal") }
        for index in 0..<count where bytes[position + index] != word.utf8Start[index] {
            throw error("invalid literal")
        }
        position += count
    }

    // MARK: Numbers

    /// RFC 8259 number grammar: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`
    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        let negative = consume(UInt8(ascii: "-"))
        guard let first = peek(), isDigit(first) else { throw error("expected a digit") }
        if first == UInt8(ascii: "0") {
            position += 1
            if let next = peek(), isDigit(next) { throw error("leading zeros are not allowed") }
        } else {
            skipDigits()
        }
        var isInteger = true
        if consume(UInt8(ascii: ".")) {
            isInteger = false
            guard let next = peek(), isDigit(next) else { throw error("expected a digit after '.'") }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            guard let next = peek(), isDigit(next) else { throw error("expected a digit in exponent") }
            skipDigits()
        }
        let text = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
        if isInteger, let value = Self.int64(digits: text, negative: negative) {
            return .int(value)
        }
        // The grammar was checked above, so the stdlib's strtod-based parser accepts it.
        guard let value = Double(String(decoding: text, as: UTF8.self)) else {
            throw JSONParseError(offset: start, message: "invalid number")
        }
        return .double(value)
    }

    /// The integer's value when it fits Int64 (accumulated negatively so that
    /// Int64.min fits too), else nil.
    private static func int64(digits text: UnsafeRawBufferPointer, negative: Bool) -> Int64? {
        var value: Int64 = 0
        for byte in text where byte != UInt8(ascii: "-") {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = times10.subtractingReportingOverflow(Int64(byte &- UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            value = next
        }
        if negative { return value }
        let (positive, overflow) = Int64(0).subtractingReportingOverflow(value)
        return overflow ? nil : positive
    }

    private mutating func skipDigits() {
        while let byte = peek(), isDigit(byte) { position += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    // MARK: Strings

    /// The cursor is on the opening quote. The body is checked here and
    /// decoded by `JSONStringDecoder` (shared with the sanitizer): invalid
    /// UTF-8 and lone surrogate escapes become U+FFFD.
    private mutating func parseString() throws(JSONParseError) -> String {
        let start = position
        position += 1
        let bodyStart = position
        var plain = true
        while true {
            guard let byte = peek() else {
                throw JSONParseError(offset: start, message: "unterminated string")
            }
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 {
                throw error("unescaped control character in string")
            }
            if byte == UInt8(ascii: "\\") {
                plain = false
                try skipEscape()
            } else {
                if byte >= 0x80 { plain = false }
                position += 1
            }
        }
        let body = UnsafeBufferPointer(rebasing: bytes.assumingMemoryBound(to: UInt8.self)[bodyStart..<position])
        position += 1
        if plain { return String(decoding: body, as: UTF8.self) }
        var decoded: [UInt8] = []
        JSONStringDecoder.decode(body, into: &decoded)
        return String(decoding: decoded, as: UTF8.self)
    }

    /// The cursor is on the backslash: checks one escape and moves past it.
    private mutating func skipEscape() throws(JSONParseError) {
        let escapeStart = position
        do throws(JSONStringDecoder.EscapeProblem) {
            position += try JSONStringDecoder.escapeLength(bytes.assumingMemoryBound(to: UInt8.self), at: escapeStart)
        } catch {
            position = escapeStart + (error == .unterminated ? 1 : 2)
            switch error {
            case .unterminated: throw self.error("unterminated escape")
            case .badUnicode where bytes.count - position < 4: throw self.error("expected four hex digits after \\u")
            case .badUnicode: throw self.error("invalid hex digit in \\u escape")
            case .unknown: throw JSONParseError(offset: escapeStart, message: "invalid escape sequence")
            }
        }
    }

    // MARK: Cursor

    private func peek() -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        position += 1
        return true
    }

    private mutating func skipWhitespace() {
        while let byte = peek(),
              byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            position += 1
        }
    }

    private func error(_ message: String) -> JSONParseError {
        JSONParseError(offset: position, message: message)
    }
}
