/// The value semantics of the condition language: equality, ordering and
/// arithmetic on JSON values. Pure functions; errors carry the operator's offset.
enum ExpressionValues {
    // MARK: Equality

    /// `==`: numbers compare by value across int/float (`30 == 30.0`), strings
    /// by code points, containers structurally; `nil` equals only `nil`, and
    /// values of different types are simply unequal. Containers are walked with
    /// a work list, not recursion (documents may be deeply nested).
    static func equal(_ lhs: JSONValue, _ rhs: JSONValue, steps: inout StepBudget, offset: Int) throws(ExpressionError) -> Bool {
        var pending: [(JSONValue, JSONValue)] = [(lhs, rhs)]
        while let (a, b) = pending.popLast() {
            try steps.spend(1, at: offset)
            switch (a, b) {
            case (.null, .null): continue
            case (.bool(let x), .bool(let y)): if x != y { return false }
            case (.string(let x), .string(let y)): if !x.utf8.elementsEqual(y.utf8) { return false }
            case (.int, _), (.double, _): if compareNumbers(a, b) != 0 { return false }
            case (.array(let x), .array(let y)):
                guard x.count == y.count else { return false }
                pending.append(contentsOf: zip(x, y))
            case (.object(let x), .object(let y)):
                guard x.count == y.count else { return false }
                for (key, xValue) in x {
                    guard let yValue = y[key] else { return false }
                    pending.append((xValue, yValue))
                }
            default: return false
            }
        }
        return true
    }

    // MARK: Ordering

    /// `< <= > >=` as a three-way result (-1, 0, 1): numbers with numbers,
    /// strings with strings (code point order). Anything else is a type error.
    static func order(_ lhs: JSONValue, _ rhs: JSONValue, op: BinaryOperator, offset: Int) throws(ExpressionError) -> Int? {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)):
            if a.utf8.elementsEqual(b.utf8) { return 0 }
            return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1
        case (.int, .int), (.int, .double), (.double, .int), (.double, .double):
            return compareNumbers(lhs, rhs) // nil when NaN is involved: every ordering is false
        default:
            throw ExpressionError(offset: offset,
                                  message: "cannot compare \(lhs.typeName) with \(rhs.typeName) using '\(op.rawValue)'")
        }
    }

    /// Exact numeric comparison (no rounding of large Int64 through Double).
    /// Nil when either side is not a number or is NaN.
    static func compareNumbers(_ lhs: JSONValue, _ rhs: JSONValue) -> Int? {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.double(let a), .double(let b)):
            if a.isNaN || b.isNaN { return nil }
            return a < b ? -1 : (a == b ? 0 : 1)
        case (.int(let a), .double(let b)): return compare(a, b)
        case (.double(let a), .int(let b)): return compare(b, a).map { -$0 }
        default: return nil
        }
    }

    private static func compare(_ integer: Int64, _ double: Double) -> Int? {
        if double.isNaN { return nil }
        if double >= 9_223_372_036_854_775_808.0 { return -1 } // 2^63: above every Int64
        if double < -9_223_372_036_854_775_808.0 { return 1 }
        let whole = double.rounded(.towardZero)
        let wholeInteger = Int64(whole) // in range: checked just above
        if integer != wholeInteger { return integer < wholeInteger ? -1 : 1 }
        let fraction = double - whole
        return fraction > 0 ? -1 : (fraction < 0 ? 1 : 0)
    }

    // MARK: Arithmetic

    /// `+ - * /`. Int with int stays int when exact (`7 / 2` is 3.5);
    /// overflow and division by zero are errors; `+` joins two strings.
    static func arithmetic(_ op: BinaryOperator, _ lhs: JSONValue, _ rhs: JSONValue, offset: Int) throws(ExpressionError) -> JSONValue {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)):
            return try integerArithmetic(op, a, b, offset: offset)
        case (.int, .double), (.double, .int), (.double, .double):
            return try doubleArithmetic(op, asDouble(lhs), asDouble(rhs), offset: offset)
        case (.string(let a), .string(let b)) where op == .add:
            guard a.utf8.count + b.utf8.count <= ExpressionLimits.maxStringBytes else {
                throw ExpressionError(offset: offset, message: "string result longer than \(ExpressionLimits.maxStringBytes) bytes")
            }
            return .string(a + b)
        default:
            throw ExpressionError(offset: offset,
                                  message: "cannot apply '\(op.rawValue)' to \(lhs.typeName) and \(rhs.typeName)")
        }
    }

    private static func integerArithmetic(_ op: BinaryOperator, _ a: Int64, _ b: Int64, offset: Int) throws(ExpressionError) -> JSONValue {
        let (result, overflow): (Int64, Bool)
        switch op {
        case .add: (result, overflow) = a.addingReportingOverflow(b)
        case .subtract: (result, overflow) = a.subtractingReportingOverflow(b)
        case .multiply: (result, overflow) = a.multipliedReportingOverflow(by: b)
        default:
            guard b != 0 else { throw ExpressionError(offset: offset, message: "division by zero") }
            let (quotient, divisionOverflow) = a.dividedReportingOverflow(by: b)
            if divisionOverflow { throw ExpressionError(offset: offset, message: "integer overflow") }
            let (remainder, _) = a.remainderReportingOverflow(dividingBy: b)
            if remainder == 0 { return .int(quotient) }
            return .double(Double(a) / Double(b))
        }
        if overflow { throw ExpressionError(offset: offset, message: "integer overflow") }
        return .int(result)
    }

    private static func doubleArithmetic(_ op: BinaryOperator, _ a: Double, _ b: Double, offset: Int) throws(ExpressionError) -> JSONValue {
        let result: Double
        switch op {
        case .add: result = a + b
        case .subtract: result = a - b
        case .multiply: result = a * b
        default:
            guard b != 0 else { throw ExpressionError(offset: offset, message: "division by zero") }
            result = a / b
        }
        guard result.isFinite else { throw ExpressionError(offset: offset, message: "number overflow") }
        return .double(result)
    }

    /// `-x` on a number.
    static func negate(_ value: JSONValue, offset: Int) throws(ExpressionError) -> JSONValue {
        switch value {
        case .int(let a):
            let (result, overflow) = Int64(0).subtractingReportingOverflow(a)
            if overflow { throw ExpressionError(offset: offset, message: "integer overflow") }
            return .int(result)
        case .double(let a): return .double(-a)
        default: throw ExpressionError(offset: offset, message: "cannot negate \(value.typeName)")
        }
    }

    private static func asDouble(_ value: JSONValue) -> Double {
        switch value {
        case .int(let a): return Double(a)
        case .double(let a): return a
        default: return .nan
        }
    }
}
