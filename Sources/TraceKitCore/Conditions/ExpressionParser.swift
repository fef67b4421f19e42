/// Compiles a condition's tokens to a postfix `ExpressionProgram` with the
/// shunting-yard algorithm: pending operators and open brackets live on an
/// explicit stack, so parsing does not recurse either. The sandbox's size,
/// node and nesting limits are enforced as it goes.
struct ExpressionParser {
    /// What waits on the operator stack for its operands to be complete.
    private enum Pending {
        /// `jump` is the index of the `&&`/`||` short-circuit jump to patch.
        case binary(BinaryOperator, offset: Int, jump: Int?)
        case unary(UnaryOperator, offset: Int)
        /// An open `(`.
        case group(offset: Int)
        /// An open `name(`; `arguments` counts the ones already complete.
        case call(BuiltinFunction, offset: Int, arguments: Int)
        /// An open `[`.
        case index(offset: Int)

        var offset: Int {
            switch self {
            case .binary(_, let offset, _), .unary(_, let offset), .group(let offset),
                 .call(_, let offset, _), .index(let offset):
                return offset
            }
        }

        var isOperator: Bool {
            switch self {
            case .binary, .unary: return true
            case .group, .call, .index: return false
            }
        }
    }

    private let tokens: [ExpressionToken]
    private var position = 0
    private var pending: [Pending] = []
    private var program = ExpressionProgram()
    private var nodeCount = 0
    private var nesting = 0

    static func parse(_ source: String) throws(ExpressionError) -> ExpressionProgram {
        guard source.utf8.count <= ExpressionLimits.maxSourceBytes else {
            throw ExpressionError(offset: ExpressionLimits.maxSourceBytes,
                                  message: "expression longer than \(ExpressionLimits.maxSourceBytes) bytes")
        }
        var parser = ExpressionParser(tokens: try ExpressionLexer.tokenize(source))
        try parser.run()
        return parser.program
    }

    private init(tokens: [ExpressionToken]) {
        self.tokens = tokens
    }

    /// Alternates between reading an operand (with its prefix operators) and
    /// reading what may follow a complete operand.
    private mutating func run() throws(ExpressionError) {
        var expectingOperand = true
        while true {
            if expectingOperand {
                expectingOperand = try !readOperand()
                continue
            }
            let token = current
            switch token.kind {
            case .end:
                try finish(at: token.offset)
                return
            case .symbol(.dot):
                position += 1
                guard case .identifier(let name) = current.kind else {
                    throw ExpressionError(offset: current.offset, message: "expected a member name after '.'")
                }
                position += 1
                try emit(.member(name, offset: token.offset))
            case .symbol(.openBracket):
                position += 1
                try open(.index(offset: token.offset))
                expectingOperand = true
            case .symbol(.closeParen):
                position += 1
                try closeParenthesis(at: token.offset)
            case .symbol(.closeBracket):
                position += 1
                try closeBracket(at: token.offset)
            case .symbol(.comma):
                position += 1
                try nextArgument(at: token.offset)
                expectingOperand = true
            default:
                guard let op = binaryOperator(token) else { throw unexpectedAfterOperand(token) }
                position += 1
                try pushBinary(op, offset: token.offset)
                expectingOperand = true
            }
        }
    }

    // MARK: Operands

    /// Reads a literal, a variable, or opens a group, call or prefix operator.
    /// Returns true when an operand is complete.
    private mutating func readOperand() throws(ExpressionError) -> Bool {
        let token = current
        position += 1
        switch token.kind {
        case .integer(let value): try emit(.push(.int(value), offset: token.offset))
        case .float(let value): try emit(.push(.double(value), offset: token.offset))
        case .string(let value): try emit(.push(.string(value), offset: token.offset))
        case .identifier("true"): try emit(.push(.bool(true), offset: token.offset))
        case .identifier("false"): try emit(.push(.bool(false), offset: token.offset))
        case .identifier("nil"): try emit(.push(.null, offset: token.offset))
        case .identifier(let name):
            guard current.kind == .symbol(.openParen) else {
                try emit(.loadVariable(name, offset: token.offset))
                return true
            }
            guard let function = BuiltinFunction(rawValue: name) else {
                throw ExpressionError(offset: token.offset, message: "unknown function '\(name)'")
            }
            position += 1
            if current.kind == .symbol(.closeParen) { // no arguments
                position += 1
                try finishCall(function, arguments: 0, offset: token.offset)
                return true
            }
            try open(.call(function, offset: token.offset, arguments: 0))
            return false
        case .symbol(.openParen):
            try open(.group(offset: token.offset))
            return false
        case .symbol(.not):
            try open(.unary(.not, offset: token.offset))
            return false
        case .symbol(.minus):
            try open(.unary(.negate, offset: token.offset))
            return false
        case .end:
            throw ExpressionError(offset: token.offset, message: "unexpected end of expression")
        case .symbol(let symbol):
            throw ExpressionError(offset: token.offset, message: "unexpected '\(symbol.rawValue)'")
        }
        return true
    }

    // MARK: Operators and brackets

    private func binaryOperator(_ token: ExpressionToken) -> BinaryOperator? {
        switch token.kind {
        case .symbol(let symbol): return BinaryOperator(rawValue: symbol.rawValue)
        case .identifier("in"): return .in
        case .identifier("matches"): return .matches
        default: return nil
        }
    }

    /// Emits the pending operators that bind at least as tightly (left
    /// associativity), then waits for the right operand.
    private mutating func pushBinary(_ op: BinaryOperator, offset: Int) throws(ExpressionError) {
        while let top = pending.last, precedence(of: top) >= op.precedence {
            try emitPending()
        }
        var jump: Int?
        if op == .and || op == .or {
            jump = program.instructions.count
            program.instructions.append(op == .and ? .jumpIfFalse(target: -1, offset: offset)
                                                   : .jumpIfTrue(target: -1, offset: offset))
        }
        pending.append(.binary(op, offset: offset, jump: jump))
    }

    private func precedence(of entry: Pending) -> Int {
        switch entry {
        case .binary(let op, _, _): return op.precedence
        case .unary: return BinaryOperator.prefixPrecedence
        case .group, .call, .index: return 0 // brackets stop the popping
        }
    }

    private mutating func closeParenthesis(at offset: Int) throws(ExpressionError) {
        switch try popOperatorsUntilBracket() {
        case .group:
            return
        case .call(let function, let callOffset, let arguments):
            try finishCall(function, arguments: arguments + 1, offset: callOffset)
        case .index:
            throw ExpressionError(offset: offset, message: "expected ']'")
        default:
            throw ExpressionError(offset: offset, message: "unexpected ')'")
        }
    }

    private mutating func finishCall(_ function: BuiltinFunction, arguments: Int, offset: Int) throws(ExpressionError) {
        guard arguments == function.arity else {
            throw ExpressionError(offset: offset,
                                  message: "\(function.rawValue) takes \(function.arity) argument(s), got \(arguments)")
        }
        markServerOnly(offset)
        try emit(.call(function, argumentCount: arguments, offset: offset))
    }

    private mutating func closeBracket(at offset: Int) throws(ExpressionError) {
        switch try popOperatorsUntilBracket() {
        case .index(let indexOffset):
            markServerOnly(indexOffset)
            try emit(.index(offset: indexOffset))
        case .group, .call:
            throw ExpressionError(offset: offset, message: "expected ')'")
        default:
            throw ExpressionError(offset: offset, message: "unexpected ']'")
        }
    }

    private mutating func nextArgument(at offset: Int) throws(ExpressionError) {
        guard case .call(let function, let callOffset, let arguments)? = try popOperatorsUntilBracket() else {
            throw ExpressionError(offset: offset, message: "unexpected ','")
        }
        // The call stays open for the next argument.
        pending.append(.call(function, offset: callOffset, arguments: arguments + 1))
        nesting += 1
    }

    /// Emits pending operators down to the innermost open bracket, which is
    /// removed and returned (nil when there is none).
    private mutating func popOperatorsUntilBracket() throws(ExpressionError) -> Pending? {
        while let top = pending.last, top.isOperator {
            try emitPending()
        }
        guard let bracket = pending.popLast() else { return nil }
        nesting -= 1
        return bracket
    }

    private mutating func finish(at offset: Int) throws(ExpressionError) {
        while let top = pending.last {
            switch top {
            case .binary, .unary: try emitPending()
            case .group: throw ExpressionError(offset: offset, message: "expected ')'")
            case .call: throw ExpressionError(offset: offset, message: "expected ')' after arguments")
            case .index: throw ExpressionError(offset: offset, message: "expected ']'")
            }
        }
    }

    private func unexpectedAfterOperand(_ token: ExpressionToken) -> ExpressionError {
        let insideBrackets = pending.contains { !$0.isOperator }
        return ExpressionError(offset: token.offset,
                               message: insideBrackets ? "expected an operator" : "unexpected token after the expression")
    }

    // MARK: Emitting

    /// Pops the top pending operator and emits its instruction.
    private mutating func emitPending() throws(ExpressionError) {
        guard let top = pending.popLast() else { return }
        switch top {
        case .unary(let op, let offset):
            nesting -= 1
            try emit(.unary(op, offset: offset))
        case .binary(let op, let offset, let jump?):
            try emit(.requireBool(op, offset: offset))
            patchJump(at: jump, to: program.instructions.count)
        case .binary(let op, let offset, nil):
            if op == .matches { markServerOnly(offset) }
            try emit(.binary(op, offset: offset))
        case .group, .call, .index:
            pending.append(top) // brackets are closed by their own tokens
        }
    }

    private mutating func patchJump(at index: Int, to target: Int) {
        guard program.instructions.indices.contains(index) else { return }
        switch program.instructions[index] {
        case .jumpIfFalse(_, let offset): program.instructions[index] = .jumpIfFalse(target: target, offset: offset)
        case .jumpIfTrue(_, let offset): program.instructions[index] = .jumpIfTrue(target: target, offset: offset)
        default: break
        }
    }

    private mutating func emit(_ instruction: Instruction) throws(ExpressionError) {
        nodeCount += 1
        if nodeCount > ExpressionLimits.maxNodes {
            throw ExpressionError(offset: instruction.offset,
                                  message: "expression has more than \(ExpressionLimits.maxNodes) nodes")
        }
        program.instructions.append(instruction)
    }

    private mutating func open(_ entry: Pending) throws(ExpressionError) {
        nesting += 1
        if nesting > ExpressionLimits.maxNesting {
            throw ExpressionError(offset: entry.offset, message: "expression nested deeper than \(ExpressionLimits.maxNesting)")
        }
        pending.append(entry)
    }

    private mutating func markServerOnly(_ offset: Int) {
        program.serverOnlyOffset = min(program.serverOnlyOffset ?? offset, offset)
    }

    private var current: ExpressionToken {
        // tokens always ends with `.end`, and reads past it see `.end` again.
        tokens[min(position, tokens.count - 1)]
    }
}
