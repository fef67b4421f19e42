import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitTestSupport

/// The sender retries 5xx and network failures with backoff and honours a
/// 429's Retry-After (docs/PROTOCOL.md "Capture": "**Ours:** honour 429 with
/// Retry-After"; docs/ARCHITECTURE.md "Capture semantics"). Against the
/// in-process backend; `flush` is the wait.
@Suite("Client: the sender retries and honours Retry-After")
struct ClientRetryTests {
    func activeClient(_ backend: InProcessBackend) throws -> CaptureClient {
        backend.setBreakpoints([breakpointJSON()])
        let client = try makeClient(backend) {
            try $0.setCircuitBreaker(maxFailures: 1, windowMs: 10_000, cooldownMs: 300)
            try $0.setCaptureTimeoutMs(3_000)
        }
        #expect(backend.waitUntilApplied())
        #expect(client.site(.checkout).isActive)
        return client
    }

    @Test("a 429 with Retry-After: 1 delays the next attempt by about a second, then the snapshot is delivered")
    func retryAfterHonoured() throws {
        let backend = InProcessBackend()
        let client = try activeClient(backend)
        defer { client.shutdown() }
        backend.failCaptures(count: 1, status: 429, retryAfter: "1")

        #expect(client.capture(at: .checkout) == .captured)
        #expect(client.flush(timeoutMs: 4_000))
        #expect(backend.log().deliveredCaptures.count == 1)
        let attempts = backend.log().captureAttempts
        #expect(attempts.count == 2)
        if attempts.count == 2, let first = attempts[0]["t"] as? Double, let second = attempts[1]["t"] as? Double {
            #expect(second - first >= 0.95, "retried after \(second - first) s")
            #expect(second - first < 2.5)
        }
        #expect(client.circuitStateName == "closed")  // a 429 is not a failure
        #expect(client.counter("sent") == 1)
        #expect(client.counter("failed") == 0)
    }

    @Test("a 503 is retried and the snapshot is delivered once")
    func serverErrorRetried() throws {
        let backend = InProcessBackend()
        let client = try activeClient(backend)
        defer { client.shutdown() }
        backend.failCaptures(count: 1, status: 503)

        #expect(client.capture(at: .checkout) == .captured)
        #expect(client.flush(timeoutMs: 4_000))
        #expect(backend.log().deliveredCaptures.count == 1)
        #expect(backend.log().captureAttempts.count == 2)
        #expect(client.counter("sent") == 1)
        #expect(client.counter("retried") == 1)
        #expect(client.counter("failed") == 0)
        #expect(client.circuitStateName == "closed")
    }

    @Test("the retried request is the same snapshot")
    func retrySendsSameBody() throws {
        let backend = InProcessBackend()
        let client = try activeClient(backend)
        defer { client.shutdown() }
        backend.failCaptures(count: 1, status: 502)
        #expect(client.capture(at: .checkout, #"{"order_id": 99}"#) == .captured)
        #expect(client.flush(timeoutMs: 4_000))
        #expect(backend.log().captureAttempts.count == 2)
        let bodies = backend.log().captureAttempts.compactMap { $0["raw"] as? String }
        #expect(bodies.count == 2 && bodies[0] == bodies[1])
    }
}
