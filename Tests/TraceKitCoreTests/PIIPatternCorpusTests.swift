import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore

/// docs/PII.md, both sides: every pattern redacts its positives (only the
/// matched span, context kept) and leaves near-miss negatives untouched.
@Suite("PII pattern corpus")
struct PIIPatternCorpusTests {
    struct PatternCase: CustomTestStringConvertible, Sendable {
        let category: String
        let text: String
        let secret: String
        var testDescription: String { "\(category): \(text.debugDescription)" }
    }

    struct Corpus: Decodable {
        struct Pattern: Decodable {
            let positives: [[String]]
            let negatives: [String]
        }
        struct Keys: Decodable {
            let positives: [String]
            let negatives: [String]
        }
        struct Typed: Decodable {
            let positives: [[String]]
            let negatives: [[String]]
        }
        let patterns: [String: Pattern]
        let sensitive_keys: Keys
        let typed_keys: Typed
    }

    static let corpus: Corpus? = try? JSONDecoder().decode(Corpus.self, from: fixture("pii_corpus.json"))
    static var patterns: [String: Corpus.Pattern] { corpus?.patterns ?? [:] }

    static let positives: [PatternCase] = patterns.sorted { $0.key < $1.key }.flatMap { category, entry in
        entry.positives.map { PatternCase(category: category, text: $0[0], secret: $0.count > 1 ? $0[1] : $0[0]) }
    }

    static let negatives: [PatternCase] = patterns.sorted { $0.key < $1.key }.flatMap { category, entry in
        entry.negatives.map { PatternCase(category: category, text: $0, secret: "") }
    }

    @Test func corpusCoversEveryValuePatternWithEightOfEach() {
        let valueCategories = PIICategory.allCases.filter { $0 != .sensitiveName }.map(\.rawValue)
        #expect(Set(Self.patterns.keys) == Set(valueCategories))
        for category in valueCategories {
            #expect(Self.positives.filter { $0.category == category }.count >= 8, "\(category) positives")
            #expect(Self.negatives.filter { $0.category == category }.count >= 8, "\(category) negatives")
        }
    }

    @Test(arguments: positives)
    func positiveIsRedactedInPlace(_ example: PatternCase) throws {
        let text = "before: \(example.text) :after"
        let output = try #require(try sanitizedText(text))
        let marker = "[REDACTED:\(example.category)]"
        #expect(output.contains(marker), "\(output)")
        #expect(!output.contains(example.secret), "\(output)")
        #expect(output.hasPrefix("before: ") && output.hasSuffix(" :after"), "\(output)")
        #expect(output == text.replacingOccurrences(of: example.secret, with: marker), "only the span is replaced")
    }

    @Test(arguments: negatives)
    func nearMissIsKept(_ example: PatternCase) throws {
        let text = "before: \(example.text) :after"
        #expect(try sanitizedText(text) == text)
    }

    static let sensitiveKeys = ["positives": corpus?.sensitive_keys.positives ?? [],
                                "negatives": corpus?.sensitive_keys.negatives ?? []]

    @Test(arguments: sensitiveKeys["positives"] ?? [])
    func sensitiveKeyRedactsTheWholeValue(_ key: String) throws {
        let output = try sanitized("{\"\(key)\":\"plain value\",\"n\":{\"\(key)\":12345},\"o\":{\"\(key)\":{\"a\":1}}}")
        #expect(output == "{\"\(key)\":\"[REDACTED:sensitive_name]\",\"n\":{\"\(key)\":\"[REDACTED:sensitive_name]\"},\"o\":{\"\(key)\":\"[REDACTED:sensitive_name]\"}}")
    }

    @Test(arguments: sensitiveKeys["positives"] ?? [])
    func sensitiveKeyKeepsBooleansAndNull(_ key: String) throws {
        let json = "{\"\(key)\":true,\"b\":{\"\(key)\":null},\"c\":{\"\(key)\":false}}"
        #expect(try sanitized(json) == json)
    }

    @Test(arguments: sensitiveKeys["negatives"] ?? [])
    func ordinaryKeyKeepsItsValue(_ key: String) throws {
        let json = "{\"\(key)\":\"banana\",\"x\":{\"\(key)\":42}}"
        #expect(try sanitized(json) == json)
    }

    struct TypedCase: CustomTestStringConvertible, Sendable {
        let key: String
        let valueJSON: String
        let category: String?
        var testDescription: String { "\(key): \(valueJSON)" }
    }

    static let typedKeys: (positives: [TypedCase], negatives: [TypedCase]) = (
        (corpus?.typed_keys.positives ?? []).map { TypedCase(key: $0[0], valueJSON: $0[1], category: $0[2]) },
        (corpus?.typed_keys.negatives ?? []).map { TypedCase(key: $0[0], valueJSON: $0[1], category: nil) }
    )

    @Test(arguments: typedKeys.positives)
    func typedKeyRedactsByItsType(_ example: TypedCase) throws {
        let output = try sanitized("{\"\(example.key)\":\(example.valueJSON)}")
        #expect(output == "{\"\(example.key)\":\"[REDACTED:\(example.category ?? "")]\"}")
    }

    @Test(arguments: typedKeys.negatives)
    func untypedOrEmptyValueIsKept(_ example: TypedCase) throws {
        let json = "{\"\(example.key)\":\(example.valueJSON)}"
        #expect(try sanitized(json) == json)
    }
}
