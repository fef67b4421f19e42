import Testing
@testable import TraceKitServer

@Suite("Management API: snapshots and retention")
struct SnapshotAPITests {
    @Test("Snapshots are listed newest first, filtered, and paged with a cursor")
    func listFilterPage() async throws {
        try await TestServer.run { server in
            let a = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "a.py", "line_number": 1}"#)
            let b = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "a.py", "line_number": 2}"#)
            var ids: [String] = []
            for index in 0..<5 {
                let reply = try await server.capture(index % 2 == 0 ? a : b, variables: #"{"i": \#(index)}"#)
                ids.append(try #require(reply["id"]?.stringValue))
            }
            let first = try await server.admin(.get, "/api/snapshots?limit=2")
            #expect(first["snapshots"]?.arrayValue?.map { $0["id"] } == [.string(ids[4]), .string(ids[3])])
            let cursor = try #require(first["next_cursor"]?.stringValue)
            let second = try await server.admin(.get, "/api/snapshots?limit=2&cursor=\(cursor)")
            #expect(second["snapshots"]?.arrayValue?.map { $0["id"] } == [.string(ids[2]), .string(ids[1])])
            let third = try await server.admin(.get, "/api/snapshots?limit=2&cursor=\(try #require(second["next_cursor"]?.stringValue))")
            #expect(third["snapshots"]?.arrayValue?.count == 1)
            #expect(third["next_cursor"] == .null)

            let onlyA = try await server.admin(.get, "/api/snapshots?breakpoint_id=\(a)")
            #expect(onlyA["snapshots"]?.arrayValue?.count == 3)
            #expect(try await server.admin(.get, "/api/snapshots?service=billing")["snapshots"]?.arrayValue?.count == 0)
            // captured_at of the test captures is 2026-11-25T12:00:00.250Z.
            #expect(try await server.admin(.get, "/api/snapshots?since=2026-11-25T12:00:00Z&until=2026-11-25T12:00:01Z")["snapshots"]?.arrayValue?.count == 5)
            #expect(try await server.admin(.get, "/api/snapshots?since=2026-11-25T12:00:01Z")["snapshots"]?.arrayValue?.count == 0)
        }
    }

    @Test("Bad query parameters and unknown snapshots are JSON errors", arguments: [
        "/api/snapshots?limit=0", "/api/snapshots?limit=abc", "/api/snapshots?cursor=-3", "/api/snapshots?since=yesterday",
    ])
    func badQueries(path: String) async throws {
        try await TestServer.run { server in
            expectJSONError(try await server.admin(.get, path), .badRequest)
            expectJSONError(try await server.admin(.get, "/api/snapshots/none"), .notFound)
        }
    }

    @Test("Retention deletes snapshots beyond the count limit and older than the age limit")
    func retention() async throws {
        var config = TestServer.config()
        config.sweepIntervalSeconds = 3600  // the periodic sweep would hold the retention lock (PostgreSQL) meanwhile
        try await TestServer.run(config: config) { server in
            let id = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "a.py", "line_number": 1}"#)
            var newest: [String] = []
            for _ in 0..<6 { newest.append(try #require(try await server.capture(id)["id"]?.stringValue)) }
            let store = server.state.store
            #expect(try await store.applyRetention(maxAge: 0, maxCount: 4, now: Timestamps.now(), batchSize: 1) == 2)
            let kept = try await server.admin(.get, "/api/snapshots")["snapshots"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
            #expect(kept == Array(newest.suffix(4).reversed()))
            #expect(try await store.applyRetention(maxAge: 3600, maxCount: 0, now: Timestamps.now() + 7200) == 4)
            #expect(try await store.snapshotCount() == 0)
        }
    }

    @Test("The periodic sweep applies the configured retention")
    func sweepApplies() async throws {
        var config = TestServer.config()
        config.retentionMaxCount = 2
        try await TestServer.run(config: config) { server in
            let id = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "a.py", "line_number": 1}"#)
            for _ in 0..<5 { _ = try await server.capture(id) }
            for _ in 0..<100 where try await server.state.store.snapshotCount() > 2 { try await Task.sleep(for: .milliseconds(20)) }
            #expect(try await server.state.store.snapshotCount() == 2)
        }
    }
}
