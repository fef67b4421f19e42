import Testing
@testable import TraceKitClient
@testable import TraceKitCore

@Suite("JSONValue writer: compact, valid, round-trips")
struct JSONValueWriterTests {
    @Test func compactTextWithSortedKeys() {
        let value = JSONValue.object(["b": .array([.int(1), .null, .bool(true)]), "a": .string("x")])
        #expect(value.jsonText == #"{"a":"x","b":[1,null,true]}"#)
    }

    @Test("one escaping rule: the sanitizer writes every string as JSONValue does; DEL (0x7F) as it is")
    func oneEscapingRule() throws {
        let text = String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self) + "é"
        let written = JSONValue.string(text).jsonText
        var options = Options()
        options.piiScrubbing = false
        let sanitized = try Sanitizer(options: options).sanitize(Array(written.utf8)).json
        #expect(String(decoding: sanitized, as: UTF8.self) == written)
        #expect(written.utf8.contains(0x7F))
    }

    @Test func controlCharactersAreEscaped() {
        #expect(JSONValue.string("q\"\\\n\r\t\u{8}\u{C}\u{1}\u{7F}é").jsonText == "\"q\\\"\\\\\\n\\r\\t\\b\\f\\u0001\u{7F}é\"")
    }

    @Test func integralDoublesStayNumbersAndRoundTrip() throws {
        #expect(JSONValue.double(30).jsonText == "30.0")
        #expect(try JSONValue.parse(JSONValue.double(30).jsonText) == .double(30))
        #expect(try JSONValue.parse(JSONValue.double(1e300).jsonText) == .double(1e300))
        #expect(try JSONValue.parse(JSONValue.double(-0.000001).jsonText) == .double(-0.000001))
    }

    @Test func nonFiniteDoublesBecomeNull() {
        #expect(JSONValue.array([.double(.infinity), .double(-.infinity), .double(.nan)]).jsonText == "[null,null,null]")
    }

    @Test func roundTrip() throws {
        let value = JSONValue.object([
            "int": .int(Int64.min), "double": .double(0.1), "text": .string("line\nbreak \u{0} 😀"),
            "nested": .array([.object(["k": .array([])]), .null, .bool(false)]),
        ])
        #expect(try JSONValue.parse(value.jsonText) == value)
    }

    @Test func deepestParsableDocumentRoundTrips() throws {
        let text = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(try JSONValue.parse(text).jsonText == text)
    }
}
