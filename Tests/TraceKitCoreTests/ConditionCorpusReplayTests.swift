import Foundation
import Testing
import TraceKitCore

/// Replays every seed of the condition fuzzer's corpus (fuzz/corpus/condition)
/// through the fuzzer's steps (fuzz/Sources/ConditionFuzzer): expression before
/// the first newline, variables JSON after it, evaluated in both modes.
@Suite struct ConditionCorpusReplayTests {
    static let corpusDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz/corpus/condition")

    static let corpusFiles: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: corpusDirectory.path)) ?? []
        return names.sorted()
    }()

    struct Outcome {
        var variables: JSONValue = .null
        var parsed = false
        var results: [JSONValue] = []
        var engineText: String?
    }

    /// The fuzzer's steps, collecting what succeeded.
    static func replay(_ input: [UInt8]) -> Outcome {
        input.withUnsafeBytes { bytes in
            let newline = bytes.firstIndex(of: 0x0A) ?? bytes.count
            let expression = String(decoding: bytes[..<newline], as: UTF8.self)
            let json = UnsafeRawBufferPointer(rebasing: bytes[min(newline + 1, bytes.count)...])
            let variables = (try? JSONValue.parse(json)) ?? .object([:])
            var outcome = Outcome()
            outcome.variables = variables
            if let condition = try? ConditionExpression(expression) {
                outcome.parsed = true
                for mode in [EvaluationMode.sdk, .server] {
                    if let value = try? condition.evaluate(variables, mode: mode) { outcome.results.append(value) }
                    _ = try? condition.holds(variables, mode: mode)
                }
            }
            if case .success(let text) = ExpressionEngine.evaluate(expression: expression, variablesJSON: json) {
                outcome.engineText = text
            }
            return outcome
        }
    }

    @Test func corpusHasFixtureAndTrickySeeds() {
        #expect(Self.corpusFiles.filter { $0.hasPrefix("fixture_") }.count == 64)
        #expect(Self.corpusFiles.filter { $0.hasPrefix("tricky_") }.count >= 30)
    }

    @Test(arguments: corpusFiles)
    func seedEvaluatesWithoutCrashingAndResultsAreValidJSON(_ name: String) throws {
        let data = try Data(contentsOf: Self.corpusDirectory.appendingPathComponent(name))
        let outcome = Self.replay(Array(data))
        #expect(throws: Never.self) { try JSONValue.parse(outcome.variables.jsonText) }
        for value in outcome.results {
            #expect(throws: Never.self) { try JSONValue.parse(value.jsonText) }
        }
        if let text = outcome.engineText {
            #expect(throws: Never.self) { try JSONValue.parse(text) }
        }
        if name.hasPrefix("fixture_") {
            // Every fixture expression parses and evaluates at least on the server.
            #expect(outcome.parsed)
            #expect(!outcome.results.isEmpty)
        }
    }
}
