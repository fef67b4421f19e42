/// The one place the server touches the condition engine, so swapping the
/// engine is a one-file change. Conditions are compiled when a breakpoint is
/// written (to reject bad ones with a position) and evaluated on capture.
struct ConditionSyntaxError: Error, Sendable {
    /// Byte offset in the source where the problem was found.
    var offset: Int
    var message: String
}

struct CompiledCondition: Sendable {
    let source: String
    /// True when the official SDKs can evaluate it (the portable subset).
    let isSDKEvaluable: Bool

    static func compile(_ source: String) throws(ConditionSyntaxError) -> CompiledCondition {
        // Placeholder until TraceKitCore's ConditionExpression is merged:
        // only bracket/quote balance is checked here.
        var depth = 0
        var inString = false
        for (offset, byte) in source.utf8.enumerated() {
            if inString {
                if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "("): depth += 1
            case UInt8(ascii: ")"):
                depth -= 1
                if depth < 0 { throw ConditionSyntaxError(offset: offset, message: "unexpected ')'") }
            default: break
            }
        }
        if inString || depth != 0 || source.allSatisfy({ $0 == " " }) {
            throw ConditionSyntaxError(offset: source.utf8.count, message: "unexpected end of expression")
        }
        let serverOnlyMarkers = ["len(", "contains(", "matches", "startsWith(", "endsWith(", "lower(", "upper(", "${", "[", "?"]
        let portable = !serverOnlyMarkers.contains { source.contains($0) }
        return CompiledCondition(source: source, isSDKEvaluable: portable)
    }

    /// Whether the captured variables satisfy the condition; nil when the
    /// evaluation fails (the capture is then kept, as the SDKs do).
    func holds(_ variables: AnyJSON) -> Bool? {
        nil
    }
}
