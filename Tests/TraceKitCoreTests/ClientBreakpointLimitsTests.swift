import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitTestSupport

/// A breakpoint's own limits (docs/PROTOCOL.md "Limits and markers": "expire_at in
/// the past, or max_captures > 0 && capture_count >= max_captures: no
/// capture"; docs/ARCHITECTURE.md "Capture semantics": frequency honoured locally; suppressed captures are
/// counted).
@Suite("Client: expiry, max_captures and capture_frequency")
struct ClientBreakpointLimitsTests {
    func client(_ backend: InProcessBackend, _ breakpoint: [String: Any]) throws -> CaptureClient {
        backend.setBreakpoints([breakpoint])
        let client = try makeClient(backend)
        #expect(backend.waitUntilApplied() && client.counter("breakpoints") == 1)
        return client
    }

    @Test("max_captures counts the server's capture_count plus the local captures")
    func maxCaptures() throws {
        let backend = InProcessBackend()
        let client = try client(backend, breakpointJSON(["max_captures": 3, "capture_count": 1]))
        defer { client.shutdown() }
        let outcomes = (0..<4).map { _ in client.capture(at: .checkout) }
        #expect(outcomes == [.captured, .captured, .skipped, .skipped])
        #expect(client.counter("suppressed_max_captures") == 2)
        #expect(backend.wait { $0.deliveredCaptures.count == 2 })
    }

    @Test("when the server reports the captures it counted, they are not counted twice")
    func serverCountNotDoubleCounted() throws {
        let backend = InProcessBackend()
        let client = try client(backend, breakpointJSON(["max_captures": 3, "capture_count": 0]))
        defer { client.shutdown() }
        #expect(client.capture(at: .checkout) == .captured)
        #expect(client.capture(at: .checkout) == .captured)
        #expect(backend.wait { $0.deliveredCaptures.count == 2 })

        // docs/PROTOCOL.md "Limits": "The server increments capture_count and pushes the update."
        backend.setBreakpoints([breakpointJSON(["max_captures": 3, "capture_count": 2])])
        let polls = backend.log().polls
        #expect(backend.wait { $0.polls >= polls + 2 })  // the update has been polled
        #expect(client.capture(at: .checkout) == .captured, "2 captured of max 3, yet the third was refused")
        #expect(client.capture(at: .checkout) == .skipped)
    }

    @Test("a breakpoint whose capture_count already reached max_captures captures nothing")
    func maxCapturesAlreadyReached() throws {
        let backend = InProcessBackend()
        let client = try client(backend, breakpointJSON(["max_captures": 2, "capture_count": 2]))
        defer { client.shutdown() }
        #expect(client.capture(at: .checkout) == .skipped)
        #expect(client.counter("suppressed_max_captures") == 1)
        #expect(client.flush(timeoutMs: 500))
        #expect(backend.log().captureAttempts.isEmpty)
    }

    @Test("max_captures 0 means unlimited")
    func maxCapturesZeroIsUnlimited() throws {
        let backend = InProcessBackend()
        let client = try client(backend, breakpointJSON(["max_captures": 0, "capture_count": 50]))
        defer { client.shutdown() }
        for _ in 0..<5 { #expect(client.capture(at: .checkout) == .captured) }
    }

    @Test("expire_at in the past: skipped and counted as expired; in the future: captured")
    func expiry() throws {
        let backend = InProcessBackend()
        let client = try client(backend, breakpointJSON(["expire_at": "2020-01-01T00:00:00Z"]))
        defer { client.shutdown() }
        #expect(client.capture(at: .checkout) == .skipped)
        #expect(client.counter("suppressed_expired") == 1)

        backend.setBreakpoints([breakpointJSON(["expire_at": "2099-01-01T00:00:00Z"])])
        #expect(backend.waitUntilApplied())
        #expect(client.capture(at: .checkout) == .captured)
        #expect(client.counter("suppressed_expired") == 1)
        #expect(backend.wait { $0.deliveredCaptures.count == 1 })
    }

    @Test("capture_frequency: a second hit within the interval is skipped and counted")
    func captureFrequency() throws {
        let backend = InProcessBackend()
        let client = try client(backend, breakpointJSON(["capture_frequency": 60]))
        defer { client.shutdown() }
        #expect(client.capture(at: .checkout) == .captured)
        #expect(client.capture(at: .checkout) == .skipped)
        #expect(client.counter("suppressed_frequency") == 1)
    }

    @Test("the process-wide rate limit suppresses captures beyond the budget and counts them")
    func processWideRateLimit() throws {
        let backend = InProcessBackend()
        backend.setBreakpoints([breakpointJSON()])
        let client = try makeClient(backend) { try $0.setMaxCapturesPerSecond(2) }
        defer { client.shutdown() }
        #expect(backend.waitUntilApplied() && client.site(.checkout).isActive)
        let outcomes = (0..<10).map { _ in client.capture(at: .checkout) }
        let captured = outcomes.filter { $0 == .captured }.count
        #expect(captured >= 1 && captured <= 3)
        #expect(client.counter("suppressed_rate_limit") == 10 - captured)
    }

    @Test("hits refused by max_captures do not spend the process-wide budget of other breakpoints")
    func exhaustedBreakpointDoesNotStarveOthers() throws {
        let backend = InProcessBackend()
        backend.setBreakpoints([
            breakpointJSON(["max_captures": 1, "capture_count": 1]),
            breakpointJSON(id: "bp-refund", function: "refund_order", label: "refund", file: "billing.c", line: 7),
        ])
        let client = try makeClient(backend) { try $0.setMaxCapturesPerSecond(2) }
        defer { client.shutdown() }
        #expect(backend.waitUntilApplied() && client.site(.checkout).isActive && client.site(.refund).isActive)
        for _ in 0..<10 { #expect(client.capture(at: .checkout) == .skipped) }
        #expect(client.counter("suppressed_max_captures") == 10)
        // docs/ARCHITECTURE.md "Capture semantics": the budget bounds the snapshots taken; none was taken yet.
        #expect(client.capture(at: .refund) == .captured)
        #expect(client.counter("suppressed_rate_limit") == 0)
    }

    @Test("a hit with invalid variables JSON does not use up max_captures")
    func invalidInputKeepsMaxCapturesBudget() throws {
        let backend = InProcessBackend()
        let client = try client(backend, breakpointJSON(["max_captures": 1]))
        defer { client.shutdown() }
        guard case .invalidJSON = client.capture(at: .checkout, "{not json") else {
            Issue.record("expected .invalidJSON")
            return
        }
        #expect(client.capture(at: .checkout) == .captured, "the invalid hit used up the only capture")
    }
}
