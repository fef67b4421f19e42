import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitFuzzSupport

/// Replays the fuzzer's committed seed corpus (fuzz/corpus/event_stream)
/// through the very check the fuzzer runs, so a finding fixed once stays fixed.
@Suite("SSE parser fuzz corpus replay")
struct EventStreamCorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz/corpus/event_stream")

    static func corpusFiles() -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []
        return names.sorted().map { corpus.appendingPathComponent($0) }
    }

    @Test("the corpus is there")
    func corpusExists() {
        #expect(Self.corpusFiles().count >= 20)
    }

    @Test("every corpus input keeps the parser's invariants", arguments: corpusFiles())
    func replay(file: URL) throws {
        let data = try Data(contentsOf: file)
        let violations = data.withUnsafeBytes { EventStreamParserCheck.run($0) }
        #expect(violations.isEmpty, "\(file.lastPathComponent): \(violations)")
    }

}
