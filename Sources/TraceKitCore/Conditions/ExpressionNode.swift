/// The syntax tree of a condition. Every node keeps the byte offset of the
/// source construct it came from, for evaluation errors.
indirect enum ExpressionNode: Sendable {
    case literal(JSONValue, offset: Int)
    /// A top-level name, looked up in the variables.
    case variable(String, offset: Int)
    /// `base.name`: nil when base is not an object or has no such member.
    case member(ExpressionNode, name: String, offset: Int)
    /// `base[key]` (server only).
    case index(ExpressionNode, key: ExpressionNode, offset: Int)
    case unary(UnaryOperator, ExpressionNode, offset: Int)
    case binary(BinaryOperator, ExpressionNode, ExpressionNode, offset: Int)
    /// `name(arguments)` (server only).
    case call(BuiltinFunction, [ExpressionNode], offset: Int)

    var offset: Int {
        switch self {
        case .literal(_, let offset), .variable(_, let offset), .member(_, _, let offset),
             .index(_, _, let offset), .unary(_, _, let offset), .binary(_, _, _, let offset),
             .call(_, _, let offset):
            return offset
        }
    }

    var children: [ExpressionNode] {
        switch self {
        case .literal, .variable: return []
        case .member(let base, _, _): return [base]
        case .index(let base, let key, _): return [base, key]
        case .unary(_, let operand, _): return [operand]
        case .binary(_, let lhs, let rhs, _): return [lhs, rhs]
        case .call(_, let arguments, _): return arguments
        }
    }

    /// The longest root-to-leaf path, computed without recursion (the tree is
    /// checked before anything walks it recursively).
    var height: Int {
        var deepest = 0
        var pending: [(ExpressionNode, Int)] = [(self, 1)]
        while let (node, depth) = pending.popLast() {
            deepest = max(deepest, depth)
            for child in node.children { pending.append((child, depth + 1)) }
        }
        return deepest
    }

    /// The offset of the first construct the SDK may not evaluate, if any.
    var firstServerOnlyOffset: Int? {
        switch self {
        case .literal, .variable: return nil
        case .member(let base, _, _): return base.firstServerOnlyOffset
        case .index(_, _, let offset), .call(_, _, let offset): return offset
        case .unary(_, let operand, _): return operand.firstServerOnlyOffset
        case .binary(let op, let lhs, let rhs, let offset):
            if op == .matches { return lhs.firstServerOnlyOffset ?? offset }
            return lhs.firstServerOnlyOffset ?? rhs.firstServerOnlyOffset
        }
    }
}

enum UnaryOperator: Sendable {
    case not, negate
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
}
