/// A parsed condition (PROTOCOL.md "Conditions"), ready to evaluate any
/// number of times from any thread.
public struct ConditionExpression: Sendable {
    public let source: String
    private let root: ExpressionNode
    /// Where the first server-only construct is, if any.
    private let serverOnlyOffset: Int?

    /// Parses `source`. Errors carry the byte offset in `source`.
    public init(_ source: String) throws(ExpressionError) {
        self.source = source
        root = try ExpressionParser.parse(source)
        serverOnlyOffset = root.firstServerOnlyOffset
    }

    /// False when the condition uses function calls, `matches` or indexing,
    /// which only the server evaluates.
    public var isSDKEvaluable: Bool { serverOnlyOffset == nil }

    /// The condition's value on `variables` (a JSON object of captured variables).
    public func evaluate(_ variables: JSONValue, mode: EvaluationMode = .sdk) throws(ExpressionError) -> JSONValue {
        if mode == .sdk, let serverOnlyOffset {
            throw ExpressionError(offset: serverOnlyOffset, message: "unsupported in SDK mode: server-only construct")
        }
        var evaluator = ExpressionEvaluator(variables: variables, mode: mode)
        return try evaluator.evaluate(root)
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
