/// Where a condition is evaluated. The SDK evaluates only the portable subset
/// (docs/PROTOCOL.md "Conditions"); the server also allows the bounded extras
/// (function calls, `matches`, indexing).
public enum EvaluationMode: Sendable {
    case sdk
    case server
}

/// A condition that could not be parsed or evaluated. `offset` is the byte
/// offset in the expression's source (UTF-8) of the construct at fault.
public struct ExpressionError: Error, Sendable, Equatable {
    public var offset: Int
    public var message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }
}
