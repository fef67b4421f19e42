import Testing
@testable import TraceKitClient
@testable import TraceKitCore

@Suite("JSONValue parser: strict RFC 8259, bounded depth, UTF-8 repair")
struct JSONValueParserTests {
    private func parse(_ text: String, maxDepth: Int = 512) throws(JSONParseError) -> JSONValue {
        try JSONValue.parse(text, maxDepth: maxDepth)
    }

    private func parseBytes(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBytes { raw in
            do throws(JSONParseError) { return .success(try JSONValue.parse(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    private func failure(_ text: String) -> JSONParseError? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func scalarsAndContainers() throws {
        #expect(try parse(#" {"a": [1, -2.5, true, false, null, "x"], "b": {}} "#) == .object([
            "a": .array([.int(1), .double(-2.5), .bool(true), .bool(false), .null, .string("x")]),
            "b": .object([:]),
        ]))
        #expect(try parse("[]") == .array([]))
        #expect(try parse("42") == .int(42))
    }

    @Test func integersThatFitInt64AreInts() throws {
        #expect(try parse("9223372036854775807") == .int(Int64.max))
        #expect(try parse("-9223372036854775808") == .int(Int64.min))
        #expect(try parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try parse("1.0") == .double(1))
        #expect(try parse("1e2") == .double(100))
        #expect(try parse("-0") == .int(0))
    }

    @Test func strictGrammarRejectsCommonExtensions() {
        for text in ["01", "+1", ".5", "1.", "1e", "[1,]", "{\"a\":1,}", "'a'", "NaN", "Infinity",
                     "{a:1}", "[1 2]", "tru", "\"a\tb\"", "", "  ", "// c\n1", "\"\\x\""] {
            #expect(failure(text) != nil, "accepted \(text)")
        }
    }

    @Test func errorsCarryByteOffsets() {
        #expect(failure("[1, 2") == JSONParseError(offset: 5, message: "expected ',' or ']' in array"))
        #expect(failure("[1] x")?.offset == 4)
        #expect(failure(#"{"a" 1}"#)?.offset == 5)
        #expect(failure(#""abc"#) == JSONParseError(offset: 0, message: "unterminated string"))
    }

    @Test func escapesAndSurrogatePairs() throws {
        #expect(try parse(#""\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#) == .string("\"\\/\u{8}\u{C}\n\r\té😀"))
    }

    @Test func loneSurrogatesBecomeReplacementCharacters() throws {
        #expect(try parse(#""a\ud800b""#) == .string("a\u{FFFD}b"))
        #expect(try parse(#""\udc00""#) == .string("\u{FFFD}"))
        #expect(try parse(#""\ud800\u0041""#) == .string("\u{FFFD}A"))
    }

    @Test func invalidUTF8BecomesReplacementCharacters() throws {
        // "a", 0xFF, "b" — and a truncated two-byte sequence before the closing quote.
        #expect(try parseBytes([0x22, 0x61, 0xFF, 0x62, 0x22]) == .string("a\u{FFFD}b"))
        #expect(try parseBytes([0x22, 0xC3, 0x22]) == .string("\u{FFFD}"))
    }

    @Test func depthIsBounded() throws {
        #expect(try parse("[[1]]", maxDepth: 2) == .array([.array([.int(1)])]))
        #expect(failure(String(repeating: "[", count: 513) + String(repeating: "]", count: 513))?.message
            == "nesting deeper than 512")
        #expect(throws: JSONParseError.self) { try parse("{\"a\":{\"b\":1}}", maxDepth: 1) }
    }

    @Test func aMillionOpenBracketsIsAnErrorNotACrash() {
        let error = failure(String(repeating: "[", count: 1_000_000))
        #expect(error == JSONParseError(offset: 512, message: "nesting deeper than 512"))
        #expect(failure(String(repeating: "{\"a\":", count: 1_000_000)) != nil)
    }

    @Test func duplicateKeysKeepTheLastValue() throws {
        #expect(try parse(#"{"a":1,"a":2}"#) == .object(["a": .int(2)]))
    }
}
