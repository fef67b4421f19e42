import GRDB
import TraceKitCore

extension SQLiteStore {
    /// Newest first, paged by an opaque cursor.
    public func snapshots(_ query: SnapshotQuery) async throws -> SnapshotPage {
        try await pool.read { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            if let service = query.service { clauses.append("service_name = ?"); arguments += [service] }
            if let id = query.breakpointID { clauses.append("breakpoint_id = ?"); arguments += [id] }
            if let since = query.since { clauses.append("captured_at >= ?"); arguments += [since] }
            if let until = query.until { clauses.append("captured_at <= ?"); arguments += [until] }
            if let before = query.before { clauses.append("seq < ?"); arguments += [before] }
            let whereSQL = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            arguments += [query.limit + 1]
            let rows = try Row.fetchAll(db, sql: "SELECT seq, document FROM snapshots \(whereSQL) ORDER BY seq DESC LIMIT ?", arguments: arguments)
            let page = rows.prefix(query.limit)
            let next: String? = rows.count > query.limit ? (page.last.map { row in String(row["seq"] as Int64? ?? 0) }) : nil
            return SnapshotPage(snapshots: try page.map { try JSONValue.readStored($0["document"] ?? "") }, nextCursor: next)
        }
    }

    public func snapshot(id: String) async throws -> JSONValue? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT document FROM snapshots WHERE id = ?", arguments: [id]).map(JSONValue.readStored)
        }
    }

    /// False when no snapshot has this id.
    public func deleteSnapshot(id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM snapshots WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    /// Deletes the snapshots of a service and/or breakpoint, in batches of
    /// `batchSize` rows (one transaction each, so captures keep flowing).
    /// Returns how many were deleted.
    public func deleteSnapshots(service: String?, breakpointID: String?, batchSize: Int = 5_000) async throws -> Int {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let service { clauses.append("service_name = ?"); arguments += [service] }
        if let breakpointID { clauses.append("breakpoint_id = ?"); arguments += [breakpointID] }
        guard !clauses.isEmpty else { return 0 }
        arguments += [batchSize]
        let sql = "DELETE FROM snapshots WHERE seq IN (SELECT seq FROM snapshots WHERE \(clauses.joined(separator: " AND ")) LIMIT ?)"
        var deleted = 0
        let batch = arguments
        while true {
            let removed = try await pool.write { db -> Int in
                try db.execute(sql: sql, arguments: batch)
                return db.changesCount
            }
            deleted += removed
            if removed < batchSize { return deleted }
        }
    }

    public func snapshotCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM snapshots") ?? 0 }
    }

    /// Deletes snapshots older than `maxAge` seconds and beyond the newest
    /// `maxCount` (0 disables either rule); SDK events are capped the same way.
    /// Works in batches of `batchSize` rows, one transaction each, so a large
    /// backlog never holds the writer (and capture ingest) for long.
    /// Returns how many snapshots were deleted.
    @discardableResult
    public func applyRetention(maxAge: Int, maxCount: Int, now: Double, batchSize: Int = 5_000) async throws -> Int {
        var deleted = 0
        for table in ["snapshots", "sdk_events"] {  // constants, not input: safe to interpolate
            // Everything at or below this sequence number goes (newest kept).
            let countCutoff: Int64? = maxCount > 0 ? try await pool.read { db in
                try Int64.fetchOne(db, sql: "SELECT seq FROM \(table) ORDER BY seq DESC LIMIT 1 OFFSET ?", arguments: [maxCount])
            } : nil
            let ageCutoff = maxAge > 0 ? now - Double(maxAge) : nil
            guard countCutoff != nil || ageCutoff != nil else { continue }
            while true {
                let removed = try await pool.write { db -> Int in
                    try db.execute(sql: """
                        DELETE FROM \(table) WHERE seq IN (SELECT seq FROM \(table) WHERE seq <= ? OR received_at < ? ORDER BY seq LIMIT ?)
                        """, arguments: [countCutoff ?? -1, ageCutoff ?? -Double.greatestFiniteMagnitude, batchSize])
                    return db.changesCount
                }
                if table == "snapshots" { deleted += removed }
                if removed < batchSize { break }
            }
        }
        return deleted
    }

    /// Telemetry events an SDK posted with its poll (e.g. circuit-breaker trips).
    public func recordEvents(service: String, events: [JSONValue], now: Double) async throws {
        try await pool.write { db in
            for event in events {
                var type = "unknown"
                if case .string(let t)? = event.objectValue?["type"] { type = String(t.prefix(128)) }
                try db.execute(sql: "INSERT INTO sdk_events (service_name, type, document, received_at) VALUES (?, ?, ?, ?)",
                               arguments: [service, type, event.jsonText, now])
            }
        }
    }

    public func events(service: String) async throws -> [JSONValue] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT document FROM sdk_events WHERE service_name = ? ORDER BY seq", arguments: [service])
                .map(JSONValue.readStored)
        }
    }
}
