import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore

/// The sanitizer is a strict RFC 8259 parser whose output is always valid
/// UTF-8 JSON, whatever the input.
@Suite("Sanitizer: JSON handling")
struct SanitizerJSONTests {
    var plain: Options {
        var options = Options()
        options.piiScrubbing = false
        try? options.setMaxPayload(0)
        try? options.setMaxStringLength(0)
        try? options.setCaptureDepth(0)
        return options
    }

    @Test func everyValueKindSurvivesAndWhitespaceIsDropped() throws {
        let json = " { \"s\" : \"x\\ny\\\"z\\u0001\" , \"n\" : [ -0.5e+10 , 0 , 12 ] , \"t\" : true , \"f\" : false , \"z\" : null } "
        #expect(try sanitized(json, plain) == #"{"s":"x\ny\"z\u0001","n":[-0.5e+10,0,12],"t":true,"f":false,"z":null}"#)
    }

    @Test(arguments: ["1", "\"text\"", "true", "null", "[]", "{}", "-0", "1E5"])
    func anyJSONValueMayBeTheRoot(_ json: String) throws {
        #expect(try sanitized(json, plain) == json)
    }

    @Test func numbersInADoublesRangeAreKeptVerbatim() throws {
        let json = "[123456789012345678901234567890,1.7976931348623157e308,-4.9e-324,0.000e-99999,3.14159265358979323846]"
        #expect(try sanitized(json, plain) == json)
    }

    @Test func numbersBeyondADoublesRangeBecomeStringsOfTheirText() throws {
        let digits = String(repeating: "9", count: 400)
        let json = "[\(digits),1e999999,-2.5e-99999,1e400]"
        #expect(try sanitized(json, plain) == "[\"\(digits)\",\"1e999999\",\"-2.5e-99999\",\"1e400\"]")
        _ = try parsedJSON(try sanitized(json, plain))
    }

    @Test func invalidUTF8AndLoneSurrogatesBecomeReplacementCharacters() throws {
        var bytes = Array("{\"a\":\"ok ".utf8)
        bytes += [0xFF, 0xC0, 0xAF, 0xED, 0xA0, 0x80, 0xF4, 0x90, 0x80, 0x80]
        bytes += Array(" \\ud800 \\udc00 \\ud83d\\ude00 é\"}".utf8)
        let result = try Sanitizer(options: plain).sanitize(bytes)
        let text = try #require(String(validating: result.json, as: UTF8.self))
        let value = try #require((try parsedJSON(text) as? [String: String])?["a"])
        #expect(value.hasPrefix("ok \u{FFFD}"))
        #expect(value.hasSuffix(" \u{FFFD} \u{FFFD} 😀 é"))
        #expect(!value.unicodeScalars.contains { (0xD800...0xDFFF).contains($0.value) })
    }

    struct Invalid: CustomTestStringConvertible, Sendable {
        let json: String
        let offset: Int
        var testDescription: String { json.debugDescription }
    }

    @Test(arguments: [
        Invalid(json: "", offset: 0),
        Invalid(json: "{\"a\":1,}", offset: 7),
        Invalid(json: "[1,,2]", offset: 3),
        Invalid(json: "{\"a\" 1}", offset: 5),
        Invalid(json: "{a:1}", offset: 1),
        Invalid(json: "[1 2]", offset: 3),
        Invalid(json: "\"abc", offset: 0),
        Invalid(json: "[01]", offset: 2),
        Invalid(json: "[1.]", offset: 1),
        Invalid(json: "[tru]", offset: 1),
        Invalid(json: "\"a\\x\"", offset: 2),
        Invalid(json: "\"\\u12g4\"", offset: 1),
        Invalid(json: "\"tab\there\"", offset: 4),
        Invalid(json: "{} {}", offset: 3),
        Invalid(json: "[1]]", offset: 3),
        Invalid(json: "{\"a\":[1}", offset: 7),
        Invalid(json: "NaN", offset: 0),
    ])
    func invalidJSONIsRejectedWithItsByteOffset(_ example: Invalid) {
        do {
            _ = try sanitized(example.json, plain)
            Issue.record("accepted invalid JSON")
        } catch let error as SanitizeError {
            #expect(error.offset == example.offset, "\(error.message)")
            #expect(error.message.contains("offset \(example.offset)"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func anyValidDocumentRoundTripsWithoutLimitsOrScrubbing() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let value = randomJSON(depth: 0, using: &generator)
            let data = try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
            let output = try Sanitizer(options: plain).sanitize(Array(data)).json
            let reparsed = try JSONSerialization.jsonObject(with: Data(output), options: [.fragmentsAllowed])
            let canonical: [JSONSerialization.WritingOptions] = [.sortedKeys, .fragmentsAllowed]
            #expect(try JSONSerialization.data(withJSONObject: reparsed, options: .init(canonical))
                == JSONSerialization.data(withJSONObject: value, options: .init(canonical)))
        }
    }

    private func randomJSON(depth: Int, using generator: inout SystemRandomNumberGenerator) -> Any {
        let choice = depth > 3 ? Int.random(in: 0..<4, using: &generator) : Int.random(in: 0..<6, using: &generator)
        switch choice {
        case 0: return Int.random(in: -1_000_000...1_000_000, using: &generator)
        case 1: return String((0..<Int.random(in: 0..<20, using: &generator)).map { _ in
            Character(UnicodeScalar(UInt8.random(in: 0x20...0x7E, using: &generator))) } + "é\n\"\\")
        case 2: return Bool.random(using: &generator)
        case 3: return NSNull()
        case 4: return (0..<Int.random(in: 0..<5, using: &generator)).map { _ in randomJSON(depth: depth + 1, using: &generator) }
        default:
            var object: [String: Any] = [:]
            for index in 0..<Int.random(in: 0..<5, using: &generator) {
                object["k\(index)"] = randomJSON(depth: depth + 1, using: &generator)
            }
            return object
        }
    }
}
