import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore

/// docs/PII.md: every key and string at every depth, spans replaced in
/// place, counts and security flags.
@Suite("Sanitizer: scrubbing")
struct SanitizerScrubbingTests {
    @Test func theAcceptanceExample() throws {
        let json = #"{"user":{"email":"jane@example.com","card":"4111 1111 1111 1111","order_id":"1700000000"}}"#
        #expect(try sanitized(json)
            == #"{"user":{"email":"[REDACTED:email]","card":"[REDACTED:credit_card]","order_id":"1700000000"}}"#)
    }

    @Test func valuesAreScrubbedAtEveryDepthAndOnlyTheSpanIsReplaced() throws {
        let json = #"{"order":{"items":[{"note":"card 4111 1111 1111 1111 ok"}],"total":12.5}}"#
        #expect(try sanitized(json)
            == #"{"order":{"items":[{"note":"card [REDACTED:credit_card] ok"}],"total":12.5}}"#)
    }

    @Test func keysAreScrubbedToo() throws {
        #expect(try sanitized(#"{"jane@example.com":{"visits":3}}"#) == #"{"[REDACTED:email]":{"visits":3}}"#)
    }

    @Test func escapedTextIsScrubbedAfterDecoding() throws {
        // \u0040 is "@": the pattern must see the decoded text.
        #expect(try sanitized(#"{"note":"jane\u0040example.com\n"}"#) == #"{"note":"[REDACTED:email]\n"}"#)
    }

    @Test func severalPatternsInOneStringAreAllReplaced() throws {
        let text = "call 555-123-4567, mail a@b.io, key AKIAIOSFODNN7EXAMPLE"
        #expect(try sanitizedText(text) == "call [REDACTED:phone], mail [REDACTED:email], key [REDACTED:aws_key]")
    }

    @Test func overlappingMatchesKeepTheEarliestLongest() throws {
        // The JWT sits inside the Bearer token: one marker for the whole span.
        let text = "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc"
        #expect(try sanitizedText(text, key: "header") == "Authorization: [REDACTED:oauth_token]")
    }

    @Test func aPrivateKeyWithoutItsEndIsRedactedToTheEndOfTheString() throws {
        #expect(try sanitizedText("k=-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA cut") == "k=[REDACTED:private_key]")
    }

    @Test func scrubbingCanBeTurnedOff() throws {
        var options = Options()
        options.piiScrubbing = false
        let json = #"{"password":"hunter2","email":"jane@example.com","note":"4111 1111 1111 1111"}"#
        #expect(try sanitized(json, options) == json)
    }

    @Test func customPatternsRedactWithTheirName() throws {
        var options = Options()
        try options.addCustomPattern(name: "employee_id", pattern: #"EMP-\d{6}"#)
        #expect(try sanitizedText("by EMP-123456 and EMP-12345", options) == "by [REDACTED:employee_id] and EMP-12345")
    }

    @Test func anInvalidCustomPatternIsRejectedWithPCRE2sMessageAndOffset() {
        var options = Options()
        #expect {
            try options.addCustomPattern(name: "broken", pattern: "abc(def")
        } throws: { error in
            guard let error = error as? OptionError else { return false }
            return error.kind == .invalidPattern && error.message.contains("missing closing parenthesis")
                && error.message.contains("offset 7")
        }
        #expect(options.customPatterns.isEmpty)
    }

    @Test(arguments: ["", "Employee", "emp-id", "a b", String(repeating: "x", count: 65)])
    func customPatternNamesAreRestricted(_ name: String) {
        var options = Options()
        #expect(throws: OptionError.self) { try options.addCustomPattern(name: name, pattern: "x") }
    }

    @Test func redactionsAndSecurityFlagsAreReported() throws {
        let json = #"{"user":{"email":"a@b.io","notes":["x a@b.io y c@d.io"],"password":"p"},"token":{"x":1}}"#
        let result = try sanitizeResult(json)
        #expect(result.redactions == 5)
        let flags = result.securityFlags.map { "\($0.variable)|\($0.category)|\($0.severity)" }
        #expect(flags == [
            "user.email|email|medium",
            "user.notes[0]|email|high",
            "user.password|sensitive_name|medium",
            "token|sensitive_name|medium",
        ])
    }

    @Test func repeatedKeysAreDecidedTheSameEveryTime() throws {
        // Enough records for the per-pass key cache to be in use.
        let record = #"{"id":1,"password":"p","jane@example.com":"x","note":"call 555-123-4567"}"#
        let expected = #"{"id":1,"password":"[REDACTED:sensitive_name]","[REDACTED:email]":"x","note":"call [REDACTED:phone]"}"#
        let json = "[" + Array(repeating: record, count: 40).joined(separator: ",") + "]"
        let result = try sanitizeResult(json)
        #expect(String(decoding: result.json, as: UTF8.self)
            == "[" + Array(repeating: expected, count: 40).joined(separator: ",") + "]")
        #expect(result.redactions == 120)
    }

    @Test func flaggedPathsUseTheScrubbedKey() throws {
        let result = try sanitizeResult(#"{"a@b.io":"555-123-4567"}"#)
        #expect(result.securityFlags.map(\.variable) == ["[REDACTED:email]", "[REDACTED:email]"])
    }
}
