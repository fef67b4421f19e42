/// Endpoint parsing without Foundation: just enough URL to validate a base.
enum EndpointURL {
    /// `http(s)://host[:port][/path]` → the same without a trailing `/v1/traces`
    /// and trailing slashes; nil when it is not such a URL.
    static func base(of value: String) -> String? {
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty, bytes.count <= 2048,
              bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        let lower = value.lowercased()
        let schemeLength: Int
        if lower.hasPrefix("https://") { schemeLength = 8 }
        else if lower.hasPrefix("http://") { schemeLength = 7 }
        else { return nil }
        let rest = bytes[schemeLength...]
        let hostEnd = rest.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) ?? bytes.endIndex
        let authority = bytes[schemeLength..<hostEnd]
        guard !authority.isEmpty, !authority.contains(UInt8(ascii: "@")),
              authority.first != UInt8(ascii: ":") else { return nil }
        if bytes[hostEnd...].contains(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) { return nil }
        var result = value
        while result.hasSuffix("/") { result.removeLast() }
        if result.hasSuffix("/v1/traces") { result.removeLast("/v1/traces".count) }
        while result.hasSuffix("/") { result.removeLast() }
        return result
    }
}
