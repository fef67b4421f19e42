import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitFuzzSupport

/// Replays the sanitize fuzz corpus (fuzz/corpus/sanitize) through the same
/// path as the libFuzzer target, checking the same invariants.
@Suite("Sanitize fuzz corpus replay")
struct SanitizeCorpusReplayTests {
    static let files: [URL] = (try? FileManager.default.contentsOfDirectory(
        at: repositoryRoot.appendingPathComponent("fuzz/corpus/sanitize"), includingPropertiesForKeys: nil)) ?? []

    @Test func theCorpusIsThere() {
        #expect(Self.files.count >= 100)
    }

    @Test func everyCorpusInputKeepsTheInvariants() throws {
        var sanitizedCount = 0
        for file in Self.files {
            let bytes = try [UInt8](Data(contentsOf: file))
            guard bytes.count >= FuzzOptions.headerLength else { continue }
            let options = bytes.withUnsafeBufferPointer {
                FuzzOptions.options(from: UnsafeBufferPointer(rebasing: $0[0..<FuzzOptions.headerLength]))
            }
            let json = Array(bytes[FuzzOptions.headerLength...])
            do {
                let result = try Sanitizer(options: options).sanitize(json)
                let output = result.json
                sanitizedCount += 1
                // Again, now with every key name in the thread's cache: the
                // C loop over plain members (plain_members.c) writes and
                // flags what the Swift parser did the first time.
                let again = try Sanitizer(options: options).sanitize(json)
                #expect(again.json == output, "\(file.lastPathComponent)")
                #expect(again.securityFlags == result.securityFlags, "\(file.lastPathComponent)")
                let text = try #require(String(validating: output, as: UTF8.self), "\(file.lastPathComponent)")
                _ = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
                if options.maxPayload > 0 {
                    #expect(output.count <= max(options.maxPayload, 124), "\(file.lastPathComponent)")
                }
            } catch let error as SanitizeError {
                #expect((0...json.count).contains(error.offset), "\(file.lastPathComponent)")
                #expect(throws: error) { try Sanitizer(options: options).sanitize(json) }
            }
        }
        #expect(sanitizedCount > 0)
    }
}
