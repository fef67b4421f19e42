/// What one sanitize pass produced.
public struct SanitizeResult: Sendable {
    /// Valid UTF-8 JSON, at most `max(maxPayload, payload marker)` bytes.
    public var json: [UInt8]
    /// Matched spans replaced plus values redacted by key name or type.
    public var redactions: Int
    /// Depth markers, cut strings and the payload marker.
    public var truncations: Int
    /// One per (path, category), for the snapshot's `security_flags`.
    public var securityFlags: [SecurityFlag]
}

/// docs/PII.md "Security flags".
public struct SecurityFlag: Sendable, Equatable {
    public var category: String
    /// "high" for values matched by a pattern, "medium" for sensitive names.
    public var severity: String
    /// JSON path of the variable, e.g. `user.cards[0].number`.
    public var variable: String
}

/// Invalid JSON input: `offset` is the byte offset where parsing failed.
public struct SanitizeError: Error, Sendable, Equatable {
    public var offset: Int
    public var reason: String

    public var message: String { "invalid JSON at byte offset \(offset): \(reason)" }
}
