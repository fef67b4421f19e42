/// A parsed condition (docs/PROTOCOL.md "Conditions"), ready to evaluate any
/// number of times from any thread.
public struct ConditionExpression: Sendable {
    public let source: String
    private let program: ExpressionProgram

    /// Parses `source`. Errors carry the byte offset in `source`.
    public init(_ source: String) throws(ExpressionError) {
        self.source = source
        program = try ExpressionParser.parse(source)
    }

    /// False when the condition uses function calls, `matches` or indexing,
    /// which only the server evaluates.
    public var isSDKEvaluable: Bool { program.serverOnlyOffset == nil }

    /// The condition's value on `variables` (a JSON object of captured variables).
    public func evaluate(_ variables: JSONValue, mode: EvaluationMode = .sdk) throws(ExpressionError) -> JSONValue {
        if mode == .sdk, let serverOnlyOffset = program.serverOnlyOffset {
            throw ExpressionError(offset: serverOnlyOffset, message: "unsupported in SDK mode: server-only construct")
        }
        var evaluator = ExpressionEvaluator(variables: variables, mode: mode)
        return try evaluator.run(program)
    }

    /// Whether the condition holds; a non-boolean result is an error.
    public func holds(_ variables: JSONValue, mode: EvaluationMode = .sdk) throws(ExpressionError) -> Bool {
        let value = try evaluate(variables, mode: mode)
        guard case .bool(let flag) = value else {
            throw ExpressionError(offset: 0, message: "condition is not a boolean (got \(value.typeName))")
        }
        return flag
    }
}
