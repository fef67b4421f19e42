import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitTestSupport

/// What goes into a snapshot besides the variables: request context with
/// sensitive headers always redacted, the stack trace, security flags,
/// per-breakpoint limits and logpoint mode (docs/PROTOCOL.md "Capture", "Limits
/// and markers"; docs/PII.md "HTTP headers", "Security flags").
@Suite("Client: snapshot content")
struct ClientSnapshotContentTests {
    /// Captures once at the checkout site under `breakpoint` and returns the delivered body.
    func deliveredSnapshot(_ breakpoint: [String: Any] = breakpointJSON(), variables: String = #"{"n": 1}"#,
                           context: String? = nil,
                           _ configure: (inout Options) throws -> Void = { _ in }) throws -> (body: [String: Any], raw: String) {
        let backend = InProcessBackend()
        backend.setBreakpoints([breakpoint])
        let client = try makeClient(backend, configure)
        defer { client.shutdown() }
        #expect(backend.waitUntilApplied() && client.site(.checkout).isActive)
        #expect(client.capture(at: .checkout, variables, context: context) == .captured)
        #expect(backend.wait { $0.deliveredCaptures.count == 1 })
        let attempt = try #require(backend.log().captureAttempts.first)
        return (try #require(attempt["body"] as? [String: Any]), attempt["raw"] as? String ?? "")
    }

    static let requestContext = #"""
        {"request": {"method": "POST", "path": "/pay", "headers": {"Authorization": "Bearer s3cr3t-token-value",
         "Cookie": "session=c00kie-value", "X-Request-Id": "req-17"}}}
        """#

    @Test("sensitive request headers are redacted, with PII scrubbing on or off", arguments: [true, false])
    func sensitiveHeadersRedacted(scrubbing: Bool) throws {
        let (body, raw) = try deliveredSnapshot(context: Self.requestContext) { $0.piiScrubbing = scrubbing }
        let request = try #require(body["request_context"] as? [String: Any])
        #expect(request["method"] as? String == "POST")
        let headers = try #require(request["headers"] as? [String: Any])
        #expect((headers["Authorization"] as? String)?.hasPrefix("[REDACTED") == true)
        #expect((headers["Cookie"] as? String)?.hasPrefix("[REDACTED") == true)
        #expect(headers["X-Request-Id"] as? String == "req-17")
        #expect(!raw.contains("s3cr3t-token-value"))
        #expect(!raw.contains("c00kie-value"))
    }

    @Test("a stack trace given in the context is sent as text, one frame a line")
    func stackTraceFromContext() throws {
        let context = #"{"stack_trace": [{"function": "handle", "file": "app.c", "line": 42}, {"function": "main", "file": "main.c", "line": 3}]}"#
        let (body, _) = try deliveredSnapshot(context: context)
        let stack = try #require(body["stack_trace"] as? String)
        let lines = stack.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.contains("handle") == true && lines.first?.contains("app.c") == true)
        #expect(lines.last?.contains("main") == true)
    }

    @Test("frames given as text lines are sent as they are, cut to the breakpoint's stack_depth")
    func stackTraceLinesFromContext() throws {
        let context = #"{"stack_trace": ["handle (app.rb:42)", {"function": "run", "file": "app.rb", "line": 7}, "main (main.rb:3)"]}"#
        let (whole, _) = try deliveredSnapshot(context: context)
        #expect(whole["stack_trace"] as? String == "handle (app.rb:42)\nrun (app.rb:7)\nmain (main.rb:3)")
        let (cut, _) = try deliveredSnapshot(breakpointJSON(["stack_depth": 2]), context: context)
        #expect(cut["stack_trace"] as? String == "handle (app.rb:42)\nrun (app.rb:7)")
    }

    @Test("without a stack trace in the context, the native stack is recorded")
    func nativeStackRecorded() throws {
        let (body, _) = try deliveredSnapshot()
        let stack = try #require(body["stack_trace"] as? String)
        #expect(!stack.isEmpty)
        #expect(stack.split(separator: "\n").count >= 2)
    }

    @Test("each redaction adds a security flag naming the variable")
    func securityFlags() throws {
        let (body, _) = try deliveredSnapshot(variables: #"{"user": {"email": "jane@example.com"}}"#)
        let flags = try #require(body["security_flags"] as? [[String: Any]])
        #expect(flags.contains { ($0["variable"] as? String)?.contains("email") == true
            && $0["type"] as? String == "sensitive_data" })
    }

    @Test("a breakpoint's max_depth overrides the client's capture depth")
    func perBreakpointMaxDepth() throws {
        let (body, _) = try deliveredSnapshot(breakpointJSON(["max_depth": 1]),
                                              variables: #"{"top": 1, "nested": {"deep": {"deeper": 2}}}"#)
        let variables = try #require(body["variables"] as? [String: Any])
        #expect(variables["top"] as? Int == 1)
        let nested = try #require(variables["nested"] as? [String: Any])
        #expect(nested["_truncated"] as? Bool == true)
    }

    @Test("a breakpoint's max_payload_bytes replaces oversized variables with the payload marker")
    func perBreakpointMaxPayload() throws {
        let big = "{\"blob\": \"" + String(repeating: "x", count: 2_000) + "\"}"
        let (body, _) = try deliveredSnapshot(breakpointJSON(["max_payload_bytes": 200]), variables: big)
        let variables = try #require(body["variables"] as? [String: Any])
        #expect(variables["_truncated"] as? Bool == true)
        #expect(variables["_truncated_by"] as? String == "payload_limit")
        #expect(variables["_max_payload"] as? Int == 200)
    }

    @Test("a logpoint sends its capture_expressions' results, not the variables")
    func logpoint() throws {
        let breakpoint = breakpointJSON(["mode": "logpoint", "capture_expressions": ["amount * 2", "user.name"]])
        let (body, raw) = try deliveredSnapshot(breakpoint, variables: #"{"amount": 21, "user": {"name": "Jane", "secret_note": "hidden-value"}}"#)
        #expect(body["mode"] as? String == "logpoint")
        let results = try #require(body["expression_results"] as? [String: Any])
        #expect(results["amount * 2"] as? Int == 42)
        #expect(results["user.name"] as? String == "Jane")
        #expect(!raw.contains("hidden-value"))
        #expect((body["variables"] as? [String: Any])?.isEmpty ?? true)
    }
}
