import Testing
@testable import TraceKitServer

@Suite("SSE stream")
struct SSETests {
    @Test("A stream starts with init, then carries every management change")
    func managementChanges() async throws {
        try await TestServer.run { server in
            let existing = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "a.py", "line_number": 1}"#)
            let stream = try SSETestClient(port: server.port, path: "/sdk/snapshots/stream/checkout", key: server.sdkKey)
            defer { stream.close() }
            let initial = try await stream.next("init")
            #expect(initial["breakpoints"]?.arrayValue?.map { $0["id"] } == [.string(existing)])
            #expect(initial["kill_switch"]?.boolValue == false)
            #expect(stream.status == 200)
            #expect(try await stream.next("sdk_count")["count"]?.intValue == 1)

            let created = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "a.py", "line_number": 2}"#)
            #expect(try await stream.next("breakpoint_created")["id"]?.stringValue == created)

            _ = try await server.admin(.patch, "/api/breakpoints/\(created)", #"{"condition": "amount > 10"}"#)
            let updated = try await stream.next("breakpoint_updated")
            #expect(updated["condition"]?.stringValue == "amount > 10")

            _ = try await server.admin(.delete, "/api/breakpoints/\(created)")
            #expect(try await stream.next("breakpoint_deleted")["id"]?.stringValue == created)

            _ = try await server.admin(.post, "/api/services/checkout/kill-switch", #"{"enabled": true}"#)
            #expect(try await stream.next("kill_switch")["enabled"]?.boolValue == true)

            // Other services' changes do not leak into this stream.
            _ = try await server.createBreakpoint(#"{"service_name": "billing", "file_path": "b.py", "line_number": 1}"#)
            _ = try await stream.next("heartbeat")
            #expect(!stream.allEvents.contains { $0.name == "breakpoint_created" && $0.data["service_name"]?.stringValue == "billing" })
        }
    }

    @Test("Heartbeats arrive periodically and sdk_count follows connections")
    func heartbeatAndCount() async throws {
        try await TestServer.run { server in
            let first = try SSETestClient(port: server.port, path: "/sdk/snapshots/stream/checkout", key: server.sdkKey)
            defer { first.close() }
            _ = try await first.next("init")
            _ = try await first.next("heartbeat")
            _ = try await first.next("heartbeat")
            let second = try SSETestClient(port: server.port, path: "/sdk/snapshots/stream/checkout", key: server.sdkKey)
            _ = try await first.next("sdk_count") { $0["count"]?.intValue == 2 }
            let services = try await server.admin(.get, "/api/services")
            #expect(services["services"]?.arrayValue?.first?["connected_sdks"]?.intValue == 2)
            second.close()
            _ = try await first.next("sdk_count") { $0["count"]?.intValue == 1 }
        }
    }

    @Test("Reaching max_captures disables the breakpoint and pushes the change")
    func maxCapturesPushesDisable() async throws {
        try await TestServer.run { server in
            let id = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "a.py", "line_number": 1, "max_captures": 2}"#)
            let stream = try SSETestClient(port: server.port, path: "/sdk/snapshots/stream/checkout", key: server.sdkKey)
            defer { stream.close() }
            _ = try await stream.next("init")
            _ = try await server.capture(id)
            let afterOne = try await stream.next("breakpoint_updated")
            #expect(afterOne["capture_count"]?.intValue == 1)
            #expect(afterOne["enabled"]?.boolValue == true)
            _ = try await server.capture(id)
            let afterTwo = try await stream.next("breakpoint_updated")
            #expect(afterTwo["capture_count"]?.intValue == 2)
            #expect(afterTwo["enabled"]?.boolValue == false)
            #expect(try await server.capture(id)["accepted"]?.boolValue == false)
        }
    }

    @Test("Expiry disables the breakpoint server-side and pushes the change")
    func expiryPushesDisable() async throws {
        try await TestServer.run { server in
            // The stream first, so a loaded machine cannot let the breakpoint expire before it is seen.
            let stream = try SSETestClient(port: server.port, path: "/sdk/snapshots/stream/checkout", key: server.sdkKey)
            defer { stream.close() }
            _ = try await stream.next("init")
            let expireAt = Timestamps.format(Timestamps.now() + 1.5)
            let id = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "a.py", "line_number": 1, "expire_at": "\#(expireAt)"}"#)
            _ = try await stream.next("breakpoint_created") { $0["id"]?.stringValue == id }
            let update = try await stream.next("breakpoint_updated", timeout: 10) { $0["id"]?.stringValue == id }
            #expect(update["enabled"]?.boolValue == false)
            let reply = try await server.capture(id)
            #expect(reply["accepted"]?.boolValue == false)
        }
    }

    @Test("The stream needs a key valid for the service")
    func streamAuth() async throws {
        try await TestServer.run { server in
            let denied = try SSETestClient(port: server.port, path: "/sdk/snapshots/stream/billing", key: server.sdkKey)
            defer { denied.close() }
            for _ in 0..<200 where denied.status == nil { try await Task.sleep(for: .milliseconds(10)) }
            #expect(denied.status == 403)
        }
    }
}
