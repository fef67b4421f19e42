import Synchronization
import TraceKitCore

/// The one place the server touches the condition engine (TraceKitCore's
/// `ConditionExpression`, the same engine the library uses). Conditions are
/// compiled when a breakpoint is written (to reject bad ones with a position)
/// and evaluated in server mode on each capture of a server-only breakpoint.
struct ConditionSyntaxError: Error, Sendable {
    /// Byte offset in the source where the problem was found.
    var offset: Int
    var message: String
}

struct CompiledCondition: Sendable {
    let source: String
    private let expression: ConditionExpression

    /// True when the official SDKs can evaluate it (the portable subset).
    var isSDKEvaluable: Bool { expression.isSDKEvaluable }

    static func compile(_ source: String) throws(ConditionSyntaxError) -> CompiledCondition {
        do {
            return CompiledCondition(source: source, expression: try ConditionExpression(source))
        } catch {
            throw ConditionSyntaxError(offset: error.offset, message: error.message)
        }
    }

    /// Whether the captured variables satisfy the condition; nil when the
    /// evaluation fails (the capture is then kept, as the SDKs do).
    func holds(_ variables: JSONValue) -> Bool? {
        try? expression.holds(variables, mode: .server)
    }
}

/// Compiled conditions by source text, so captures of a server-only
/// breakpoint do not re-parse its condition each time. Bounded: cleared
/// when it reaches `capacity` entries.
final class ConditionCache: Sendable {
    private let entries = Mutex<[String: CompiledCondition]>([:])
    private let capacity: Int

    init(capacity: Int = 1024) { self.capacity = capacity }

    func compiled(_ source: String) -> CompiledCondition? {
        if let hit = entries.withLock({ $0[source] }) { return hit }
        guard let compiled = try? CompiledCondition.compile(source) else { return nil }
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll() }
            entries[source] = compiled
        }
        return compiled
    }
}
