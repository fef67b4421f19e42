import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitTestSupport

/// "Every function is thread-safe" (docs/ARCHITECTURE.md "C ABI contract"): many threads capturing at
/// once lose nothing and count everything.
@Suite("Client: concurrent checkpoints")
struct ClientConcurrencyTests {
    @Test("8 threads x 50 captures: every one is delivered and counted once")
    func manyThreads() throws {
        let backend = InProcessBackend()
        backend.setBreakpoints([breakpointJSON()])
        let client = try makeClient(backend) { try $0.setCaptureTimeoutMs(5_000) }
        defer { client.shutdown() }
        #expect(backend.waitUntilApplied() && client.site(.checkout).isActive)

        let threads = 8, perThread = 50
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in 0..<perThread {
                _ = client.capture(at: .checkout, #"{"thread": \#(thread), "i": \#(index)}"#)
            }
        }
        #expect(client.counter("captured") == threads * perThread)
        #expect(client.flush(timeoutMs: 20_000))
        #expect(client.counter("sent") == threads * perThread)
        let delivered = backend.log().deliveredCaptures.compactMap { $0["variables"] as? [String: Any] }
        let unique = Set(delivered.compactMap { v -> Int? in
            guard let t = v["thread"] as? Int, let i = v["i"] as? Int else { return nil }
            return t * 1_000 + i
        })
        #expect(unique.count == threads * perThread)
    }
}
