import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitTestSupport

/// The sender delivers several snapshots at once (docs/ARCHITECTURE.md
/// "Capture semantics": at most 16 in flight by default), so a distant
/// backend does not cap delivery at one snapshot per round trip, and one
/// failing snapshot does not hold up the others. Ordering is not promised.
@Suite("Client: several snapshots in flight at once")
struct ClientConcurrentDeliveryTests {
    /// Captures `count` snapshots numbered by "i", then flushes; whether the
    /// flush completed and how long it all took.
    func captureNumbered(_ client: CaptureClient, _ count: Int, flushMs: Int) -> (flushed: Bool, ms: Double) {
        elapsedMilliseconds { () -> Bool in
            for index in 0..<count { #expect(client.capture(at: .checkout, #"{"i": \#(index)}"#) == .captured) }
            return client.flush(timeoutMs: flushMs)
        }
    }

    /// The numbers of the snapshots the backend took, sorted.
    func deliveredNumbers(_ captures: [[String: Any]]) -> [Int] {
        captures.compactMap { ($0["variables"] as? [String: Any])?["i"] as? Int }.sorted()
    }

    @Test("against a backend answering after 100 ms, up to sixteen captures are in flight together, never more")
    func severalInFlight() throws {
        let backend = InProcessBackend()
        let client = try makeActiveClient(backend)
        defer { client.shutdown() }
        backend.stallCaptures(milliseconds: 100)

        let (flushed, ms) = captureNumbered(client, 40, flushMs: 5_000)
        #expect(flushed)
        #expect(deliveredNumbers(backend.log().deliveredCaptures) == Array(0..<40))
        #expect(client.counter("sent") == 40)
        #expect(backend.peakConcurrentCaptures > 1 && backend.peakConcurrentCaptures <= 16,
                "peak \(backend.peakConcurrentCaptures) in flight")
        #expect(ms < 2_000, "40 snapshots one at a time take 4 s; took \(ms) ms")
    }

    @Test("a snapshot that keeps failing slowly does not hold up the ones captured after it")
    func failingSnapshotDoesNotBlock() throws {
        let backend = InProcessBackend()
        let client = try makeActiveClient(backend)
        defer { client.shutdown() }
        backend.failCaptures(containing: "poison", status: 503, stallMs: 300)

        #expect(client.capture(at: .checkout, #"{"kind": "poison"}"#) == .captured)
        for index in 0..<5 { #expect(client.capture(at: .checkout, #"{"i": \#(index)}"#) == .captured) }
        #expect(client.flush(timeoutMs: 5_000))

        let attempts = backend.log().captureAttempts
        let poisoned = attempts.filter { ($0["raw"] as? String)?.contains("poison") == true }
        let others = attempts.filter { ($0["raw"] as? String)?.contains("poison") == false }
        #expect(poisoned.count == 3, "the first try and two retries")
        #expect(others.count == 5 && others.allSatisfy { $0["status"] as? Int == 201 })
        let firstPoisonAnswer = poisoned.compactMap { $0["t"] as? Double }.min() ?? 0
        #expect(others.allSatisfy { ($0["t"] as? Double ?? .infinity) < firstPoisonAnswer },
                "the five were answered before the poisoned one's first answer")
        #expect(client.counter("sent") == 5)
        #expect(client.counter("failed") == 1)
        #expect(client.counter("retried") == 2)
        #expect(client.circuitStateName == "closed")  // one failed delivery of max_failures 100
    }

    @Test("an idle sender takes a snapshot at once; the ones right after it gather until the window ends or a flush")
    func snapshotsGather() throws {
        let backend = InProcessBackend()
        let client = try makeActiveClient(backend) { $0.senderGatherMs = 60_000 }
        defer { client.shutdown() }
        #expect(client.capture(at: .checkout, #"{"i": 0}"#) == .captured)
        #expect(eventually { backend.log().deliveredCaptures.count == 1 })

        // Within the window a capture rings no doorbell: it waits in the queue.
        for index in 1...3 { #expect(client.capture(at: .checkout, #"{"i": \#(index)}"#) == .captured) }
        Thread.sleep(forTimeInterval: 0.5)
        #expect(backend.log().deliveredCaptures.count == 1)

        let (flushed, ms) = elapsedMilliseconds { client.flush(timeoutMs: 5_000) }
        #expect(flushed && ms < 2_000, "flush took \(ms) ms")
        #expect(deliveredNumbers(backend.log().deliveredCaptures) == [0, 1, 2, 3])
    }

    @Test("while the sender gathers, as many snapshots as it can start at once end the wait")
    func fullBatchEndsGathering() throws {
        let backend = InProcessBackend()
        let client = try makeActiveClient(backend) {
            $0.senderGatherMs = 60_000
            $0.maxConcurrentDeliveries = 4
        }
        defer { client.shutdown() }
        #expect(client.capture(at: .checkout, #"{"i": 0}"#) == .captured)
        #expect(eventually { client.counter("sent") == 1 })
        for index in 1...3 { #expect(client.capture(at: .checkout, #"{"i": \#(index)}"#) == .captured) }
        Thread.sleep(forTimeInterval: 0.3)
        #expect(backend.log().deliveredCaptures.count == 1, "three of a batch of four wait")
        #expect(client.capture(at: .checkout, #"{"i": 4}"#) == .captured)
        #expect(eventually { backend.log().deliveredCaptures.count == 5 })
    }

    @Test("with max in flight 1 the sender is serial: one capture at a time")
    func oneInFlightIsSerial() throws {
        let backend = InProcessBackend()
        let client = try makeActiveClient(backend) { $0.maxConcurrentDeliveries = 1 }
        defer { client.shutdown() }
        backend.stallCaptures(milliseconds: 20)
        for _ in 0..<5 { #expect(client.capture(at: .checkout) == .captured) }
        #expect(client.flush(timeoutMs: 5_000))
        #expect(backend.peakConcurrentCaptures == 1)
        #expect(client.counter("sent") == 5)
    }

    @Test("over libcurl against a backend answering each capture after 300 ms, sixteen arrive in well under 16 × 300 ms")
    func severalInFlightOverHTTP() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try makeActiveClient(backend) { try $0.setCaptureTimeoutMs(5_000) }
        defer { client.shutdown() }
        backend.stallCaptures(milliseconds: 300)

        let (flushed, ms) = captureNumbered(client, 16, flushMs: 8_000)
        #expect(flushed)
        #expect(deliveredNumbers(backend.log().deliveredCaptures) == Array(0..<16))
        #expect(client.counter("sent") == 16)
        #expect(ms < 2_400, "one at a time takes 4.8 s; sixteen at a time 0.3 s; took \(ms) ms")
    }
}
