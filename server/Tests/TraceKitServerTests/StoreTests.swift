import Foundation
import Logging
import Testing
@testable import TraceKitServer

/// The store layer on whichever backend the suite runs on (SQLite, or
/// PostgreSQL with TRACEKIT_TEST_DATABASE_URL): limits that must hold across
/// instances, and moving a database with export/import.
@Suite("Store: cross-instance limits, export and import")
struct StoreTests {
    static let logger: Logger = {
        var logger = Logger(label: "tracekit-test")
        logger.logLevel = .warning
        return logger
    }()

    static func sqlitePath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tracekit-store-\(UUID().uuidString).sqlite").path
    }

    static func capture(_ store: any ServerStore, _ bp: Breakpoint, now: Double = Timestamps.now(),
                        conditionHolds: @escaping @Sendable (Breakpoint) -> Bool = { _ in true }) async throws -> CaptureOutcome {
        try await store.ingestCapture(service: bp.serviceName, breakpointID: bp.id, document: ["variables": .object([:])],
                                      capturedAt: now, now: now, conditionHolds: conditionHolds)
    }

    /// `count` captures of `bp` at once, alternating between two stores on
    /// one database; `conditionHolds(index)` is capture `index`'s condition.
    static func race(_ count: Int, _ bp: Breakpoint, through stores: [any ServerStore], now: Double,
                     conditionHolds: @escaping @Sendable (Int) -> Bool = { _ in true }) async throws -> [CaptureOutcome] {
        try await withThrowingTaskGroup(of: CaptureOutcome.self) { group in
            for index in 0..<count {
                let store = stores[index % stores.count]
                group.addTask { try await capture(store, bp, now: now, conditionHolds: { _ in conditionHolds(index) }) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test("Captures racing through two store instances never store more than max_captures")
    func maxCapturesAcrossInstances() async throws {
        let database = try await TestDatabase.open(sqlitePath: Self.sqlitePath(), logger: Self.logger)
        let other = try await database.openAnother()
        var limited = Breakpoint(id: StoreIDs.newID(), serviceName: "checkout", now: Timestamps.now())
        limited.maxCaptures = 7
        let bp = try await database.store.insert(limited)
        let outcomes = try await Self.race(60, bp, through: [database.store, other], now: Timestamps.now())
        let stored = outcomes.filter { if case .stored = $0 { true } else { false } }.count
        // Once the 7th is stored the breakpoint is disabled: the rest are dropped as such.
        let dropped = outcomes.filter { if case .dropped("breakpoint_disabled", _) = $0 { true } else { false } }.count
        #expect(stored == 7)
        #expect(dropped == 60 - 7)
        #expect(try await database.store.snapshotCount() == 7)
        let after = try #require(try await other.breakpoint(id: bp.id))
        #expect(after.captureCount == 7)
        #expect(after.enabled == false)
        #expect(after.droppedCount == 60 - 7)
        (other as? PostgresStore)?.close()
        await database.close()
    }

    @Test("Instances that already stored captures of a breakpoint (and remember its row) still never store more than max_captures together")
    func maxCapturesAcrossInstancesThatRememberTheRow() async throws {
        let database = try await TestDatabase.open(sqlitePath: Self.sqlitePath(), logger: Self.logger)
        let other = try await database.openAnother()
        var limited = Breakpoint(id: StoreIDs.newID(), serviceName: "checkout", now: Timestamps.now())
        limited.maxCaptures = 30
        let bp = try await database.store.insert(limited)
        for store in [database.store, other] { #expect(try await Self.capture(store, bp).isStored) }
        // Ten rounds of 20 racing captures, so each instance decides batches on
        // a row the other has changed since; every third capture's condition is
        // false: counted as dropped, never stored.
        var outcomes: [CaptureOutcome] = []
        for _ in 0..<10 {
            outcomes += try await Self.race(20, bp, through: [database.store, other], now: Timestamps.now(),
                                            conditionHolds: { $0 % 3 != 0 })
        }
        #expect(outcomes.filter(\.isStored).count == 28)
        #expect(try await database.store.snapshotCount() == 30)
        let after = try #require(try await other.breakpoint(id: bp.id))
        #expect(after.captureCount == 30)
        #expect(after.enabled == false)
        #expect(after.droppedCount == 200 - 28)
        (other as? PostgresStore)?.close()
        await database.close()
    }

    @Test("An instance that stored captures of a breakpoint honours the next change made through another instance at once")
    func changesThroughAnotherInstanceApplyToTheNextCapture() async throws {
        let database = try await TestDatabase.open(sqlitePath: Self.sqlitePath(), logger: Self.logger)
        let store = database.store, other = try await database.openAnother()
        let bp = try await store.insert(Breakpoint(id: StoreIDs.newID(), serviceName: "checkout", now: Timestamps.now()))
        let noCondition: @Sendable (Breakpoint) -> Bool = { $0.condition == nil }
        func changeThroughOther(_ change: (inout Breakpoint) -> Void) async throws {
            var row = try #require(try await other.breakpoint(id: bp.id))
            change(&row)
            try await other.update(row)
        }
        #expect(try await Self.capture(store, bp, conditionHolds: noCondition).isStored)

        try await changeThroughOther { $0.enabled = false }
        #expect(try await Self.capture(store, bp, conditionHolds: noCondition) == .dropped(reason: "breakpoint_disabled", changed: nil))

        try await changeThroughOther { $0.enabled = true; $0.condition = "amount > 10" }
        #expect(try await Self.capture(store, bp, conditionHolds: noCondition) == .dropped(reason: "condition_false", changed: nil))

        try await changeThroughOther { $0.condition = nil; $0.maxCaptures = 1 }
        guard case .dropped("max_captures_reached", _) = try await Self.capture(store, bp, conditionHolds: noCondition) else {
            Issue.record("a capture beyond the max_captures set through the other instance was not dropped as such")
            return
        }

        try await changeThroughOther { $0.enabled = true; $0.maxCaptures = 0; $0.expireAt = Timestamps.now() - 1 }
        guard case .dropped("breakpoint_expired", _) = try await Self.capture(store, bp, conditionHolds: noCondition) else {
            Issue.record("a capture after the expiry set through the other instance was not dropped as such")
            return
        }

        try await changeThroughOther { $0.enabled = true; $0.expireAt = nil }
        #expect(try await Self.capture(store, bp, conditionHolds: noCondition).isStored)
        _ = try await other.touchService("checkout", now: Timestamps.now())
        _ = try await other.setKillSwitch("checkout", enabled: true)
        #expect(try await Self.capture(store, bp, conditionHolds: noCondition) == .dropped(reason: "kill_switch", changed: nil))

        #expect(try await store.snapshotCount() == 2)
        (other as? PostgresStore)?.close()
        await database.close()
    }

    @Test("capture_frequency holds across instances: one capture per period")
    func frequencyAcrossInstances() async throws {
        let database = try await TestDatabase.open(sqlitePath: Self.sqlitePath(), logger: Self.logger)
        let other = try await database.openAnother()
        var throttled = Breakpoint(id: StoreIDs.newID(), serviceName: "checkout", now: Timestamps.now())
        throttled.captureFrequency = 3600
        let bp = try await database.store.insert(throttled)
        // All at the same instant: only the first within the period may be stored.
        let outcomes = try await Self.race(20, bp, through: [database.store, other], now: Timestamps.now())
        #expect(outcomes.filter { if case .stored = $0 { true } else { false } }.count == 1)
        #expect(outcomes.filter { if case .dropped("capture_frequency", _) = $0 { true } else { false } }.count == 19)
        (other as? PostgresStore)?.close()
        await database.close()
    }

    @Test("Export from SQLite and import into this backend: the same breakpoints, snapshots, keys and sessions")
    func exportImport() async throws {
        let sourcePath = Self.sqlitePath()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: sourcePath + suffix) } }
        let source = try SQLiteStore(path: sourcePath)
        let now = Timestamps.now()
        var bp = Breakpoint(id: StoreIDs.newID(), serviceName: "checkout", now: now)
        bp.label = "before-charge"
        bp.condition = "amount > 10"
        bp.maxCaptures = 5
        bp.metadata = ["team": .string("payments")]
        bp.captureExpressions = ["user.id"]
        try await source.insert(bp)
        for _ in 0..<3 { _ = try await Self.capture(source, bp) }
        let (key, _) = try await source.createKey(name: "ci", role: .sdk, services: ["checkout"], now: now)
        try await source.saveSession(tokenHash: "abc123", keyID: key.id, createdAt: now, expiredBefore: 0, capacity: 10)
        try await source.recordEvents(service: "checkout", events: [.object(["type": .string("circuit_open")])], now: now)
        try await source.recordCodeLocations(["checkout": [CodeLocation(filePath: "a.py", functionName: "pay", namespace: "", lineNumber: 3): 2]], now: now)

        var lines: [String] = []
        let exported = try await StoreDump.export(source) { lines.append($0) }
        #expect(exported["snapshots"] == 3 && exported["api_keys"] == 1 && exported["dashboard_sessions"] == 1)

        let target = try await TestDatabase.open(sqlitePath: Self.sqlitePath(), logger: Self.logger)
        let imported = try await StoreDump.import(into: target.store, lines: lines, batchSize: 2)
        #expect(imported == exported.filter { $0.value > 0 })
        #expect(try await target.store.breakpoints(service: nil) == source.breakpoints(service: nil))
        #expect(try await target.store.keys() == source.keys())
        #expect(try await target.store.services() == source.services())
        #expect(try await target.store.snapshots(SnapshotQuery()).snapshots == source.snapshots(SnapshotQuery()).snapshots)
        #expect(try await target.store.events(service: "checkout") == source.events(service: "checkout"))
        #expect(try await target.store.codeLocations(service: "checkout") == source.codeLocations(service: "checkout"))
        let session = try await target.store.storedSession(tokenHash: "abc123", notBefore: 0)
        #expect(session?.key == key && session?.createdAt == now)
        // Importing twice is refused rather than duplicating.
        await #expect(throws: DumpError.self) { try await StoreDump.import(into: target.store, lines: lines) }
        await target.close()
    }

    @Test("SQLite export pages by key: rows sharing a created_at are neither skipped nor repeated across pages")
    func exportPagesByKey() async throws {
        let path = Self.sqlitePath()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try SQLiteStore(path: path)
        let now = Timestamps.now()
        var ids: [String] = []
        for offset in [0.0, 0, 0, 0, 0, 1, 2] {  // five ties, then two later rows
            let bp = Breakpoint(id: StoreIDs.newID(), serviceName: "checkout", now: now + offset)
            try await store.insert(bp)
            ids.append(bp.id)
        }
        let table = try #require(StoreDump.tables.first { $0.name == "breakpoints" })
        var exported: [String] = []
        let count = try await store.exportRows(of: table, pageSize: 2) { row in
            if case .text(let id)? = row[0] { exported.append(id) }
        }
        #expect(count == 7)
        #expect(exported == Array(ids[0..<5]).sorted() + ids[5...])
    }

    @Test("A dump with a bad line is refused with its line number")
    func badDump() async throws {
        let target = try await TestDatabase.open(sqlitePath: Self.sqlitePath(), logger: Self.logger)
        let error = await #expect(throws: DumpError.self) {
            try await StoreDump.import(into: target.store, lines: [StoreDump.header, #"{"table": "breakpoints", "row": {"id": 5}}"#])
        }
        #expect(error?.description.contains("line 2") == true)
        await #expect(throws: DumpError.self) { try await StoreDump.import(into: target.store, lines: ["{}"]) }
        await target.close()
    }

    @Test("Database locations: paths, sqlite:// and postgres:// URLs; the password is never shown")
    func locations() throws {
        #expect(try StoreLocation("./tracekit.sqlite") == .sqlite(path: "./tracekit.sqlite"))
        #expect(try StoreLocation("sqlite:///var/lib/tk.sqlite") == .sqlite(path: "/var/lib/tk.sqlite"))
        guard case .postgres(let pg) = try StoreLocation("postgres://tk:s3cret@db.internal:6543/traces?sslmode=require") else {
            Issue.record("not a postgres location"); return
        }
        #expect(pg.host == "db.internal" && pg.port == 6543 && pg.username == "tk" && pg.password == "s3cret")
        #expect(pg.database == "traces" && pg.sslMode == "require")
        #expect(pg.description == "postgres://tk:***@db.internal:6543/traces")
        #expect(try StoreLocation("postgresql://tk@localhost/traces").description == "postgres://tk@localhost:5432/traces")
        for bad in ["postgres://tk:s3cret@/traces", "postgres://tk:s3cret@host", "mysql://tk:s3cret@host/db", "postgres://:s3cret@host/db", ""] {
            do {
                _ = try StoreLocation(bad)
                Issue.record("accepted \(bad)")
            } catch {
                #expect(!error.description.contains("s3cret"), "\(error.description)")
            }
        }
    }

    @Test("A PostgreSQL server that refuses the connection is a clear error without the password")
    func unreachablePostgres() async throws {
        guard case .postgres(let location) = try StoreLocation("postgres://tk:s3cret@127.0.0.1:1/traces?sslmode=disable") else { return }
        do {
            _ = try await PostgresStore(location, logger: Self.logger)
            Issue.record("connected to port 1")
        } catch {
            #expect("\(error)".contains("postgres://tk:***@127.0.0.1:1/traces"))
            #expect(!"\(error)".contains("s3cret"))
        }
    }
}
