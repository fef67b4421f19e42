import Foundation
import Testing
@testable import TraceKitServer

@Suite("Change feed: the store announces committed changes, the streams publish them")
struct ChangeFeedTests {
    static func temporaryStore() throws -> (SQLiteStore, cleanUp: @Sendable () -> Void) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tracekit-feed-\(UUID().uuidString).sqlite").path
        let store = try SQLiteStore(path: path)
        return (store, { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } })
    }

    @Test("Each committed write is announced once; a rolled-back one is not")
    func committedOnly() async throws {
        let (store, cleanUp) = try Self.temporaryStore()
        defer { cleanUp() }
        let bp = Breakpoint(id: "bp-1", serviceName: "checkout", now: Timestamps.now())
        try await store.insert(bp)
        // Same primary key: the transaction fails and rolls back.
        await #expect(throws: (any Error).self) { try await store.insert(bp) }
        _ = try await store.setKillSwitch("checkout", enabled: true)
        _ = try await store.setKillSwitch("no-such-service", enabled: true)
        #expect(try await store.deleteBreakpoint(id: "bp-1") != nil)
        #expect(try await store.deleteBreakpoint(id: "bp-1") == nil)
        let (key, _) = try await store.createKey(name: "k", role: .sdk, services: nil, now: 1)
        _ = try await store.revokeKey(id: key.id, now: 2)
        _ = try await store.revokeKey(id: "no-such-key", now: 2)

        #expect(store.changes.take()?.changes == [
            StoreChange(.breakpointCreated, id: "bp-1", service: "checkout"),
            StoreChange(.killSwitch, service: "checkout"),
            StoreChange(.breakpointDeleted, id: "bp-1", service: "checkout"),
            StoreChange(.keyCreated, id: key.id),
            StoreChange(.keyRevoked, id: key.id),
        ])
        #expect(store.changes.take() == nil)
    }

    @Test("A burst of captures on one breakpoint is one pending announcement")
    func burstsCoalesce() async throws {
        let (store, cleanUp) = try Self.temporaryStore()
        defer { cleanUp() }
        var bp = Breakpoint(id: "bp-1", serviceName: "checkout", now: Timestamps.now())
        bp.enabled = true
        try await store.insert(bp)
        _ = store.changes.take()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    _ = try await store.ingestCapture(service: "checkout", breakpointID: "bp-1", document: [:], capturedAt: 1,
                                                      now: Timestamps.now(), conditionHolds: { _ in true })
                }
            }
            try await group.waitForAll()
        }
        #expect(store.changes.take()?.changes == [StoreChange(.breakpointUpdated, id: "bp-1", service: "checkout")])
    }

    @Test("The NOTIFY payload is small JSON and reads back; anything else is refused")
    func payloadRoundTrip() {
        let change = StoreChange(.breakpointUpdated, id: "bp-1", service: "check\"out")
        #expect(StoreChange(payload: change.payload) == change)
        #expect(StoreChange(payload: #"{"kind":"resync","id":"","service":""}"#) == StoreChange(.resync))
        #expect(StoreChange(payload: #"{"kind":"dropped_table","id":"","service":""}"#) == nil)
        #expect(StoreChange(payload: "not json") == nil)
    }

    @Test("A NOTIFY between instances reads back whatever its text; it begins with its origin, so an instance knows its own echo unread")
    func changeNoticeRoundTrip() {
        let notice = ChangeNotice(origin: "instance-a", change: StoreChange(.breakpointUpdated, id: "bp \"1\"", service: "caf\u{e9}\n"))
        #expect(ChangeNotice(payload: notice.payload) == notice)
        #expect(notice.payload.hasPrefix(ChangeNotice.echoPrefix(origin: "instance-a")))
        #expect(!notice.payload.hasPrefix(ChangeNotice.echoPrefix(origin: "instance-b")))
        // Keys in another order (a notice from an instance not yet upgraded) read back the same.
        #expect(ChangeNotice(payload: #"{"kind":"breakpoint_updated","service":"café\n","id":"bp \"1\"","origin":"instance-a"}"#) == notice)
        #expect(ChangeNotice(payload: #"{"origin":"instance-a","kind":"dropped_table","id":"","service":""}"#) == nil)
        #expect(ChangeNotice(payload: "not json") == nil)
    }

    @Test("settled() returns at once without a consumer, and after the consumer applied everything otherwise")
    func settledWaitsForTheConsumer() async throws {
        let feed = ChangeFeed()
        await feed.settled()  // nobody consumes: must not hang
        feed.attach()
        feed.announce(StoreChange(.keyCreated, id: "a"))
        let waiter = Task { await feed.settled() }
        let (changes, mark) = await feed.next()
        #expect(changes == [StoreChange(.keyCreated, id: "a")])
        feed.applied(through: mark)
        await waiter.value
        feed.detach()
    }

    @Test("Changes written straight to the store (no route) reach the SDK streams")
    func storeWritesReachStreams() async throws {
        try await TestServer.run { server in
            let stream = try SSETestClient(port: server.port, path: "/sdk/snapshots/stream/checkout", key: server.sdkKey)
            defer { stream.close() }
            _ = try await stream.next("init")
            var bp = Breakpoint(id: "direct", serviceName: "checkout", now: Timestamps.now())
            bp.enabled = true
            try await server.state.store.insert(bp)
            #expect(try await stream.next("breakpoint_created")["id"]?.stringValue == "direct")
            _ = try await server.state.store.setKillSwitch("checkout", enabled: true)
            #expect(try await stream.next("kill_switch")["enabled"]?.boolValue == true)
        }
    }

    @Test("A resync sends every open stream a fresh init")
    func resyncSendsInit() async throws {
        try await TestServer.run { server in
            let id = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "a.py", "line_number": 1}"#)
            let stream = try SSETestClient(port: server.port, path: "/sdk/snapshots/stream/checkout", key: server.sdkKey)
            defer { stream.close() }
            _ = try await stream.next("init")
            server.state.store.changes.announce(StoreChange(.resync))
            let again = try await stream.next("init")
            #expect(again["breakpoints"]?.arrayValue?.map { $0["id"] } == [.string(id)])
        }
    }

    @Test("Revoking a key in the store closes its streams")
    func revocationClosesStreams() async throws {
        try await TestServer.run { server in
            let (key, secret) = try await server.state.store.createKey(name: "short-lived", role: .sdk, services: ["checkout"], now: Timestamps.now())
            let stream = try SSETestClient(port: server.port, path: "/sdk/snapshots/stream/checkout", key: secret)
            defer { stream.close() }
            _ = try await stream.next("init")
            _ = try await server.state.store.revokeKey(id: key.id, now: Timestamps.now())
            await server.state.store.changes.settled()
            #expect(server.state.hub.connectionCount(service: "checkout") == 0)
        }
    }
}

@Suite("Connected SDKs summed over instances")
struct FleetConnectionTests {
    @Test("/api/services adds other instances' fresh reports to this instance's live streams; stale reports do not count")
    func summedOverInstances() async throws {
        try await TestServer.run { server in
            let stream = try SSETestClient(port: server.port, path: "/sdk/snapshots/stream/checkout", key: server.sdkKey)
            defer { stream.close() }
            _ = try await stream.next("init")
            let now = Timestamps.now()
            let store = server.state.store
            try await store.reportConnections(instance: "instance-b", counts: ["checkout": 3, "billing": 0], now: now, forgetBefore: now - 10)
            try await store.reportConnections(instance: "instance-dead", counts: ["checkout": 50], now: now - 60, forgetBefore: now - 70)
            let services = try await server.admin(.get, "/api/services")
            let checkout = services["services"]?.arrayValue?.first { $0["name"]?.stringValue == "checkout" }
            #expect(checkout?["connected_sdks"]?.intValue == 4)

            // This instance's own report is never counted twice.
            try await server.state.fleet.report(state: server.state, now: Timestamps.now())
            let again = try await server.admin(.get, "/api/services")
            #expect(again["services"]?.arrayValue?.first { $0["name"]?.stringValue == "checkout" }?["connected_sdks"]?.intValue == 4)
            // ... and that report deleted the stale one.
            #expect(try await store.connectionCounts(reportedSince: 0, excluding: "nobody") == ["checkout": 4])
        }
    }

    @Test("Reports of one instance that overlap all succeed (each service keeps one report's count)")
    func overlappingReports() async throws {
        try await TestServer.run { server in
            let store = server.state.store
            let now = Timestamps.now()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for count in 1...12 {
                    group.addTask {
                        try await store.reportConnections(instance: "instance-c", counts: ["checkout": count, "billing": count],
                                                          now: now, forgetBefore: now - 10)
                    }
                }
                try await group.waitForAll()
            }
            let counts = try await store.connectionCounts(reportedSince: 0, excluding: "nobody")
            #expect((1...12).contains(counts["checkout"] ?? 0))
            #expect((1...12).contains(counts["billing"] ?? 0))
        }
    }
}
