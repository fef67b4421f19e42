import Foundation
import Testing
@testable import TraceKitCore

/// docs/ARCHITECTURE.md "Capture semantics" "Circuit breaker": a snapshot
/// whose attempts all failed (5xx or network) counts once, however many
/// HTTP attempts it took; after max_failures such snapshots within the
/// window the circuit opens and captures are suppressed locally and counted;
/// after the cooldown one probe goes through and its success closes it.
@Suite("Client: the circuit breaker opens after failed deliveries and recovers", .serialized)
struct ClientCircuitBreakerTests {
    /// A client with an active checkout site whose breaker opens after
    /// `maxFailures` failed snapshots and cools down for 300 ms.
    func clientWithBreaker(_ backend: FakeBackend, maxFailures: Int = 1) throws -> CaptureClient {
        backend.setBreakpoints([breakpointJSON()])
        let client = try makeClient(backend) {
            try $0.setCircuitBreaker(maxFailures: maxFailures, windowMs: 10_000, cooldownMs: 300)
        }
        #expect(eventually { client.site(.checkout).isActive })
        return client
    }

    @Test("one 503 followed by a successful retry is no failure, even with max_failures 1")
    func retriedSuccessNeverOpens() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try clientWithBreaker(backend, maxFailures: 1)
        defer { client.shutdown() }
        backend.failCaptures(count: 1, status: 503)

        #expect(client.capture(at: .checkout) == .captured)
        #expect(client.flush(timeoutMs: 5_000))
        #expect(backend.log().captureAttempts.count == 2)  // the 503, then the retry that succeeded
        #expect(client.counter("sent") == 1)
        #expect(client.counter("retried") == 1)
        #expect(client.circuitStateName == "closed")
        #expect(client.capture(at: .checkout) == .captured)
    }

    @Test("three snapshots whose attempts all fail open the circuit; captures are then skipped and counted")
    func threeFailedSnapshotsOpen() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try clientWithBreaker(backend, maxFailures: 3)
        defer { client.shutdown() }
        backend.failCaptures(count: 9, status: 500)

        for failed in 1...2 {
            #expect(client.capture(at: .checkout) == .captured)
            #expect(client.flush(timeoutMs: 5_000))
            #expect(client.counter("failed") == failed)
            #expect(client.circuitStateName == "closed", "\(failed * 3) failed attempts are \(failed) failure(s)")
        }
        #expect(client.capture(at: .checkout) == .captured)
        #expect(client.flush(timeoutMs: 5_000))
        #expect(client.circuitStateName == "open")
        #expect(backend.log().captureAttempts.count == 9)  // each snapshot: the first try and two retries
        #expect(client.counter("failed") == 3)
        #expect(client.counter("retried") == 6)

        #expect(client.capture(at: .checkout) == .skipped)
        #expect(client.capture(at: .checkout) == .skipped)
        #expect(client.counter("suppressed_circuit") == 2)
        #expect(client.counter("captured") == 3)
    }

    @Test("after the cooldown a capture goes through and closes the circuit")
    func recoversAfterCooldown() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try clientWithBreaker(backend)
        defer { client.shutdown() }
        backend.failCaptures(count: 3, status: 503)
        #expect(client.capture(at: .checkout) == .captured)
        #expect(eventually { client.circuitStateName == "open" })

        Thread.sleep(forTimeInterval: 0.35)  // the 300 ms cooldown
        // Keep hitting the checkpoint, as an application would, until one is captured.
        var outcome = CaptureOutcome.skipped
        _ = eventually(within: 3) {
            outcome = client.capture(at: .checkout)
            return outcome == .captured
        }
        #expect(outcome == .captured, "the circuit never let a capture through after its cooldown")
        #expect(eventually { backend.log().deliveredCaptures.count == 1 })
        #expect(eventually { client.circuitStateName == "closed" })
        #expect(client.capture(at: .checkout) == .captured)
    }

    @Test("snapshots already queued when the circuit opens are dropped and counted")
    func queuedSnapshotsDroppedWhileOpen() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        backend.setBreakpoints([breakpointJSON()])
        let client = try makeClient(backend) {
            try $0.setCircuitBreaker(maxFailures: 1, windowMs: 10_000, cooldownMs: 60_000)
        }
        defer { client.shutdown() }
        #expect(eventually { client.site(.checkout).isActive })
        backend.failCaptures(count: 100, status: 500)
        backend.stallCaptures(milliseconds: 50)  // so the five captures queue before the circuit opens
        let outcomes = (0..<5).map { _ in client.capture(at: .checkout) }
        #expect(outcomes.allSatisfy { $0 == .captured })
        #expect(eventually { client.counter("queue_depth") == 0 })
        #expect(backend.log().captureAttempts.count == 3)
        #expect(client.counter("failed") == 1)
        #expect(client.counter("dropped_circuit_open") == 4)
    }

    @Test("4xx responses other than 429 are not failures for the breaker")
    func clientErrorsDoNotTrip() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try clientWithBreaker(backend)
        defer { client.shutdown() }
        backend.failCaptures(count: 5, status: 400)
        for _ in 0..<5 { #expect(client.capture(at: .checkout) == .captured) }
        #expect(eventually { backend.log().captureAttempts.count == 5 })
        #expect(client.flush(timeoutMs: 1_000))
        #expect(client.circuitStateName == "closed")
        #expect(client.counter("retried") == 0)  // docs/PROTOCOL.md: "4xx is logged, not counted"
        #expect(client.capture(at: .checkout) == .captured)
    }

    @Test("a trip is reported on the next poll as a circuit_breaker_tripped event (POST with events)")
    func tripEventReportedByPoll() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try clientWithBreaker(backend)
        defer { client.shutdown() }
        backend.failCaptures(count: 3, status: 500)
        #expect(client.capture(at: .checkout) == .captured)
        #expect(eventually { client.circuitStateName == "open" })

        #expect(eventually { backend.log().pollRequests.contains { $0["method"] as? String == "POST" } })
        let post = try #require(backend.log().pollRequests.first { $0["method"] as? String == "POST" })
        let events = try #require((post["body"] as? [String: Any])?["events"] as? [[String: Any]])
        let trip = try #require(events.first)
        #expect(trip["type"] as? String == "circuit_breaker_tripped")
        #expect(trip["service_name"] as? String == "svc")
        #expect(trip["failure_count"] as? Int == 1)
        #expect(trip["window_seconds"] as? Int == 10)
        #expect(trip["timestamp"] is String)
        // Reported once: later polls are plain GETs again.
        Thread.sleep(forTimeInterval: 0.3)
        #expect(backend.log().pollRequests.filter { $0["method"] as? String == "POST" }.count == 1)
    }
}
