import Foundation
import Testing
@testable import TraceKitServer

@Suite("SDK routes (docs/PROTOCOL.md)")
struct SDKRouteTests {
    @Test("The poll lists enabled breakpoints, the kill switch and the SSE endpoint, by GET and by POST")
    func poll() async throws {
        try await TestServer.run { server in
            let id = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "a.py", "line_number": 3}"#)
            _ = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "a.py", "line_number": 9, "enabled": false}"#)
            let reply = try await server.sdk(.get, "/sdk/snapshots/active/checkout")
            #expect(reply.status == .ok)
            #expect(reply["breakpoints"]?.arrayValue?.map { $0["id"] } == [.string(id)])
            #expect(reply["kill_switch"]?.boolValue == false)
            #expect(reply["sse_endpoint"]?.stringValue == "/sdk/snapshots/stream/checkout")

            let posted = try await server.sdk(.post, "/sdk/snapshots/active/checkout", """
                {"events": [{"type": "circuit_breaker_tripped", "service_name": "checkout", "failure_count": 3,
                 "window_seconds": 60, "cooldown_seconds": 300, "timestamp": "2026-11-25T12:00:00Z"}]}
                """)
            #expect(posted.status == .ok)
            #expect(posted["breakpoints"]?.arrayValue?.count == 1)
            let events = try await server.state.store.events(service: "checkout")
            #expect(events.first?["type"]?.stringValue == "circuit_breaker_tripped")
            expectJSONError(try await server.sdk(.post, "/sdk/snapshots/active/checkout", #"{"events": 5}"#), .badRequest)
        }
    }

    @Test("Auto-register is idempotent per service, function and label; moved code updates file and line")
    func autoRegister() async throws {
        try await TestServer.run { server in
            let body = #"{"service_name": "checkout", "file_path": "app/pay.py", "line_number": 42, "function_name": "pay", "label": "before-charge"}"#
            let first = try await server.sdk(.post, "/sdk/snapshots/auto-register", body)
            #expect(first.status == .created)
            #expect(first["auto_registered"]?.boolValue == true)
            let moved = body.replacingOccurrences(of: "42", with: "57").replacingOccurrences(of: "app/pay.py", with: "app/billing/pay.py")
            let second = try await server.sdk(.post, "/sdk/snapshots/auto-register", moved)
            #expect(second.status == .ok)
            #expect(second["id"] == first["id"])
            #expect(second["line_number"]?.intValue == 57)
            #expect(second["file_path"]?.stringValue == "app/billing/pay.py")
            let stored = try await server.admin(.get, "/api/breakpoints/\(first["id"]?.stringValue ?? "")")
            #expect(stored["line_number"]?.intValue == 57)
            let other = try await server.sdk(.post, "/sdk/snapshots/auto-register", body.replacingOccurrences(of: "before-charge", with: "after"))
            #expect(other.status == .created)
            #expect(other["id"] != first["id"])
            expectJSONError(try await server.sdk(.post, "/sdk/snapshots/auto-register", #"{"file_path": "a.py"}"#), .badRequest)
            expectJSONError(try await server.sdk(.post, "/sdk/snapshots/auto-register",
                body.replacingOccurrences(of: "\"checkout\"", with: "\"billing\"")), .forbidden)
        }
    }

    @Test("An auto-registered breakpoint starts enabled and bounded: max_captures 100, idle timeout 24 h, no expire_at, active for SDKs")
    func autoRegisterEnabledAndBounded() async throws {
        try await TestServer.run { server in
            let body = #"{"service_name": "checkout", "file_path": "app/pay.py", "line_number": 42, "function_name": "pay", "label": "new-site"}"#
            let created = try await server.sdk(.post, "/sdk/snapshots/auto-register", body)
            #expect(created.status == .created)
            #expect(created["enabled"]?.boolValue == true)
            #expect(created["max_captures"]?.intValue == 100)
            #expect(created["idle_timeout_hours"]?.intValue == 24)
            #expect(created["expire_at"] == nil)
            let active = try await server.sdk(.get, "/sdk/snapshots/active/checkout")
            #expect(active["breakpoints"]?.arrayValue?.contains { $0["id"] == created["id"] } == true)
            #expect(active["breakpoints"]?.arrayValue?.allSatisfy { $0["expire_at"] == nil } == true)
        }
    }

    @Test("An auto-registered breakpoint left 24 h without a capture is no longer served to SDKs and the sweep disables it")
    func autoRegisterIdleExpiry() async throws {
        var config = TestServer.config()
        config.sweepIntervalSeconds = 3600  // the periodic sweep would hold the expiry lock (PostgreSQL) meanwhile
        try await TestServer.run(config: config) { server in
            let body = #"{"service_name": "checkout", "file_path": "app/pay.py", "line_number": 42, "function_name": "pay", "label": "idle"}"#
            let id = try #require(try await server.sdk(.post, "/sdk/snapshots/auto-register", body)["id"]?.stringValue)
            let store = server.state.store
            let now = Timestamps.now()
            #expect(try await store.activeBreakpoints(service: "checkout", now: now + 23 * 3600).map(\.id) == [id])
            #expect(try await store.activeBreakpoints(service: "checkout", now: now + 24 * 3600 + 60).isEmpty)
            #expect(try await store.disableExpiredBreakpoints(now: now + 24 * 3600 + 60).map(\.id) == [id])
            #expect(try await server.admin(.get, "/api/breakpoints/\(id)")["enabled"]?.boolValue == false)
        }
    }

    @Test("With auto-register disabled (--auto-register-disabled) a new site's breakpoint starts disabled and unbounded")
    func autoRegisterOptIn() async throws {
        var config = TestServer.config()
        config.autoRegister.enabled = false
        try await TestServer.run(config: config) { server in
            let body = #"{"service_name": "checkout", "file_path": "app/pay.py", "line_number": 42, "function_name": "pay", "label": "opt-in"}"#
            let created = try await server.sdk(.post, "/sdk/snapshots/auto-register", body)
            #expect(created.status == .created)
            #expect(created["enabled"]?.boolValue == false)
            #expect(created["max_captures"]?.intValue == 0)  // whoever enables it sets the limits
            #expect(created["expire_at"]?.stringValue == nil)
            #expect(created["idle_timeout_hours"] == nil)
            let active = try await server.sdk(.get, "/sdk/snapshots/active/checkout")
            #expect(active["breakpoints"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test("A capture is stored, counted, and visible through the API with the fields the SDK sent")
    func captureStored() async throws {
        try await TestServer.run { server in
            let id = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "app/pay.py", "line_number": 42}"#)
            let reply = try await server.capture(id, variables: #"{"amount": 12, "card": "[REDACTED]"}"#)
            #expect(reply.status == .created)
            #expect(reply["accepted"]?.boolValue == true)
            let snapshotID = try #require(reply["id"]?.stringValue)

            let snapshot = try await server.admin(.get, "/api/snapshots/\(snapshotID)")
            #expect(snapshot.status == .ok)
            #expect(snapshot["breakpoint_id"]?.stringValue == id)
            #expect(snapshot["variables"]?["card"]?.stringValue == "[REDACTED]")
            #expect(snapshot["stack_trace"]?.stringValue == "pay (app/pay.py:42)")
            #expect(snapshot["captured_at"]?.stringValue == "2026-11-25T12:00:00.250Z")
            #expect(snapshot["received_at"]?.stringValue != nil)
            let bp = try await server.admin(.get, "/api/breakpoints/\(id)")
            #expect(bp["capture_count"]?.intValue == 1)
        }
    }

    @Test("Invalid captures are refused with 400", arguments: [
        "{oops",
        #"{"service_name": "checkout", "file_path": "a.py", "line_number": 1, "variables": {}, "captured_at": "2026-11-25T12:00:00Z"}"#,
        #"{"breakpoint_id": "x", "service_name": "checkout", "file_path": "a.py", "line_number": 1, "captured_at": "2026-11-25T12:00:00Z"}"#,
        #"{"breakpoint_id": "x", "service_name": "checkout", "file_path": "a.py", "line_number": 1, "variables": [], "captured_at": "2026-11-25T12:00:00Z"}"#,
        #"{"breakpoint_id": "x", "service_name": "checkout", "file_path": "a.py", "line_number": "1", "variables": {}, "captured_at": "2026-11-25T12:00:00Z"}"#,
        #"{"breakpoint_id": "x", "service_name": "checkout", "file_path": "a.py", "line_number": 1, "variables": {}, "captured_at": "noon"}"#,
        #"{"breakpoint_id": "x", "service_name": "checkout", "file_path": "a.py", "line_number": 1, "variables": {}, "captured_at": "2026-11-25T12:00:00Z", "request_context": "GET /"}"#,
    ])
    func invalidCapture(body: String) async throws {
        try await TestServer.run { server in
            expectJSONError(try await server.sdk(.post, "/sdk/snapshots/capture", body), .badRequest)
        }
    }

    @Test("A capture for an unknown breakpoint, or another service's breakpoint, is 404")
    func unknownBreakpoint() async throws {
        try await TestServer.run { server in
            expectJSONError(try await server.capture("no-such-id"), .notFound)
            let billing = try await server.createBreakpoint(#"{"service_name": "billing", "file_path": "b.py", "line_number": 1}"#)
            expectJSONError(try await server.capture(billing), .notFound)
        }
    }

    @Test("Captures for a disabled breakpoint, or faster than capture_frequency, are counted and dropped")
    func droppedCaptures() async throws {
        try await TestServer.run { server in
            let disabled = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "a.py", "line_number": 1, "enabled": false}"#)
            let reply = try await server.capture(disabled)
            #expect(reply.status == .ok)
            #expect(reply["accepted"]?.boolValue == false)
            #expect(reply["reason"]?.stringValue == "breakpoint_disabled")

            let slow = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "a.py", "line_number": 2, "capture_frequency": 60}"#)
            #expect(try await server.capture(slow)["accepted"]?.boolValue == true)
            let second = try await server.capture(slow)
            #expect(second["reason"]?.stringValue == "capture_frequency")
            let bp = try await server.admin(.get, "/api/breakpoints/\(slow)")
            #expect(bp["capture_count"]?.intValue == 1)
            #expect(bp["dropped_count"]?.intValue == 1)
        }
    }

    @Test("capture_count is incremented atomically under concurrent captures")
    func concurrentCaptures() async throws {
        try await TestServer.run { server in
            let id = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "a.py", "line_number": 1, "max_captures": 25}"#)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<40 { group.addTask { _ = try await server.capture(id) } }
                try await group.waitForAll()
            }
            let bp = try await server.admin(.get, "/api/breakpoints/\(id)")
            #expect(bp["capture_count"]?.intValue == 25)
            #expect(bp["enabled"]?.boolValue == false)
            #expect(try await server.state.store.snapshotCount() == 25)
        }
    }

    @Test("While the kill switch is on, polls say so and captures are dropped")
    func killSwitch() async throws {
        try await TestServer.run { server in
            let id = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "a.py", "line_number": 1}"#)
            let on = try await server.admin(.post, "/api/services/checkout/kill-switch", #"{"enabled": true}"#)
            #expect(on["kill_switch"]?.boolValue == true)
            let poll = try await server.sdk(.get, "/sdk/snapshots/active/checkout")
            #expect(poll["kill_switch"]?.boolValue == true)
            #expect(try await server.capture(id)["reason"]?.stringValue == "kill_switch")
            let services = try await server.admin(.get, "/api/services")
            let service = try #require(services["services"]?.arrayValue?.first)
            #expect(service["name"]?.stringValue == "checkout")
            #expect(service["kill_switch"]?.boolValue == true)
            #expect(service["connected_sdks"]?.intValue == 0)
            expectJSONError(try await server.admin(.post, "/api/services/checkout/kill-switch", #"{"enabled": "on"}"#), .badRequest)
        }
    }

    @Test("OTLP exports from the official SDKs are acknowledged with a key, refused without")
    func otlpSink() async throws {
        try await TestServer.run { server in
            let traces = try await server.sdk(.post, "/v1/traces", #"{"resourceSpans": []}"#)
            #expect(traces.status == .ok)
            #expect(traces.json == .object([:]))
            #expect(try await server.sdk(.post, "/v1/metrics", #"{"resourceMetrics": []}"#).status == .ok)
            expectJSONError(try await server.request(.post, "/v1/traces", key: nil, body: "{}"), .unauthorized)
        }
    }
}

@Suite("Hostile input")
struct HostileInputTests {
    @Test("Deeply nested JSON is refused with 400, not a crash")
    func deepNesting() async throws {
        try await TestServer.run { server in
            let deep = String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000)
            let body = #"{"breakpoint_id": "x", "service_name": "checkout", "file_path": "a.py", "line_number": 1, "captured_at": "2026-11-25T12:00:00Z", "variables": {"v": \#(deep)}}"#
            expectJSONError(try await server.sdk(.post, "/sdk/snapshots/capture", body), .badRequest)
            #expect(try await server.sdk(.get, "/sdk/snapshots/active/checkout").status == .ok)
        }
    }

    @Test("Invalid UTF-8, empty bodies and non-object bodies are 400", arguments: [
        [0xFF, 0xFE, 0x7B] as [UInt8], Array(#"{"service_name": "\#u{FF}"}"#.utf8).map { $0 == 0xC3 ? 0xFF : $0 }, Array("".utf8), Array("null".utf8), Array("\"text\"".utf8), Array("[]".utf8),
    ])
    func oddBodies(bytes: [UInt8]) async throws {
        try await TestServer.run { server in
            let reply = try await server.request(.post, "/sdk/snapshots/capture", key: server.sdkKey, bytes: bytes)
            expectJSONError(reply, .badRequest)
        }
    }

    @Test("Service names are percent-decoded and injection-looking input is only data")
    func injectionIsData() async throws {
        try await TestServer.run { server in
            let name = "x'; DROP TABLE breakpoints; --"
            let created = try await server.admin(.post, "/api/breakpoints",
                #"{"service_name": "\#(name)", "file_path": "a.py", "line_number": 1}"#)
            #expect(created.status == .created)
            let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name
            let poll = try await server.admin(.get, "/sdk/snapshots/active/\(encoded)")
            #expect(poll["breakpoints"]?.arrayValue?.count == 1)
            #expect(try await server.admin(.get, "/api/breakpoints")["breakpoints"]?.arrayValue?.count == 1)
        }
    }
}
