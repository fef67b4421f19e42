import Testing
@testable import TraceKitClient
@testable import TraceKitCore

@Suite("Condition evaluator: value semantics, errors, short-circuit, server functions")
struct ExpressionEvaluatorTests {
    static let variables: JSONValue = .object([
        "status": .int(200),
        "ratio": .double(0.5),
        "name": .string("Ada"),
        "big": .int(Int64.max),
        "small": .int(Int64.min),
        "tags": .array([.string("beta"), .string("internal")]),
        "user": .object(["settings": .null, "age": .int(30)]),
    ])

    private func value(_ source: String, mode: EvaluationMode = .sdk) throws(ExpressionError) -> JSONValue {
        try ConditionExpression(source).evaluate(Self.variables, mode: mode)
    }

    private func evaluationError(_ source: String, mode: EvaluationMode = .sdk) -> ExpressionError? {
        do {
            _ = try value(source, mode: mode)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Arithmetic

    @Test func integerArithmeticStaysIntegerWhenExact() throws {
        #expect(try value("status / 2") == .int(100))
        #expect(try value("7 / 2") == .double(3.5))
        #expect(try value("status * ratio") == .double(100))
    }

    @Test func divisionByZeroIsAnErrorAtTheOperator() {
        #expect(evaluationError("status / 0") == ExpressionError(offset: 7, message: "division by zero"))
        #expect(evaluationError("1.5 / 0.0")?.message == "division by zero")
    }

    @Test func overflowIsAnErrorNotATrap() {
        #expect(evaluationError("big + 1")?.message == "integer overflow")
        #expect(evaluationError("small - 1")?.message == "integer overflow")
        #expect(evaluationError("big * 2")?.message == "integer overflow")
        #expect(evaluationError("small / -1")?.message == "integer overflow")
        #expect(evaluationError("-small")?.message == "integer overflow")
        #expect(evaluationError("1e308 * 10")?.message == "number overflow")
    }

    @Test func plusJoinsStrings() throws {
        #expect(try value(#"name + "!""#) == .string("Ada!"))
        #expect(evaluationError(#"name + 1"#)?.message == "cannot apply '+' to string and number")
    }

    // MARK: Comparison

    @Test func numbersCompareAcrossIntAndFloat() throws {
        #expect(try value("user.age == 30.0") == .bool(true))
        #expect(try value("user.age < 30.5") == .bool(true))
        #expect(try value("ratio < 1") == .bool(true))
        // Exact: Int64.max is not equal to 2^63 even though Double(Int64.max) is.
        #expect(try value("big == 9223372036854775808.0") == .bool(false))
        #expect(try value("big < 9223372036854775808.0") == .bool(true))
    }

    @Test func nilEqualsOnlyNil() throws {
        #expect(try value("user.settings == nil") == .bool(true))
        #expect(try value("nil == false") == .bool(false))
        #expect(try value("nil == 0") == .bool(false))
        #expect(try value(#"nil == """#) == .bool(false))
        #expect(try value("user.missing.deeper == nil") == .bool(true))
    }

    @Test func stringsCompareLexicographically() throws {
        #expect(try value(#""a" < "b""#) == .bool(true))
        #expect(try value(#""B" < "a""#) == .bool(true))
        #expect(try value(#""abc" >= "abc""#) == .bool(true))
    }

    @Test func orderingAcrossTypesIsATypeError() {
        #expect(evaluationError(#""a" < 1"#)?.message == "cannot compare string with number using '<'")
        #expect(evaluationError("user > 1")?.message == "cannot compare object with number using '>'")
        #expect(evaluationError("nil < 1") != nil)
    }

    @Test func equalityAcrossTypesIsFalse() throws {
        #expect(try value(#"status == "200""#) == .bool(false))
        #expect(try value(#"status != "200""#) == .bool(true))
    }

    @Test func containersCompareStructurally() throws {
        let condition = try ConditionExpression("a == b")
        let same = JSONValue.object(["a": .array([.int(1), .double(2)]), "b": .array([.double(1), .int(2)])])
        #expect(try condition.holds(same))
    }

    // MARK: Membership and logic

    @Test func inLooksForKeysAndElements() throws {
        #expect(try value(#""settings" in user"#) == .bool(true))
        #expect(try value(#""theme" in user"#) == .bool(false))
        #expect(try value(#""beta" in tags"#) == .bool(true))
        #expect(try value(#""x" in user.settings"#) == .bool(false))
        #expect(evaluationError(#""x" in name"#) != nil)
    }

    @Test func logicShortCircuits() throws {
        #expect(try value("false && (1/0 == 1)") == .bool(false))
        #expect(try value("true || (1/0 == 1)") == .bool(true))
        #expect(evaluationError("true && (1/0 == 1)")?.message == "division by zero")
    }

    @Test func logicNeedsBooleans() {
        #expect(evaluationError("status && true")?.message == "'&&' needs a bool, got number")
        #expect(evaluationError("!name")?.message == "'!' needs a bool, got string")
    }

    @Test func holdsRequiresABooleanResult() throws {
        #expect(try ConditionExpression("status == 200").holds(Self.variables))
        #expect(throws: ExpressionError.self) { try ConditionExpression("status").holds(Self.variables) }
    }

    @Test func variablesThatAreNotAnObjectGiveNil() throws {
        #expect(try ConditionExpression("a == nil").holds(.array([])))
    }

    // MARK: Server-only constructs

    @Test func serverOnlyConstructsAreRefusedInSDKMode() {
        let error = evaluationError("status == 200 && len(tags) == 2")
        #expect(error?.offset == 17)
        #expect(error?.message.contains("SDK") == true)
    }

    @Test func serverFunctions() throws {
        #expect(try value("len(tags)", mode: .server) == .int(2))
        #expect(try value(#"len("héllo")"#, mode: .server) == .int(5))
        #expect(try value("len(user)", mode: .server) == .int(2))
        #expect(try value(#"contains(name, "d")"#, mode: .server) == .bool(true))
        #expect(try value(#"contains(tags, "beta")"#, mode: .server) == .bool(true))
        #expect(try value(#"contains(tags, "gamma")"#, mode: .server) == .bool(false))
        #expect(try value(#"startsWith(name, "Ad")"#, mode: .server) == .bool(true))
        #expect(try value(#"endsWith(name, "da")"#, mode: .server) == .bool(true))
        #expect(try value(#"endsWith(name, "Ada!")"#, mode: .server) == .bool(false))
        #expect(try value("lower(name)", mode: .server) == .string("ada"))
        #expect(try value("upper(name)", mode: .server) == .string("ADA"))
        #expect(evaluationError("len(status)", mode: .server) != nil)
    }

    @Test func substringSearchHandlesOverlappingPrefixes() {
        #expect(ByteSearch.contains(Array("aabaabaaa".utf8), Array("aabaaa".utf8)))
        #expect(!ByteSearch.contains(Array("aabaabaab".utf8), Array("aabaaa".utf8)))
        #expect(ByteSearch.contains(Array("abc".utf8), []))
        #expect(!ByteSearch.contains(Array("ab".utf8), Array("abc".utf8)))
    }

    @Test func indexing() throws {
        #expect(try value("tags[1]", mode: .server) == .string("internal"))
        #expect(try value("tags[5]", mode: .server) == .null)
        #expect(try value(#"user["age"]"#, mode: .server) == .int(30))
        #expect(evaluationError(#"tags["x"]"#, mode: .server) != nil)
    }

    @Test func regexMatchesSearchesUnanchored() throws {
        #expect(try value(#"name matches "^A.a$""#, mode: .server) == .bool(true))
        #expect(try value(#"name matches "d""#, mode: .server) == .bool(true))
        #expect(try value(#"name matches "^d""#, mode: .server) == .bool(false))
        #expect(try value(#""" matches "^$""#, mode: .server) == .bool(true))
    }

    @Test func invalidRegexIsAnError() {
        #expect(evaluationError(#"name matches "(""#, mode: .server)?.message.hasPrefix("invalid regex") == true)
    }

    @Test func catastrophicRegexHitsTheMatchLimit() throws {
        let subject = String(repeating: "a", count: 40) + "!"
        let condition = try ConditionExpression(#"s matches "^(a+)+$""#)
        #expect(throws: ExpressionError.self) {
            try condition.evaluate(.object(["s": .string(subject)]), mode: .server)
        }
    }

    // MARK: Bounds

    @Test func stringResultsAreBounded() throws {
        let chunk = JSONValue.string(String(repeating: "x", count: 40_000))
        let condition = try ConditionExpression("s + s")
        #expect(throws: ExpressionError.self) { try condition.evaluate(.object(["s": chunk])) }
    }

    @Test func caseMappingResultsAreBounded() throws {
        // "ΐ" (2 bytes) upper-cases to three scalars (6 bytes): 40,000 bytes become 120,000.
        let long = JSONValue.object(["s": .string(String(repeating: "ΐ", count: 20_000))])
        #expect(try ConditionExpression("len(lower(s))").evaluate(long, mode: .server) == .int(20_000))
        let error = #expect(throws: ExpressionError.self) {
            try ConditionExpression("upper(s)").evaluate(long, mode: .server)
        }
        #expect(error?.message == "string result longer than 65536 bytes")
    }

    @Test func equalityWorkIsBoundedBySteps() throws {
        let long = JSONValue.array(Array(repeating: .int(1), count: 20_000))
        let condition = try ConditionExpression("a == b")
        let error = #expect(throws: ExpressionError.self) {
            try condition.evaluate(.object(["a": long, "b": long]))
        }
        #expect(error?.message == "evaluation exceeded 10000 steps")
    }
}
