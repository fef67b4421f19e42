/// Scrubs PII and bounds a JSON document in one pass.
///
/// Immutable and thread-safe: build one per options set and call
/// `sanitize` from any thread. Each call keeps its own scratch state.
public struct Sanitizer: Sendable {
    /// Nesting deeper than this always becomes a depth marker, even with
    /// capture_depth 0: consumers cannot take unbounded nesting (Foundation
    /// stops at 512 levels, Python's json near 1000) and the snapshot
    /// envelope adds a few levels around the variables.
    public static let hardMaxDepth = 256

    let scrubber: Scrubber?
    private(set) var maxDepth: Int
    private(set) var maxPayload: Int
    let maxStringLength: Int

    public init(options: Options) {
        scrubber = options.piiScrubbing ? Scrubber(customPatterns: options.customPatterns) : nil
        maxDepth = options.captureDepth == 0 ? Self.hardMaxDepth : min(options.captureDepth, Self.hardMaxDepth)
        maxPayload = options.maxPayload
        maxStringLength = options.maxStringLength
    }

    /// Overrides from a breakpoint (`max_depth`, `max_payload_bytes`); nil keeps the option.
    public func with(maxDepth depth: Int?, maxPayload payload: Int?) -> Sanitizer {
        var copy = self
        if let depth, depth >= 0 { copy.maxDepth = depth == 0 ? Self.hardMaxDepth : min(depth, Self.hardMaxDepth) }
        if let payload, payload >= 0 { copy.maxPayload = payload }
        return copy
    }

    public func sanitize(_ input: UnsafeBufferPointer<UInt8>) throws(SanitizeError) -> SanitizeResult {
        var pass = SanitizePass(input: input, sanitizer: self)
        try pass.run()
        return pass.finish()
    }

    public func sanitize(_ input: [UInt8]) throws(SanitizeError) -> SanitizeResult {
        do {
            return try input.withUnsafeBufferPointer { buffer throws(SanitizeError) in try sanitize(buffer) }
        } catch { throw error }
    }

    /// The payload marker of docs/PROTOCOL.md "Limits and markers".
    static func payloadMarker(size: Int, max: Int) -> [UInt8] {
        Array("{\"_truncated\":true,\"_payload_size\":\(size),\"_max_payload\":\(max),\"_truncated_by\":\"payload_limit\"}".utf8)
    }
}

/// How a value is written, decided by the key it sits under.
enum ValuePolicy: Equatable {
    case normal
    case sensitive
    case typed(PIICategory)
}
