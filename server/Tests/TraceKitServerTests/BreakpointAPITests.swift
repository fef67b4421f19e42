import Testing
@testable import TraceKitServer

@Suite("Management API: breakpoints")
struct BreakpointAPITests {
    @Test("Create, get, list, update and delete a breakpoint")
    func crud() async throws {
        try await TestServer.run { server in
            let created = try await server.admin(.post, "/api/breakpoints", """
                {"service_name": "checkout", "file_path": "app/pay.py", "line_number": 42, "function_name": "pay",
                 "label": "before-charge", "max_captures": 5, "capture_frequency": 2, "mode": "logpoint",
                 "capture_expressions": ["user.id"], "stack_depth": 10, "max_depth": 4, "max_payload_bytes": 4096,
                 "expire_at": "2030-01-01T00:00:00Z", "metadata": {"owner": "ana"}}
                """)
            #expect(created.status == .created)
            let id = try #require(created["id"]?.stringValue)
            #expect(created["enabled"]?.boolValue == true)
            #expect(created["capture_count"]?.intValue == 0)
            #expect(created["mode"]?.stringValue == "logpoint")
            #expect(created["expire_at"]?.stringValue == "2030-01-01T00:00:00.000Z")
            #expect(created["capture_expressions"] == .array([.string("user.id")]))

            let fetched = try await server.admin(.get, "/api/breakpoints/\(id)")
            #expect(fetched.json == created.json)

            _ = try await server.createBreakpoint(#"{"service_name": "billing", "file_path": "b.go", "line_number": 1}"#)
            let all = try await server.admin(.get, "/api/breakpoints")
            #expect(all["breakpoints"]?.arrayValue?.count == 2)
            let filtered = try await server.admin(.get, "/api/breakpoints?service=checkout")
            #expect(filtered["breakpoints"]?.arrayValue?.map { $0["id"] } == [.string(id)])

            let patched = try await server.admin(.patch, "/api/breakpoints/\(id)", #"{"enabled": false, "expire_at": null, "max_captures": 0}"#)
            #expect(patched.status == .ok)
            #expect(patched["enabled"]?.boolValue == false)
            #expect(patched["expire_at"] == nil)
            #expect(patched["max_captures"]?.intValue == 0)
            #expect(patched["label"]?.stringValue == "before-charge")

            let deleted = try await server.admin(.delete, "/api/breakpoints/\(id)")
            #expect(deleted.status == .noContent)
            expectJSONError(try await server.admin(.get, "/api/breakpoints/\(id)"), .notFound, code: "not_found")
            expectJSONError(try await server.admin(.delete, "/api/breakpoints/\(id)"), .notFound)
            expectJSONError(try await server.admin(.patch, "/api/breakpoints/\(id)", "{}"), .notFound)
        }
    }

    @Test("PATCH can reset capture_count (and only to 0) so a finished breakpoint can run again")
    func resetCount() async throws {
        try await TestServer.run { server in
            let id = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "a.py", "line_number": 1, "max_captures": 1}"#)
            _ = try await server.capture(id)
            #expect(try await server.admin(.get, "/api/breakpoints/\(id)")["enabled"]?.boolValue == false)
            expectJSONError(try await server.admin(.patch, "/api/breakpoints/\(id)", #"{"capture_count": 5}"#), .badRequest)
            let reset = try await server.admin(.patch, "/api/breakpoints/\(id)", #"{"capture_count": 0, "enabled": true}"#)
            #expect(reset["capture_count"]?.intValue == 0)
            #expect(try await server.capture(id)["accepted"]?.boolValue == true)
        }
    }

    @Test("An invalid condition is a 400 that gives the error position")
    func invalidCondition() async throws {
        try await TestServer.run { server in
            let reply = try await server.admin(.post, "/api/breakpoints",
                #"{"service_name": "checkout", "file_path": "a.py", "line_number": 3, "condition": "amount > (1"}"#)
            expectJSONError(reply, .badRequest)
            #expect(reply["field"]?.stringValue == "condition")
            #expect(reply["offset"]?.intValue != nil)
        }
    }

    @Test("condition_eval defaults from whether the SDKs can evaluate the condition")
    func conditionEvalDefault() async throws {
        try await TestServer.run { server in
            let portable = try await server.admin(.post, "/api/breakpoints",
                #"{"service_name": "checkout", "file_path": "a.py", "line_number": 3, "condition": "amount > 100"}"#)
            #expect(portable["condition_eval"]?.stringValue == "sdk-evaluable")
            let serverOnly = try await server.admin(.post, "/api/breakpoints",
                #"{"service_name": "checkout", "file_path": "a.py", "line_number": 4, "condition": "len(items) > 2"}"#)
            #expect(serverOnly["condition_eval"]?.stringValue == "server-only")
            let forced = try await server.admin(.post, "/api/breakpoints",
                #"{"service_name": "checkout", "file_path": "a.py", "line_number": 5, "condition": "len(items) > 2", "condition_eval": "sdk-evaluable"}"#)
            expectJSONError(forced, .badRequest)
        }
    }

    @Test("Bad input is a 400 JSON error naming the problem", arguments: [
        "{not json",
        "[1, 2]",
        #"{"file_path": "a.py", "line_number": 3}"#,
        #"{"service_name": 7, "file_path": "a.py", "line_number": 3}"#,
        #"{"service_name": "checkout", "file_path": "a.py", "line_number": "3"}"#,
        #"{"service_name": "checkout", "file_path": "a.py", "line_number": 3.5}"#,
        #"{"service_name": "checkout", "file_path": "a.py", "line_number": -1}"#,
        #"{"service_name": "checkout"}"#,
        #"{"service_name": "checkout", "file_path": "a.py", "line_number": 3, "mode": "trace"}"#,
        #"{"service_name": "checkout", "file_path": "a.py", "line_number": 3, "enabled": "yes"}"#,
        #"{"service_name": "checkout", "file_path": "a.py", "line_number": 3, "expire_at": "tomorrow"}"#,
        #"{"service_name": "checkout", "file_path": "a.py", "line_number": 3, "max_captures": -5}"#,
        #"{"service_name": "checkout", "file_path": "a.py", "line_number": 3, "capture_expressions": [1]}"#,
        #"{"service_name": "checkout", "file_path": "a.py", "line_number": 3, "condition_eval": "client"}"#,
    ])
    func badInput(body: String) async throws {
        try await TestServer.run { server in
            expectJSONError(try await server.admin(.post, "/api/breakpoints", body), .badRequest, code: "invalid_request")
        }
    }

    @Test("A body over the configured limit is refused with 413")
    func hugeBody() async throws {
        try await TestServer.run { server in
            let huge = #"{"service_name": "checkout", "file_path": "a.py", "line_number": 3, "metadata": {"x": ""#
                + String(repeating: "a", count: 100_000) + #""}}"#
            expectJSONError(try await server.admin(.post, "/api/breakpoints", huge), .contentTooLarge, code: "payload_too_large")
            expectJSONError(try await server.sdk(.post, "/sdk/snapshots/capture", huge), .contentTooLarge)
        }
    }

    @Test("Unknown routes and unknown services answer 404 JSON")
    func unknownThings() async throws {
        try await TestServer.run { server in
            expectJSONError(try await server.admin(.get, "/api/nothing-here"), .notFound)
            expectJSONError(try await server.admin(.get, "/nothing"), .notFound)
            expectJSONError(try await server.admin(.post, "/api/services/ghost/kill-switch", #"{"enabled": true}"#), .notFound)
        }
    }
}
