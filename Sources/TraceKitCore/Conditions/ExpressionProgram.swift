/// A parsed condition, compiled to postfix instructions for a small stack
/// machine. Evaluation is a loop over this array, so no expression — however
/// long its operator chains — can make evaluation recurse deeply on the
/// caller's thread (conditions run on other people's threads, with stacks
/// of unknown size).
struct ExpressionProgram: Sendable {
    var instructions: [Instruction] = []
    /// Offset of the first construct only the server may evaluate, if any.
    var serverOnlyOffset: Int?
}

/// One step of the stack machine. Each carries the byte offset of its source
/// construct, for errors.
enum Instruction: Sendable {
    /// Push a literal.
    case push(JSONValue, offset: Int)
    /// Push a top-level variable (nil when missing).
    case loadVariable(String, offset: Int)
    /// Replace the top value by its member `name` (nil when missing or not an object).
    case member(String, offset: Int)
    /// Pop key and base, push `base[key]` (server only).
    case index(offset: Int)
    /// Apply a prefix operator to the top value.
    case unary(UnaryOperator, offset: Int)
    /// Pop rhs and lhs, push `lhs op rhs` (not `&&`/`||`, which use the jumps).
    case binary(BinaryOperator, offset: Int)
    /// Pop `argumentCount` arguments, push the function's result (server only).
    case call(BuiltinFunction, argumentCount: Int, offset: Int)
    /// `&&` after its left operand: pop it (must be a bool); when false, push
    /// false and continue at `target`, skipping the right operand.
    case jumpIfFalse(target: Int, offset: Int)
    /// `||` after its left operand: when true, push true and continue at `target`.
    case jumpIfTrue(target: Int, offset: Int)
    /// After the right operand of `&&`/`||`: it must be a bool.
    case requireBool(BinaryOperator, offset: Int)

    var offset: Int {
        switch self {
        case .push(_, let offset), .loadVariable(_, let offset), .member(_, let offset), .index(let offset),
             .unary(_, let offset), .binary(_, let offset), .call(_, _, let offset),
             .jumpIfFalse(_, let offset), .jumpIfTrue(_, let offset), .requireBool(_, let offset):
            return offset
        }
    }
}

enum UnaryOperator: Sendable {
    case not, negate

    var symbol: String { self == .not ? "!" : "-" }
}

enum BinaryOperator: String, Sendable {
    case or = "||", and = "&&"
    case equal = "==", notEqual = "!="
    case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case `in` = "in", matches = "matches"
    case add = "+", subtract = "-", multiply = "*", divide = "/"

    /// Binding power: higher binds tighter. All binary operators are left-associative.
    var precedence: Int {
        switch self {
        case .or: return 1
        case .and: return 2
        case .equal, .notEqual: return 3
        case .less, .lessOrEqual, .greater, .greaterOrEqual, .in, .matches: return 4
        case .add, .subtract: return 5
        case .multiply, .divide: return 6
        }
    }

    /// Prefix operators bind tighter than every binary operator.
    static let prefixPrecedence = 7
}
