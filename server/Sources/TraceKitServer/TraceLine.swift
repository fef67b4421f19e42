/// One line of a stack trace as UTF-8 bytes, with the few scans the frame
/// formats of `StackTraceParser` need. Every operation is a single forward or
/// backward pass looking for a short fixed pattern, so recognising a format
/// costs O(line length) whatever the text (no backtracking over input).
/// Positions are indices into `bytes`, from `start` to `end`.
struct TraceLine {
    let bytes: ArraySlice<UInt8>

    var start: Int { bytes.startIndex }
    var end: Int { bytes.endIndex }

    subscript(index: Int) -> UInt8 { bytes[index] }

    /// Whether `pattern` occurs at `index`.
    func has(_ pattern: [UInt8], at index: Int) -> Bool {
        guard index >= start, index <= end, pattern.count <= end - index else { return false }
        var offset = 0
        while offset < pattern.count {
            if bytes[index + offset] != pattern[offset] { return false }
            offset += 1
        }
        return true
    }

    /// The index just past `pattern` when it occurs at `index`.
    func skip(_ pattern: [UInt8], at index: Int) -> Int? {
        has(pattern, at: index) ? index + pattern.count : nil
    }

    /// The first start of `pattern` in `from..<before` (the pattern may run past `before`).
    func first(_ pattern: [UInt8], from: Int, before: Int? = nil) -> Int? {
        var index = max(from, start)
        let limit = min(before ?? end, end)
        while index < limit {
            if has(pattern, at: index) { return index }
            index += 1
        }
        return nil
    }

    /// The last start of `pattern` in `from..<before`.
    func last(_ pattern: [UInt8], from: Int, before: Int) -> Int? {
        var index = min(before, end) - 1
        let lower = max(from, start)
        while index >= lower {
            if has(pattern, at: index) { return index }
            index -= 1
        }
        return nil
    }

    /// The first index at or after `from` whose byte is not in the class.
    func span(from: Int, _ isMember: (UInt8) -> Bool) -> Int {
        var index = max(from, start)
        while index < end, isMember(bytes[index]) { index += 1 }
        return index
    }

    /// The start of the run of class members that ends just before `before`.
    func spanBack(before: Int, _ isMember: (UInt8) -> Bool) -> Int {
        var index = min(before, end)
        while index > start, isMember(bytes[index - 1]) { index -= 1 }
        return index
    }

    /// Whether every byte of `from..<to` is in the class (true when empty).
    func all(_ from: Int, _ to: Int, _ isMember: (UInt8) -> Bool) -> Bool {
        span(from: from, isMember) >= to
    }

    func text(_ from: Int, _ to: Int) -> String {
        guard from < to else { return "" }
        return String(decoding: bytes[from..<to], as: UTF8.self)
    }

    /// A run of decimal digits as a line number, saturating instead of overflowing.
    func number(_ from: Int, _ to: Int) -> Int {
        var value = 0
        for index in from..<max(from, to) {
            value = min(value * 10 + Int(bytes[index] &- 48), Int(Int32.max))
        }
        return value
    }

    /// The `:LINE` or `:LINE:COLUMN` that ends the line, with the path before
    /// it as short as possible (so `a.c:4:2` is line 4, column 2).
    /// Returns where the path must end and the line number's digits, trying
    /// the column form first; `pathStart` is where the path begins.
    func lineSuffix(pathStart: Int) -> (pathEnd: Int, digits: Range<Int>)? {
        let lastDigits = spanBack(before: end, Byte.isDigit)
        guard lastDigits < end, lastDigits - 1 > pathStart, bytes[lastDigits - 1] == Byte.colon else { return nil }
        let colon = lastDigits - 1
        let lineDigits = spanBack(before: colon, Byte.isDigit)
        if lineDigits < colon, lineDigits - 1 > pathStart, bytes[lineDigits - 1] == Byte.colon {
            return (lineDigits - 1, lineDigits..<colon)
        }
        return (colon, lastDigits..<end)
    }
}

/// Byte classes (ASCII; any byte of a multi-byte UTF-8 character counts as a word byte).
enum Byte {
    static let colon = UInt8(ascii: ":")
    static let quote = UInt8(ascii: "'")
    static let backtick = UInt8(ascii: "`")
    static let openParen = UInt8(ascii: "(")
    static let closeParen = UInt8(ascii: ")")

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }
    static func isHex(_ byte: UInt8) -> Bool { isDigit(byte) || (byte | 0x20 >= 97 && byte | 0x20 <= 102) }
    static func isSpace(_ byte: UInt8) -> Bool { byte == 32 || (byte >= 9 && byte <= 13) }
    static func isNotSpace(_ byte: UInt8) -> Bool { !isSpace(byte) }
    static func isWord(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= 97 && byte | 0x20 <= 122) || byte == 95 || byte >= 0x80
    }
}

