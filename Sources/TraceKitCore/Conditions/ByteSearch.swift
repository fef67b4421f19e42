/// Substring search in linear time (Knuth–Morris–Pratt), so `contains` on
/// long inputs cannot become quadratic.
enum ByteSearch {
    static func contains(_ text: [UInt8], _ pattern: [UInt8]) -> Bool {
        if pattern.isEmpty { return true }
        if pattern.count > text.count { return false }
        var failure = [Int](repeating: 0, count: pattern.count)
        var matched = 0
        for index in 1..<max(pattern.count, 1) {
            while matched > 0 && pattern[index] != pattern[matched] { matched = failure[matched - 1] }
            if pattern[index] == pattern[matched] { matched += 1 }
            failure[index] = matched
        }
        matched = 0
        for byte in text {
            while matched > 0 && byte != pattern[matched] { matched = failure[matched - 1] }
            if byte == pattern[matched] { matched += 1 }
            if matched == pattern.count { return true }
        }
        return false
    }
}
