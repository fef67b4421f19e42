/// Walks a checked syntax tree over the variables. One evaluator per call:
/// it holds the step budget, nothing else, so evaluation has no side effects.
struct ExpressionEvaluator {
    let variables: JSONValue
    let mode: EvaluationMode
    private var steps = StepBudget()

    init(variables: JSONValue, mode: EvaluationMode) {
        self.variables = variables
        self.mode = mode
    }

    mutating func evaluate(_ node: ExpressionNode) throws(ExpressionError) -> JSONValue {
        try steps.spend(1, at: node.offset)
        switch node {
        case .literal(let value, _):
            return value
        case .variable(let name, _):
            return Self.member(name, of: variables)
        case .member(let base, let name, _):
            return Self.member(name, of: try evaluate(base))
        case .index(let base, let key, let offset):
            try requireServer(offset, "indexing")
            return try Self.index(try evaluate(base), by: try evaluate(key), offset: offset)
        case .unary(let op, let operand, let offset):
            let value = try evaluate(operand)
            switch op {
            case .not: return .bool(!(try Self.boolean(value, for: "!", offset: offset)))
            case .negate: return try ExpressionValues.negate(value, offset: offset)
            }
        case .binary(let op, let lhs, let rhs, let offset):
            return try evaluateBinary(op, lhs, rhs, offset: offset)
        case .call(let function, let arguments, let offset):
            try requireServer(offset, "function \(function.rawValue)()")
            var values: [JSONValue] = []
            for argument in arguments { values.append(try evaluate(argument)) }
            try steps.spend(Self.workUnits(values), at: offset)
            return try BuiltinFunctions.call(function, values, offset: offset)
        }
    }

    private mutating func evaluateBinary(_ op: BinaryOperator, _ lhsNode: ExpressionNode, _ rhsNode: ExpressionNode,
                                         offset: Int) throws(ExpressionError) -> JSONValue {
        // && and || decide on the left operand alone when they can (short-circuit).
        if op == .and || op == .or {
            let lhs = try Self.boolean(try evaluate(lhsNode), for: op.rawValue, offset: offset)
            if op == .and && !lhs { return .bool(false) }
            if op == .or && lhs { return .bool(true) }
            return .bool(try Self.boolean(try evaluate(rhsNode), for: op.rawValue, offset: offset))
        }
        let lhs = try evaluate(lhsNode)
        let rhs = try evaluate(rhsNode)
        switch op {
        case .equal: return .bool(try ExpressionValues.equal(lhs, rhs, steps: &steps, offset: offset))
        case .notEqual: return .bool(!(try ExpressionValues.equal(lhs, rhs, steps: &steps, offset: offset)))
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard let order = try ExpressionValues.order(lhs, rhs, op: op, offset: offset) else { return .bool(false) }
            switch op {
            case .less: return .bool(order < 0)
            case .lessOrEqual: return .bool(order <= 0)
            case .greater: return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        case .in:
            return .bool(try membership(lhs, in: rhs, offset: offset))
        case .matches:
            try requireServer(offset, "'matches'")
            guard case .string(let subject) = lhs, case .string(let pattern) = rhs else {
                throw ExpressionError(offset: offset, message: "'matches' needs a string and a pattern string")
            }
            return .bool(try RegexMatcher.matches(subject, pattern: pattern, offset: offset))
        case .add, .subtract, .multiply, .divide:
            return try ExpressionValues.arithmetic(op, lhs, rhs, offset: offset)
        case .and, .or:
            return .null // handled above
        }
    }

    /// `key in map` (a member key), `x in array` (an element); `in nil` is false.
    private mutating func membership(_ needle: JSONValue, in haystack: JSONValue, offset: Int) throws(ExpressionError) -> Bool {
        switch (needle, haystack) {
        case (_, .null): return false
        case (.string(let key), .object(let members)): return members[key] != nil
        case (_, .array(let items)):
            for item in items where try ExpressionValues.equal(needle, item, steps: &steps, offset: offset) {
                return true
            }
            return false
        default:
            throw ExpressionError(offset: offset, message: "cannot look for \(needle.typeName) in \(haystack.typeName)")
        }
    }

    private func requireServer(_ offset: Int, _ construct: String) throws(ExpressionError) {
        if mode == .sdk {
            throw ExpressionError(offset: offset, message: "\(construct) is unsupported in SDK mode (server-only)")
        }
    }

    // MARK: Value helpers

    /// A member of an object; nil for a missing member or a non-object base
    /// (so a path through null is nil).
    static func member(_ name: String, of base: JSONValue) -> JSONValue {
        guard case .object(let members) = base else { return .null }
        return members[name] ?? .null
    }

    static func index(_ base: JSONValue, by key: JSONValue, offset: Int) throws(ExpressionError) -> JSONValue {
        switch (base, key) {
        case (.null, _): return .null
        case (.object, .string(let name)): return member(name, of: base)
        case (.array(let items), .int(let position)):
            guard position >= 0, position < Int64(items.count) else { return .null }
            return items[Int(position)]
        default:
            throw ExpressionError(offset: offset, message: "cannot index \(base.typeName) with \(key.typeName)")
        }
    }

    static func boolean(_ value: JSONValue, for op: String, offset: Int) throws(ExpressionError) -> Bool {
        guard case .bool(let flag) = value else {
            throw ExpressionError(offset: offset, message: "'\(op)' needs a bool, got \(value.typeName)")
        }
        return flag
    }

    /// Rough work of a function call on these arguments (KiB of string,
    /// container elements), charged to the step budget.
    private static func workUnits(_ values: [JSONValue]) -> Int {
        var units = 0
        for value in values {
            switch value {
            case .string(let text): units += text.utf8.count / 1024
            case .array(let items): units += items.count
            case .object(let members): units += members.count
            default: break
            }
        }
        return units
    }
}
