/// Runs a compiled condition (a postfix program) on the variables with a value
/// stack: a loop, not recursion. One evaluator per call: it holds only the
/// step budget and the stack, so evaluation has no side effects.
struct ExpressionEvaluator {
    let variables: JSONValue
    let mode: EvaluationMode
    private var steps = StepBudget()
    private var stack: [JSONValue] = []

    init(variables: JSONValue, mode: EvaluationMode) {
        self.variables = variables
        self.mode = mode
    }

    /// Runs the program; its result is the one value left on the stack.
    mutating func run(_ program: ExpressionProgram) throws(ExpressionError) -> JSONValue {
        let instructions = program.instructions
        var next = 0
        while next < instructions.count {
            let instruction = instructions[next]
            next += 1
            try steps.spend(1, at: instruction.offset)
            if let target = try execute(instruction) {
                // Jumps only go forward within the program (the parser patches them).
                guard target >= next, target <= instructions.count else {
                    throw ExpressionError(offset: instruction.offset, message: "internal error: bad jump")
                }
                next = target
            }
        }
        return try pop(at: 0)
    }

    /// Executes one instruction; returns the jump target when it jumps.
    private mutating func execute(_ instruction: Instruction) throws(ExpressionError) -> Int? {
        switch instruction {
        case .push(let value, _):
            stack.append(value)
        case .loadVariable(let name, _):
            stack.append(Self.member(name, of: variables))
        case .member(let name, let offset):
            stack.append(Self.member(name, of: try pop(at: offset)))
        case .index(let offset):
            try requireServer(offset, "indexing")
            let key = try pop(at: offset)
            stack.append(try Self.index(try pop(at: offset), by: key, offset: offset))
        case .unary(let op, let offset):
            let value = try pop(at: offset)
            switch op {
            case .not: stack.append(.bool(!(try Self.boolean(value, for: op.symbol, offset: offset))))
            case .negate: stack.append(try ExpressionValues.negate(value, offset: offset))
            }
        case .binary(let op, let offset):
            let rhs = try pop(at: offset)
            let lhs = try pop(at: offset)
            stack.append(try evaluateBinary(op, lhs, rhs, offset: offset))
        case .call(let function, let argumentCount, let offset):
            try requireServer(offset, "function \(function.rawValue)()")
            var arguments: [JSONValue] = []
            for _ in 0..<argumentCount { arguments.append(try pop(at: offset)) }
            arguments.reverse()
            try steps.spend(Self.workUnits(arguments), at: offset)
            stack.append(try BuiltinFunctions.call(function, arguments, offset: offset))
        case .jumpIfFalse(let target, let offset):
            // `&&`: a false left operand decides, and the right one is skipped.
            if !(try Self.boolean(try pop(at: offset), for: "&&", offset: offset)) {
                stack.append(.bool(false))
                return target
            }
        case .jumpIfTrue(let target, let offset):
            if try Self.boolean(try pop(at: offset), for: "||", offset: offset) {
                stack.append(.bool(true))
                return target
            }
        case .requireBool(let op, let offset):
            stack.append(.bool(try Self.boolean(try pop(at: offset), for: op.rawValue, offset: offset)))
        }
        return nil
    }

    private mutating func pop(at offset: Int) throws(ExpressionError) -> JSONValue {
        // The parser only emits balanced programs; this guards the invariant without trapping.
        guard let value = stack.popLast() else {
            throw ExpressionError(offset: offset, message: "internal error: malformed expression program")
        }
        return value
    }

    private mutating func evaluateBinary(_ op: BinaryOperator, _ lhs: JSONValue, _ rhs: JSONValue,
                                         offset: Int) throws(ExpressionError) -> JSONValue {
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
            // Compiled to jumps and requireBool; never a plain binary instruction.
            throw ExpressionError(offset: offset, message: "internal error: '\(op.rawValue)' without short-circuit")
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
