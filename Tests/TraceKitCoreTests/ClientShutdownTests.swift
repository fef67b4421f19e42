import Foundation
import Synchronization
import Testing
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitTestSupport

/// Shutdown sends what is queued (for at most capture_timeout), then stops:
/// it "returns within capture_timeout + 1 s, whatever the backend does"
/// (docs/ARCHITECTURE.md "C ABI contract" contract details; tracekit.h tk_client_free).
@Suite("Client: shutdown delivers queued captures and is bounded", .serialized)
struct ClientShutdownTests {
    @Test("snapshots queued before shutdown are delivered by it")
    func shutdownDeliversQueue() throws {
        let backend = InProcessBackend()
        backend.setBreakpoints([breakpointJSON()])
        let client = try makeClient(backend) { try $0.setCaptureTimeoutMs(3_000) }
        #expect(backend.waitUntilApplied() && client.site(.checkout).isActive)
        backend.stallCaptures(milliseconds: 100)  // so the five are still queued when shutdown starts

        for index in 0..<5 { #expect(client.capture(at: .checkout, #"{"i": \#(index)}"#) == .captured) }
        #expect(client.counter("queue_depth") >= 3)
        client.shutdown()

        let delivered = backend.log().deliveredCaptures.compactMap { ($0["variables"] as? [String: Any])?["i"] as? Int }
        #expect(delivered.sorted() == [0, 1, 2, 3, 4])
        #expect(client.counter("sent") == 5)
    }

    @Test("checkpoints after shutdown return .shutDown; flush returns false; a second shutdown is a no-op")
    func callsAfterShutdown() throws {
        let backend = InProcessBackend()
        backend.setBreakpoints([breakpointJSON()])
        let client = try makeClient(backend)
        #expect(backend.waitUntilApplied() && client.site(.checkout).isActive)
        client.shutdown()
        #expect(client.capture(at: .checkout) == .shutDown)
        #expect(client.capture(at: .refund) == .shutDown)
        #expect(!client.flush(timeoutMs: 100))
        let (again, ms) = elapsedMilliseconds { client.shutdown() }
        #expect(ms < 50)
        #expect(again)
        #expect(!client.site(.checkout).isActive, "sites read inactive after shutdown")
    }

    @Test("with a backend that never answers, shutdown returns within capture_timeout + 1 s")
    func shutdownBoundedByTimeout() throws {
        let backend = InProcessBackend()
        backend.setBreakpoints([breakpointJSON()])
        let client = try makeClient(backend) { try $0.setCaptureTimeoutMs(500) }
        #expect(backend.waitUntilApplied() && client.site(.checkout).isActive)
        backend.stallCaptures(milliseconds: 10_000)
        for _ in 0..<5 { _ = client.capture(at: .checkout) }
        Thread.sleep(forTimeInterval: 0.05)  // the first request is in flight

        let (drained, ms) = elapsedMilliseconds { client.shutdown() }
        #expect(ms < 1_500, "shutdown took \(ms) ms")
        #expect(!drained, "a shutdown that had to drop snapshots reports it (TK_ERR_TIMEOUT)")
        #expect(client.counter("sent") == 0)
        #expect(client.counter("failed") + client.counter("dropped_circuit_open") == 5,
                "every queued snapshot is accounted for: \(client.statsJSON())")
    }

    @Test("flush waits until the queue is sent")
    func flushWaitsForQueue() throws {
        let backend = InProcessBackend()
        backend.setBreakpoints([breakpointJSON()])
        let client = try makeClient(backend)
        defer { client.shutdown() }
        #expect(backend.waitUntilApplied() && client.site(.checkout).isActive)
        backend.stallCaptures(milliseconds: 50)
        for _ in 0..<3 { #expect(client.capture(at: .checkout) == .captured) }
        #expect(client.flush(timeoutMs: 3_000))
        #expect(backend.log().deliveredCaptures.count == 3)
        #expect(client.counter("queue_depth") == 0)
    }

    @Test("checkpoints racing a shutdown on other threads return .captured or .shutDown, and all finish")
    func checkpointsRacingShutdown() throws {
        let backend = InProcessBackend()
        backend.setBreakpoints([breakpointJSON()])
        let client = try makeClient(backend)
        #expect(backend.waitUntilApplied() && client.site(.checkout).isActive)

        // Each thread captures until it sees .shutDown (bounded, so a bug cannot hang the suite).
        let outcomes = Mutex<[[CaptureOutcome]]>([])
        let group = DispatchGroup()
        for _ in 0..<4 {
            DispatchQueue.global().async(group: group) {
                var mine: [CaptureOutcome] = []
                for _ in 0..<100_000 {
                    mine.append(client.capture(at: .checkout))
                    if mine.last == .shutDown { break }
                }
                outcomes.withLock { $0.append(mine) }
            }
        }
        Thread.sleep(forTimeInterval: 0.02)
        client.shutdown()
        #expect(group.wait(timeout: .now() + 5) == .success)
        let perThread = outcomes.withLock { $0 }
        #expect(perThread.count == 4)
        #expect(perThread.allSatisfy { $0.last == .shutDown })
        #expect(perThread.joined().allSatisfy { $0 == .captured || $0 == .shutDown || $0 == .queueFull })
        #expect(client.capture(at: .checkout) == .shutDown)
    }
}
