import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore

/// docs/PROTOCOL.md "Limits and markers", and the per-string cap.
@Suite("Sanitizer: bounding")
struct SanitizerBoundingTests {
    func options(depth: Int = 10, payload: Int = 65_536, string: Int = 8_192, scrub: Bool = true) throws -> Options {
        var options = Options()
        try options.setCaptureDepth(depth)
        try options.setMaxPayload(payload)
        try options.setMaxStringLength(string)
        options.piiScrubbing = scrub
        return options
    }

    @Test func theRootIsDepthZeroAndDeeperContainersBecomeMarkers() throws {
        let json = #"{"a":1,"o":{"b":{"c":2}},"l":[1,[2,3],{"d":4}]}"#
        #expect(try sanitized(json, options(depth: 1))
            == #"{"a":1,"o":{"_truncated":true,"_depth":1},"l":{"_truncated":true,"_depth":1,"_length":3}}"#)
        #expect(try sanitized(json, options(depth: 2))
            == #"{"a":1,"o":{"b":{"_truncated":true,"_depth":2}},"l":[1,{"_truncated":true,"_depth":2,"_length":2},{"_truncated":true,"_depth":2}]}"#)
        #expect(try sanitized(json, options(depth: 3)) == json)
    }

    @Test func emptyContainersBeyondTheLimitAreMarkedToo() throws {
        #expect(try sanitized(#"{"o":{},"l":[]}"#, options(depth: 1))
            == #"{"o":{"_truncated":true,"_depth":1},"l":{"_truncated":true,"_depth":1,"_length":0}}"#)
    }

    @Test func depthZeroStillCutsAtTheHardLimit() throws {
        let depth = Sanitizer.hardMaxDepth + 5
        let json = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let output = try sanitized(json, options(depth: 0))
        #expect(output.contains(#"{"_truncated":true,"_depth":256,"_length":1}"#))
        #expect(output.filter { $0 == "[" }.count == Sanitizer.hardMaxDepth)
        _ = try parsedJSON(output)
    }

    @Test func aMillionLevelsOfNestingNeitherCrashNorRecurse() throws {
        let depth = 1_000_000
        let valid = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let output = try sanitized(valid)
        #expect(output.hasPrefix("[[[[[[[[[["))
        #expect(output.contains(#"{"_truncated":true,"_depth":10,"_length":1}"#))
        let objects = String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
        #expect(try sanitized(objects).contains(#"{"_truncated":true,"_depth":10}"#))
        let unclosed = String(repeating: "[", count: depth)
        #expect(throws: SanitizeError.self) { try sanitized(unclosed) }
    }

    @Test func anOversizedDocumentBecomesThePayloadMarker() throws {
        let json = "{\"items\":[" + (0..<200).map { "{\"id\":\($0),\"name\":\"item number \($0)\"}" }.joined(separator: ",") + "]}"
        let full = try sanitized(json, options(payload: 0))
        let result = try sanitizeResult(json, options(payload: 1024))
        let output = String(decoding: result.json, as: UTF8.self)
        #expect(output == "{\"_truncated\":true,\"_payload_size\":\(full.utf8.count),\"_max_payload\":1024,\"_truncated_by\":\"payload_limit\"}")
        #expect(result.truncations == 1)
    }

    @Test(arguments: [1, 50, 84, 120, 500, 4096])
    func outputNeverExceedsTheDocumentedBound(_ maxPayload: Int) throws {
        let json = "{\"text\":\"" + String(repeating: "x", count: 5000) + "\"}"
        let output = try sanitized(json, options(payload: maxPayload, string: 0))
        let size = output.utf8.count
        let markerBound = 84 + String(json.utf8.count).count + String(maxPayload).count
        #expect(size <= max(maxPayload, markerBound))
        _ = try parsedJSON(output)
    }

    @Test func aDocumentExactlyAtTheLimitIsKept() throws {
        let json = #"{"a":"bcd"}"#
        #expect(try sanitized(json, options(payload: json.utf8.count)) == json)
    }

    @Test func longStringsAreCutAtTheCapWithTheirOriginalLength() throws {
        let value = String(repeating: "a", count: 100)
        #expect(try sanitizedText(value, options(string: 10)) == "aaaaaaaaaa[TRUNCATED:100 bytes]")
        #expect(try sanitizedText(String(repeating: "a", count: 10), options(string: 10)) == "aaaaaaaaaa")
    }

    @Test func theCutNeverSplitsACharacterOrAMarker() throws {
        // "é" is two bytes: a cut at 5 would split the third one.
        #expect(try sanitizedText("ééééé", options(string: 5)) == "éé[TRUNCATED:10 bytes]")
        let output = try #require(try sanitizedText("mail jane@example.com now and more text", options(string: 12)))
        #expect(output == "mail [TRUNCATED:39 bytes]")
    }

    @Test func aCutStringAfterARedactedOneKeepsItsOwnText() throws {
        // Regression (found by the fuzz corpus): the spans of the previous
        // string must not be applied to the next one.
        #expect(try sanitized(#"["mail a@b.io","0123456789abcdefghijklmnopqrstuvwxyz"]"#, options(string: 24))
            == #"["mail [REDACTED:email]","0123456789abcdefghijklmn[TRUNCATED:36 bytes]"]"#)
    }

    @Test func keysAreCutLikeValues() throws {
        let key = String(repeating: "k", count: 20)
        #expect(try sanitized("{\"\(key)\":1}", options(string: 4)) == #"{"kkkk[TRUNCATED:20 bytes]":1}"#)
    }

    @Test func aMultiMegabyteStringIsScannedOnlyAroundTheCap() throws {
        let big = String(repeating: "lorem ipsum 555-123-4567 ", count: 200_000)  // 5 MB
        let clock = ContinuousClock()
        var output: String?
        let elapsed = try clock.measure { output = try sanitizedText(big) }
        let text = try #require(output)
        #expect(text.hasSuffix("[TRUNCATED:\(big.utf8.count) bytes]"))
        #expect(text.utf8.count <= 8_192 + 40)
        #expect(!text.contains("555-123-4567"))
        #expect(elapsed < .seconds(5))
    }

    @Test func truncationsAreCounted() throws {
        let result = try sanitizeResult(#"{"a":{"b":{"c":1}},"s":"0123456789abc"}"#, options(depth: 1, string: 10))
        #expect(result.truncations == 2)
    }
}
