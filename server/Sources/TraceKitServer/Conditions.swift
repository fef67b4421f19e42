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
    func holds(_ variables: AnyJSON) -> Bool? {
        try? expression.holds(variables.engineValue, mode: .server)
    }
}

extension AnyJSON {
    /// The same value as the engine's JSON type.
    var engineValue: JSONValue {
        switch self {
        case .null: .null
        case .bool(let value): .bool(value)
        case .int(let value): .int(value)
        case .double(let value): .double(value)
        case .string(let value): .string(value)
        case .array(let items): .array(items.map(\.engineValue))
        case .object(let members): .object(members.mapValues(\.engineValue))
        }
    }
}
