/// One lexical token of a condition, with its byte offset in the source.
struct ExpressionToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case integer(Int64)
        case float(Double)
        case string(String)
        /// Names, including `true`, `false`, `nil`, `in` and `matches`: the
        /// parser gives them meaning by position, so they stay usable as member names.
        case identifier(String)
        case symbol(Symbol)
        case end
    }

    enum Symbol: String, Sendable {
        case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<="
        case greater = ">", greaterOrEqual = ">="
        case plus = "+", minus = "-", star = "*", slash = "/"
        case and = "&&", or = "||", not = "!"
        case openParen = "(", closeParen = ")", openBracket = "[", closeBracket = "]"
        case dot = ".", comma = ","
    }

    var kind: Kind
    var offset: Int
}
