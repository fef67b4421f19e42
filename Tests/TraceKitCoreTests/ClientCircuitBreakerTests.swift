import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitTestSupport

/// docs/ARCHITECTURE.md "Capture semantics" "Circuit breaker": a snapshot
/// whose attempts all failed (5xx or network) counts once, however many
/// HTTP attempts it took; after max_failures such snapshots within the
/// window the circuit opens and captures are suppressed locally and counted;
/// after the cooldown one probe goes through and its success closes it.
/// Against the in-process backend: `flush` returns once the sender has
/// recorded a snapshot's outcome, so no test waits on a timer.
@Suite("Client: the circuit breaker opens after failed deliveries and recovers")
struct ClientCircuitBreakerTests {
    /// A client with an active checkout site whose breaker opens after
    /// `maxFailures` failed snapshots and cools down for `cooldownMs`.
    func clientWithBreaker(_ backend: InProcessBackend, maxFailures: Int = 1,
                           cooldownMs: Int = 300, maxInFlight: Int = 8) throws -> CaptureClient {
        backend.setBreakpoints([breakpointJSON()])
        let client = try makeClient(backend) {
            try $0.setCircuitBreaker(maxFailures: maxFailures, windowMs: 10_000, cooldownMs: cooldownMs)
            $0.maxConcurrentDeliveries = maxInFlight
        }
        #expect(backend.waitUntilApplied())
        #expect(client.site(.checkout).isActive)
        return client
    }

    @Test("one 503 followed by a successful retry is no failure, even with max_failures 1")
    func retriedSuccessNeverOpens() throws {
        let backend = InProcessBackend()
        let client = try clientWithBreaker(backend, maxFailures: 1)
        defer { client.shutdown() }
        backend.failCaptures(count: 1, status: 503)

        #expect(client.capture(at: .checkout) == .captured)
        #expect(client.flush(timeoutMs: 5_000))
        #expect(backend.log().captureAttempts.map { $0["status"] as? Int } == [503, 201])
        #expect(client.counter("sent") == 1)
        #expect(client.counter("retried") == 1)
        #expect(client.circuitStateName == "closed")
        #expect(client.capture(at: .checkout) == .captured)
    }

    @Test("three snapshots whose attempts all fail open the circuit; captures are then skipped and counted")
    func threeFailedSnapshotsOpen() throws {
        let backend = InProcessBackend()
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
        let backend = InProcessBackend()
        let client = try clientWithBreaker(backend, cooldownMs: 300)
        defer { client.shutdown() }
        backend.failCaptures(count: 3, status: 503)
        #expect(client.capture(at: .checkout) == .captured)
        #expect(client.flush(timeoutMs: 5_000))
        #expect(client.circuitStateName == "open")
        #expect(client.capture(at: .checkout) == .skipped)

        Thread.sleep(forTimeInterval: 0.35)  // the cooldown itself is what is under test
        #expect(client.capture(at: .checkout) == .captured, "the circuit let no capture through after its cooldown")
        #expect(client.flush(timeoutMs: 5_000))
        #expect(backend.log().deliveredCaptures.count == 1)
        #expect(client.circuitStateName == "closed")
        #expect(client.capture(at: .checkout) == .captured)
    }

    @Test("snapshots already queued when the circuit opens are dropped and counted")
    func queuedSnapshotsDroppedWhileOpen() throws {
        let backend = InProcessBackend()
        let client = try clientWithBreaker(backend, maxFailures: 1, cooldownMs: 60_000, maxInFlight: 1)
        defer { client.shutdown() }
        backend.failCaptures(count: 100, status: 500)
        backend.stallCaptures(milliseconds: 50)  // so the five captures queue before the circuit opens
        let outcomes = (0..<5).map { _ in client.capture(at: .checkout) }
        #expect(outcomes.allSatisfy { $0 == .captured })
        #expect(client.flush(timeoutMs: 5_000))
        #expect(backend.log().captureAttempts.count == 3)
        #expect(client.counter("failed") == 1)
        #expect(client.counter("dropped_circuit_open") == 4)
    }

    @Test("snapshots failing together count once each and trip the circuit once")
    func concurrentFailuresCountOncePerSnapshot() throws {
        let backend = InProcessBackend()
        let client = try clientWithBreaker(backend, maxFailures: 3, cooldownMs: 60_000)
        defer { client.shutdown() }
        backend.failCaptures(count: 1_000, status: 503)
        backend.stallCaptures(milliseconds: 50)  // so all six are in flight together
        for _ in 0..<6 { #expect(client.capture(at: .checkout) == .captured) }
        #expect(client.flush(timeoutMs: 5_000))
        #expect(backend.peakConcurrentCaptures >= 2)
        #expect(client.circuitStateName == "open")
        #expect(client.counter("failed") == 6, "each snapshot counts once: \(client.statsJSON())")
        #expect(backend.log().captureAttempts.count <= 18)
        #expect(backend.wait { $0.pollRequests.contains { $0["method"] as? String == "POST" } })
        let events = backend.log().pollRequests.compactMap { ($0["body"] as? [String: Any])?["events"] as? [[String: Any]] }
        #expect(events.joined().filter { $0["type"] as? String == "circuit_breaker_tripped" }.count == 1)
    }

    @Test("4xx responses other than 429 are not failures for the breaker")
    func clientErrorsDoNotTrip() throws {
        let backend = InProcessBackend()
        let client = try clientWithBreaker(backend, maxFailures: 1)
        defer { client.shutdown() }
        backend.failCaptures(count: 5, status: 400)
        for _ in 0..<5 { #expect(client.capture(at: .checkout) == .captured) }
        #expect(client.flush(timeoutMs: 5_000))
        #expect(backend.log().captureAttempts.count == 5)
        #expect(client.circuitStateName == "closed")
        #expect(client.counter("retried") == 0)  // docs/PROTOCOL.md: "4xx is logged, not counted"
        #expect(client.capture(at: .checkout) == .captured)
    }

    @Test("a trip is reported on the next poll as a circuit_breaker_tripped event (POST with events)")
    func tripEventReportedByPoll() throws {
        let backend = InProcessBackend()
        let client = try clientWithBreaker(backend, maxFailures: 1)
        defer { client.shutdown() }
        backend.failCaptures(count: 3, status: 500)
        #expect(client.capture(at: .checkout) == .captured)
        #expect(client.flush(timeoutMs: 5_000))
        #expect(client.circuitStateName == "open")

        let isPost = { (poll: [String: Any]) in poll["method"] as? String == "POST" }
        #expect(backend.wait { $0.pollRequests.contains(where: isPost) })
        let post = try #require(backend.log().pollRequests.first(where: isPost))
        let events = try #require((post["body"] as? [String: Any])?["events"] as? [[String: Any]])
        let trip = try #require(events.first)
        #expect(trip["type"] as? String == "circuit_breaker_tripped")
        #expect(trip["service_name"] as? String == "svc")
        #expect(trip["failure_count"] as? Int == 1)
        #expect(trip["window_seconds"] as? Int == 10)
        #expect(trip["timestamp"] is String)
        // Reported once: the next polls are plain GETs again.
        let polls = backend.log().polls
        #expect(backend.wait { $0.polls >= polls + 2 })
        #expect(backend.log().pollRequests.filter(isPost).count == 1)
    }
}
