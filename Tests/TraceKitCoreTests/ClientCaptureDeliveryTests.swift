import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitTestSupport

/// A breakpoint enabled on the backend turns a checkpoint into one scrubbed
/// `POST /sdk/snapshots/capture` (docs/PROTOCOL.md "Poll", "Capture"; docs/ARCHITECTURE.md "Capture semantics").
@Suite("Client: a polled breakpoint delivers scrubbed snapshots")
struct ClientCaptureDeliveryTests {
    @Test("a breakpoint enabled by poll makes the site active and its capture arrives scrubbed")
    func pollEnablesAndCaptureArrivesScrubbed() throws {
        let backend = InProcessBackend()
        let client = try makeClient(backend)
        defer { client.shutdown() }
        let site = client.site(.checkout)
        #expect(!site.isActive)

        backend.setBreakpoints([breakpointJSON()])
        #expect(backend.waitUntilApplied() && site.isActive)
        let outcome = client.capture(at: .checkout, #"{"user": {"email": "jane@example.com", "name": "Jane"}, "amount": 42}"#)
        #expect(outcome == .captured)

        #expect(backend.wait { $0.deliveredCaptures.count == 1 })
        let body = try #require(backend.log().deliveredCaptures.first)
        let variables = try #require(body["variables"] as? [String: Any])
        let user = try #require(variables["user"] as? [String: Any])
        #expect(user["email"] as? String == "[REDACTED:email]")
        #expect(user["name"] as? String == "Jane")
        #expect(variables["amount"] as? Int == 42)
        #expect(client.counter("redactions") >= 1)
        #expect(client.counter("captured") == 1)
        #expect(client.flush(timeoutMs: 5_000) && client.counter("sent") == 1)
    }

    @Test("the snapshot carries the site, the breakpoint id, the service, a UTC time and the API key header")
    func snapshotFields() throws {
        let backend = InProcessBackend()
        backend.setBreakpoints([breakpointJSON(id: "bp-77")])
        let client = try makeClient(backend)
        defer { client.shutdown() }
        #expect(backend.waitUntilApplied() && client.site(.checkout).isActive)

        let context = #"{"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7"}"#
        #expect(client.capture(at: .checkout, #"{"n": 1}"#, context: context) == .captured)
        #expect(backend.wait { $0.deliveredCaptures.count == 1 })
        let attempt = try #require(backend.log().captureAttempts.first)
        #expect(attempt["api_key"] as? String == testAPIKey)
        let body = try #require(attempt["body"] as? [String: Any])
        #expect(body["breakpoint_id"] as? String == "bp-77")
        #expect(body["service_name"] as? String == "svc")
        #expect(body["file_path"] as? String == "app.c")
        #expect(body["line_number"] as? Int == 42)
        #expect(body["function_name"] as? String == "handle")
        #expect(body["label"] as? String == "checkout")
        #expect(body["trace_id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(body["span_id"] as? String == "00f067aa0ba902b7")
        let capturedAt = try #require(body["captured_at"] as? String)
        #expect(capturedAt.hasSuffix("Z"))
        #expect(ISO8601DateFormatter().date(from: capturedAt.replacingOccurrences(
            of: #"\.\d+"#, with: "", options: .regularExpression)) != nil)
    }

    @Test("a site matches a breakpoint by file:line when no function:label breakpoint exists")
    func matchesByFileAndLine() throws {
        let backend = InProcessBackend()
        backend.setBreakpoints([breakpointJSON(id: "bp-line", function: "", label: "")])
        let client = try makeClient(backend)
        defer { client.shutdown() }
        #expect(backend.waitUntilApplied() && client.site(.checkout).isActive)
        #expect(!client.site(.refund).isActive)
        #expect(client.capture(at: .checkout) == .captured)
        #expect(backend.wait { $0.deliveredCaptures.first?["breakpoint_id"] as? String == "bp-line" })
    }

    @Test("a site without an enabled breakpoint is skipped and sends no snapshot")
    func inactiveSiteSendsNothing() throws {
        let backend = InProcessBackend()
        backend.setBreakpoints([breakpointJSON(enabled: false)])
        let client = try makeClient(backend)
        defer { client.shutdown() }
        #expect(backend.waitUntilApplied() && client.counter("breakpoints") == 1)
        #expect(!client.site(.checkout).isActive)
        #expect(client.capture(at: .checkout) == .skipped)
        #expect(client.capture(at: .refund) == .skipped)
        #expect(client.flush(timeoutMs: 1_000))
        Thread.sleep(forTimeInterval: 0.2)
        #expect(backend.log().captureAttempts.isEmpty)
        #expect(client.counter("captured") == 0)
    }

    @Test("a full queue drops the snapshot, says .queueFull and counts it")
    func fullQueueDropsAndCounts() throws {
        let backend = InProcessBackend()
        backend.setBreakpoints([breakpointJSON()])
        backend.stallCaptures(milliseconds: 800)
        let client = try makeClient(backend) { try $0.setMaxQueue(2) }
        defer { client.shutdown() }
        #expect(backend.waitUntilApplied() && client.site(.checkout).isActive)

        let outcomes = (0..<40).map { _ in client.capture(at: .checkout) }
        let full = outcomes.filter { $0 == .queueFull }.count
        #expect(full >= 20)  // at most 2 queued + 16 in flight
        #expect(outcomes.allSatisfy { $0 == .captured || $0 == .queueFull })
        #expect(client.counter("dropped_queue_full") == full)
        #expect(client.counter("queue_depth") <= 2)
    }

    @Test("invalid variables JSON on an active site is .invalidJSON, counted, and sends nothing")
    func invalidJSONIsAnError() throws {
        let backend = InProcessBackend()
        backend.setBreakpoints([breakpointJSON()])
        let client = try makeClient(backend)
        defer { client.shutdown() }
        #expect(backend.waitUntilApplied() && client.site(.checkout).isActive)
        guard case .invalidJSON = client.capture(at: .checkout, #"{"unterminated": "#) else {
            Issue.record("expected .invalidJSON")
            return
        }
        #expect(client.counter("invalid_input") == 1)
        #expect(client.flush(timeoutMs: 1_000))
        #expect(backend.log().captureAttempts.isEmpty)
    }
}
