import Testing
@testable import TraceKitClient
@testable import TraceKitCore

@Suite("Condition parser: precedence, errors with offsets, sandbox limits")
struct ExpressionParserTests {
    private func value(_ source: String, _ variables: JSONValue = .object([:])) throws -> JSONValue {
        try ConditionExpression(source).evaluate(variables)
    }

    private func parseError(_ source: String) -> ExpressionError? {
        do {
            _ = try ConditionExpression(source)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Precedence and associativity

    @Test func multiplicationBindsTighterThanAddition() throws {
        #expect(try value("2 + 3 * 4") == .int(14))
        #expect(try value("2 * 3 + 4") == .int(10))
        #expect(try value("(2 + 3) * 4") == .int(20))
    }

    @Test func subtractionAndDivisionAreLeftAssociative() throws {
        #expect(try value("10 - 4 - 3") == .int(3))
        #expect(try value("100 / 10 / 5") == .int(2))
    }

    @Test func andBindsTighterThanOr() throws {
        #expect(try value("true || false && false") == .bool(true))
        #expect(try value("(true || false) && false") == .bool(false))
    }

    @Test func comparisonBindsTighterThanLogic() throws {
        #expect(try value("1 < 2 && 3 > 2") == .bool(true))
        #expect(try value("1 + 1 == 2") == .bool(true))
    }

    @Test func unaryOperators() throws {
        #expect(try value("!true") == .bool(false))
        #expect(try value("!!true") == .bool(true))
        #expect(try value("-3 * 2") == .int(-6))
        #expect(try value("2 - -3") == .int(5))
    }

    @Test func literals() throws {
        #expect(try value("1.5") == .double(1.5))
        #expect(try value("2e3") == .double(2000))
        #expect(try value("nil") == .null)
        #expect(try value(#""tab\there \"q\" \u00e9 \ud83d\ude00""#) == .string("tab\there \"q\" é 😀"))
        #expect(try value("99999999999999999999") == .double(1e20))
    }

    @Test func namesAfterADotMayBeKeywords() throws {
        let variables = JSONValue.object(["a": .object(["in": .int(1), "nil": .int(2)])])
        #expect(try value("a.in + a.nil", variables) == .int(3))
    }

    // MARK: Errors with offsets

    @Test func unterminatedStringPointsAtItsQuote() {
        #expect(parseError(#"method == "GET"#) == ExpressionError(offset: 10, message: "unterminated string"))
    }

    @Test func unexpectedTokenPointsAtIt() {
        let error = parseError("status == == 200")
        #expect(error?.offset == 10)
        #expect(error?.message == "unexpected '=='")
    }

    @Test func trailingGarbageIsAnError() {
        let error = parseError("status == 200 200")
        #expect(error?.offset == 14)
        #expect(error?.message == "unexpected token after the expression")
    }

    @Test func missingClosingParenthesis() {
        #expect(parseError("(1 + 2")?.offset == 6)
    }

    @Test func emptyExpressionIsAnError() {
        #expect(parseError("")?.message == "unexpected end of expression")
        #expect(parseError("   ")?.offset == 3)
    }

    @Test func unsupportedConstructsSayWhy() {
        #expect(parseError("a = 1")?.message == "assignment is not supported (use '==')")
        #expect(parseError("a & 1")?.message == "bit operators are not supported")
        #expect(parseError("a ? 1 : 2")?.message == "ternary expressions are not supported")
        #expect(parseError("'x'")?.message == "strings use double quotes")
        #expect(parseError("é")?.offset == 0)
    }

    @Test func unknownFunctionIsAParseErrorAtItsName() {
        #expect(parseError("1 + exec(\"rm\")") == ExpressionError(offset: 4, message: "unknown function 'exec'"))
    }

    @Test func wrongArgumentCountIsAParseError() {
        #expect(parseError("len(a, b)")?.message == "len takes 1 argument(s), got 2")
    }

    @Test func invalidEscapeIsAnError() {
        #expect(parseError(#""a\qb""#) == ExpressionError(offset: 2, message: "invalid escape sequence"))
    }

    @Test func errorOffsetsAreUTF8ByteOffsets() {
        // "é" is two bytes: the stray "#" starts at byte 10, not 9.
        #expect(parseError(#""é" == 1 #"#)?.offset == 10)
    }

    // MARK: Sandbox limits

    @Test func fiveThousandNestedParenthesesAreAnErrorNotACrash() {
        let source = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
        // Over 4096 bytes: rejected by size first.
        #expect(parseError(source) != nil)
        let deep = String(repeating: "(", count: 2000) + "1" + String(repeating: ")", count: 2000)
        #expect(parseError(deep)?.message == "expression nested deeper than 64")
    }

    @Test func deepUnaryChainIsAnError() {
        #expect(parseError(String(repeating: "!", count: 3000) + "true")?.message == "expression nested deeper than 64")
    }

    @Test func modestNestingIsAccepted() throws {
        let source = String(repeating: "(", count: 60) + "1" + String(repeating: ")", count: 60)
        #expect(try value(source) == .int(1))
    }

    @Test func sourceOverFourKiBIsRejected() {
        let source = "a == \"" + String(repeating: "x", count: 4100) + "\""
        #expect(parseError(source)?.message == "expression longer than 4096 bytes")
    }

    @Test func tooManyNodesIsRejected() {
        // 1 + 1 + ... : two nodes per term.
        let source = Array(repeating: "1", count: 600).joined(separator: "+")
        #expect(parseError(source)?.message.contains("more than 1000 nodes") == true)
    }

    @Test func longOperatorChainsNeedNoRecursion() throws {
        #expect(try value(Array(repeating: "1", count: 500).joined(separator: "+")) == .int(500))
        #expect(try value(Array(repeating: "a", count: 1000).joined(separator: ".")) == .null)
        let statuses = (0..<200).map { "s == \($0)" }.joined(separator: " || ")
        #expect(try value(statuses, .object(["s": .int(199)])) == .bool(true))
    }

    @Test func callsAndIndexesNestInsideEachOther() throws {
        let variables = JSONValue.object(["m": .object(["k": .array([.string("Ab"), .string("cD")])])])
        let source = #"upper(lower(m["k"][1 + 0])) == "CD" && len(m.k) * -2 == -4"#
        #expect(try ConditionExpression(source).evaluate(variables, mode: .server) == .bool(true))
    }

    @Test func misplacedBracketsAreErrors() {
        #expect(parseError("(1]")?.message == "expected ')'")
        #expect(parseError("a[1)")?.message == "expected ']'")
        #expect(parseError("1)")?.message == "unexpected ')'")
        #expect(parseError("a, b")?.message == "unexpected ','")
        #expect(parseError("len(a")?.message == "expected ')' after arguments")
        #expect(parseError("(1 2)")?.message == "expected an operator")
        #expect(parseError("a.1")?.message == "expected a member name after '.'")
    }

    // MARK: Classification

    @Test func serverOnlyConstructsAreDetectedAtParseTime() throws {
        #expect(try ConditionExpression("a.b == 1 && \"k\" in m").isSDKEvaluable)
        #expect(try !ConditionExpression("len(a) > 1").isSDKEvaluable)
        #expect(try !ConditionExpression("a matches \"x\"").isSDKEvaluable)
        #expect(try !ConditionExpression("a[0] == 1").isSDKEvaluable)
        #expect(try !ConditionExpression("true || upper(a) == \"X\"").isSDKEvaluable)
    }
}
