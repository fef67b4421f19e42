/// Builds the syntax tree by precedence climbing, enforcing the sandbox's
/// node and nesting limits as it goes (so deep input fails before it can
/// exhaust the stack).
struct ExpressionParser {
    private let tokens: [ExpressionToken]
    private var position = 0
    private var nodeCount = 0
    private var nesting = 0

    static func parse(_ source: String) throws(ExpressionError) -> ExpressionNode {
        guard source.utf8.count <= ExpressionLimits.maxSourceBytes else {
            throw ExpressionError(offset: ExpressionLimits.maxSourceBytes,
                                  message: "expression longer than \(ExpressionLimits.maxSourceBytes) bytes")
        }
        var parser = ExpressionParser(tokens: try ExpressionLexer.tokenize(source))
        let root = try parser.parseExpression(minimumPrecedence: 1)
        let trailing = parser.current
        guard trailing.kind == .end else {
            throw ExpressionError(offset: trailing.offset, message: "unexpected token after the expression")
        }
        // Chains (`a || b || c ...`, `a.b.c ...`) grow the tree without nesting
        // the source; the height bound keeps every recursive walk shallow.
        guard root.height <= ExpressionLimits.maxTreeHeight else {
            throw ExpressionError(offset: root.offset,
                                  message: "expression deeper than \(ExpressionLimits.maxTreeHeight) levels")
        }
        return root
    }

    private init(tokens: [ExpressionToken]) {
        self.tokens = tokens
    }

    // MARK: Precedence climbing

    private mutating func parseExpression(minimumPrecedence: Int) throws(ExpressionError) -> ExpressionNode {
        try enterNesting()
        defer { nesting -= 1 }
        var lhs = try parseUnary()
        while let (op, offset) = binaryOperatorAtCursor(), op.precedence >= minimumPrecedence {
            position += 1
            let rhs = try parseExpression(minimumPrecedence: op.precedence + 1)
            lhs = try makeNode(.binary(op, lhs, rhs, offset: offset))
        }
        return lhs
    }

    private func binaryOperatorAtCursor() -> (BinaryOperator, Int)? {
        let token = current
        let op: BinaryOperator? = switch token.kind {
        case .symbol(let symbol): BinaryOperator(rawValue: symbol.rawValue)
        case .identifier("in"): .in
        case .identifier("matches"): .matches
        default: nil
        }
        return op.map { ($0, token.offset) }
    }

    private mutating func parseUnary() throws(ExpressionError) -> ExpressionNode {
        let token = current
        let op: UnaryOperator? = switch token.kind {
        case .symbol(.not): .not
        case .symbol(.minus): .negate
        default: nil
        }
        guard let op else { return try parsePostfix() }
        position += 1
        try enterNesting()
        defer { nesting -= 1 }
        let operand = try parseUnary()
        return try makeNode(.unary(op, operand, offset: token.offset))
    }

    /// A primary followed by any number of `.name` and `[key]`.
    private mutating func parsePostfix() throws(ExpressionError) -> ExpressionNode {
        var node = try parsePrimary()
        while true {
            let token = current
            if token.kind == .symbol(.dot) {
                position += 1
                guard case .identifier(let name) = current.kind else {
                    throw ExpressionError(offset: current.offset, message: "expected a member name after '.'")
                }
                position += 1
                node = try makeNode(.member(node, name: name, offset: token.offset))
            } else if token.kind == .symbol(.openBracket) {
                position += 1
                let key = try parseExpression(minimumPrecedence: 1)
                try expect(.closeBracket, "expected ']'")
                node = try makeNode(.index(node, key: key, offset: token.offset))
            } else {
                return node
            }
        }
    }

    private mutating func parsePrimary() throws(ExpressionError) -> ExpressionNode {
        let token = current
        position += 1
        switch token.kind {
        case .integer(let value): return try makeNode(.literal(.int(value), offset: token.offset))
        case .float(let value): return try makeNode(.literal(.double(value), offset: token.offset))
        case .string(let value): return try makeNode(.literal(.string(value), offset: token.offset))
        case .identifier("true"): return try makeNode(.literal(.bool(true), offset: token.offset))
        case .identifier("false"): return try makeNode(.literal(.bool(false), offset: token.offset))
        case .identifier("nil"): return try makeNode(.literal(.null, offset: token.offset))
        case .identifier(let name):
            if current.kind == .symbol(.openParen) { return try parseCall(name, offset: token.offset) }
            return try makeNode(.variable(name, offset: token.offset))
        case .symbol(.openParen):
            let inner = try parseExpression(minimumPrecedence: 1)
            try expect(.closeParen, "expected ')'")
            return inner
        case .end:
            throw ExpressionError(offset: token.offset, message: "unexpected end of expression")
        case .symbol(let symbol):
            throw ExpressionError(offset: token.offset, message: "unexpected '\(symbol.rawValue)'")
        }
    }

    /// `name(` has been seen; the cursor is on the parenthesis.
    private mutating func parseCall(_ name: String, offset: Int) throws(ExpressionError) -> ExpressionNode {
        guard let function = BuiltinFunction(rawValue: name) else {
            throw ExpressionError(offset: offset, message: "unknown function '\(name)'")
        }
        position += 1
        var arguments: [ExpressionNode] = []
        if current.kind != .symbol(.closeParen) {
            repeat {
                arguments.append(try parseExpression(minimumPrecedence: 1))
            } while consume(.comma)
        }
        try expect(.closeParen, "expected ')' after arguments")
        guard arguments.count == function.arity else {
            throw ExpressionError(offset: offset,
                                  message: "\(name) takes \(function.arity) argument(s), got \(arguments.count)")
        }
        return try makeNode(.call(function, arguments, offset: offset))
    }

    // MARK: Helpers

    private var current: ExpressionToken {
        // tokens always ends with `.end`, and the cursor never moves past it.
        tokens[min(position, tokens.count - 1)]
    }

    private mutating func consume(_ symbol: ExpressionToken.Symbol) -> Bool {
        guard current.kind == .symbol(symbol) else { return false }
        position += 1
        return true
    }

    private mutating func expect(_ symbol: ExpressionToken.Symbol, _ message: String) throws(ExpressionError) {
        guard consume(symbol) else { throw ExpressionError(offset: current.offset, message: message) }
    }

    private mutating func enterNesting() throws(ExpressionError) {
        nesting += 1
        if nesting > ExpressionLimits.maxNesting {
            throw ExpressionError(offset: current.offset,
                                  message: "expression nested deeper than \(ExpressionLimits.maxNesting)")
        }
    }

    private mutating func makeNode(_ node: ExpressionNode) throws(ExpressionError) -> ExpressionNode {
        nodeCount += 1
        if nodeCount > ExpressionLimits.maxNodes {
            throw ExpressionError(offset: node.offset,
                                  message: "expression has more than \(ExpressionLimits.maxNodes) nodes")
        }
        return node
    }
}
