import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitTestSupport

/// Checkpoints never wait on the network (docs/ARCHITECTURE.md "Capture semantics": "Caller-side work is
/// bounded ... retries and backoff happen on the library's own thread"); a
/// slow or dead backend only shows up as counted outcomes.
@Suite("Client: a slow or dead backend never reaches the caller", .serialized)
struct ClientBackendTroubleTests {
    @Test("with the backend stalling every capture 500 ms, capture() still returns in < 5 ms")
    func stalledBackendDoesNotSlowCapture() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try makeActiveClient(backend)
        defer { client.shutdown() }
        backend.stallCaptures(milliseconds: 500)

        var durations: [Double] = []
        for index in 0..<10 {
            let (outcome, ms) = elapsedMilliseconds { client.capture(at: .checkout, #"{"i": \#(index)}"#) }
            #expect(outcome == .captured)
            durations.append(ms)
        }
        let median = durations.sorted()[durations.count / 2]
        #expect(median < 5, "capture() took \(durations) ms")
        #expect(durations.reduce(0, +) < 500, "ten calls together waited for the backend: \(durations) ms")
        #expect(backend.log().deliveredCaptures.count < 10)  // the backend really is slow
    }

    @Test("a backend that goes away after the breakpoints arrived: captures are counted as sent, failed or dropped")
    func backendGoesAway() throws {
        let backend = try FakeBackend()
        backend.setBreakpoints([breakpointJSON()])
        let client = try makeClient(backend) {
            try $0.setCircuitBreaker(maxFailures: 3, windowMs: 10_000, cooldownMs: 60_000)
            try $0.setMaxQueue(5)
        }
        defer { client.shutdown() }
        #expect(eventually { client.site(.checkout).isActive })
        backend.stop()

        var outcomes: [CaptureOutcome] = []
        let (_, ms) = elapsedMilliseconds {
            for _ in 0..<20 { outcomes.append(client.capture(at: .checkout)) }
        }
        #expect(ms < 200, "20 captures took \(ms) ms with the backend down")
        #expect(outcomes.allSatisfy { [.captured, .skipped, .queueFull].contains($0) })
        #expect(eventually { client.counter("queue_depth") == 0 })
        let captured = client.counter("captured")
        #expect(captured == outcomes.filter { $0 != .skipped }.count)
        // The queue can be empty while the sender still retries the last snapshot.
        #expect(eventually(within: 10) {
            captured == client.counter("sent") + client.counter("failed")
                + client.counter("dropped_circuit_open") + client.counter("dropped_queue_full")
        })
        #expect(client.counter("sent") == 0)
        #expect(client.counter("suppressed_circuit") == outcomes.filter { $0 == .skipped }.count)
        #expect(eventually { client.counter("poll_errors") >= 1 })
        #expect(client.site(.checkout).isActive)  // docs/PROTOCOL.md: a failed poll keeps the cached breakpoints
    }

    @Test("a backend that is never up: checkpoints skip, polls fail and are counted, shutdown is bounded")
    func backendNeverUp() throws {
        let client = try makeClientOfDeadBackend(captureTimeoutMs: 500)
        for _ in 0..<100 { #expect(client.capture(at: .checkout) == .skipped) }
        #expect(eventually { client.counter("poll_errors") >= 2 })
        #expect(client.counter("polls") >= client.counter("poll_errors"))
        let (_, ms) = elapsedMilliseconds { client.shutdown() }
        #expect(ms < 1_500, "shutdown took \(ms) ms")
        #expect(client.capture(at: .checkout) == .shutDown)
    }

    @Test("failing polls keep the cached breakpoints")
    func failingPollsKeepBreakpoints() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try makeActiveClient(backend)
        defer { client.shutdown() }
        backend.failPolls(count: 5, status: 500)
        #expect(eventually { client.counter("poll_errors") >= 3 })
        #expect(client.site(.checkout).isActive)
        #expect(client.capture(at: .checkout) == .captured)
    }
}
