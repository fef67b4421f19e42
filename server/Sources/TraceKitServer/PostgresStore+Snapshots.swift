import PostgresNIO
import TraceKitCore

/// Captures, snapshots and SDK events.
extension PostgresStore {
    /// Group-committed (see `PostgresCaptureBatch`): captures racing on
    /// several instances are decided as if one after the other on the
    /// committed breakpoint row. Throws `StoreOverloaded` when too many
    /// captures are already queued.
    public func ingest(_ job: CaptureJob) async throws -> CaptureOutcome {
        try await captureQueue.submit(job) { jobs in
            try await PostgresCaptureBatch.ingest(jobs, store: self)
        }
    }

    public func snapshots(_ query: SnapshotQuery) async throws -> SnapshotPage {
        var clauses: [String] = []
        var binds = PostgresBindings()
        func bind(_ clause: String, _ value: some PostgresDynamicTypeEncodable) {
            binds.append(value)
            clauses.append(clause.replacingOccurrences(of: "?", with: "$\(binds.count)"))
        }
        if let service = query.service { bind("service_name = ?", service) }
        if let id = query.breakpointID { bind("breakpoint_id = ?", id) }
        if let since = query.since { bind("captured_at >= ?", since) }
        if let until = query.until { bind("captured_at <= ?", until) }
        if let before = query.before { bind("seq < ?", before) }
        let whereSQL = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        binds.append(query.limit + 1)
        let rows = try await rows(PostgresQuery(
            unsafeSQL: "SELECT seq, document FROM snapshots \(whereSQL) ORDER BY seq DESC LIMIT $\(binds.count)", binds: binds))
        let page = rows.prefix(query.limit)
        let next = rows.count > query.limit ? try page.last.map { String(try $0["seq"].decode(Int64.self)) } : nil
        return SnapshotPage(snapshots: try page.map { try JSONValue.readStored(try $0["document"].decode(String.self)) }, nextCursor: next)
    }

    public func snapshot(id: String) async throws -> JSONValue? {
        try await rows("SELECT document FROM snapshots WHERE id = \(id)").first
            .map { try JSONValue.readStored(try $0["document"].decode(String.self)) }
    }

    public func deleteSnapshot(id: String) async throws -> Bool {
        !(try await rows("DELETE FROM snapshots WHERE id = \(id) RETURNING 1").isEmpty)
    }

    public func deleteSnapshots(service: String?, breakpointID: String?, batchSize: Int) async throws -> Int {
        guard service != nil || breakpointID != nil else { return 0 }
        var deleted = 0
        while true {
            // NULL matches everything: one statement for the three filters.
            let removed = try await rows("""
                DELETE FROM snapshots WHERE seq IN (SELECT seq FROM snapshots
                WHERE (\(service)::TEXT IS NULL OR service_name = \(service)) AND (\(breakpointID)::TEXT IS NULL OR breakpoint_id = \(breakpointID))
                LIMIT \(batchSize)) RETURNING 1
                """).count
            deleted += removed
            if removed < batchSize { return deleted }
        }
    }

    public func snapshotCount() async throws -> Int {
        try await rows("SELECT COUNT(*) AS n FROM snapshots").first?["n"].decode(Int.self) ?? 0
    }

    /// Only one instance applies retention at a time (advisory lock); a
    /// sweep that finds it taken deletes nothing.
    @discardableResult
    public func applyRetention(maxAge: Int, maxCount: Int, now: Double, batchSize: Int) async throws -> Int {
        try await whileHolding(.retentionSweep) { connection in
            var deleted = 0
            for table in ["snapshots", "sdk_events"] {  // constants, not input: safe to interpolate
                let countCutoff: Int64? = maxCount > 0
                    ? try await rows(PostgresQuery(unsafeSQL: "SELECT seq FROM \(table) ORDER BY seq DESC LIMIT 1 OFFSET $1",
                                                   binds: Self.binds(maxCount)), on: connection).first?["seq"].decode(Int64.self)
                    : nil
                let ageCutoff = maxAge > 0 ? now - Double(maxAge) : nil
                guard countCutoff != nil || ageCutoff != nil else { continue }
                while true {
                    let removed = try await count(PostgresQuery(unsafeSQL: """
                        DELETE FROM \(table) WHERE seq IN (SELECT seq FROM \(table) WHERE seq <= $1 OR received_at < $2 ORDER BY seq LIMIT $3)
                        RETURNING 1
                        """, binds: Self.binds(countCutoff ?? -1, ageCutoff ?? -Double.greatestFiniteMagnitude, batchSize)), on: connection)
                    if table == "snapshots" { deleted += removed }
                    if removed < batchSize { break }
                }
            }
            return deleted
        } ?? 0
    }

    public func recordEvents(service: String, events: [JSONValue], now: Double) async throws {
        guard !events.isEmpty else { return }
        try await transaction { connection in
            for event in events {
                var type = "unknown"
                if case .string(let t)? = event.objectValue?["type"] { type = String(t.prefix(128)) }
                try await connection.query("""
                    INSERT INTO sdk_events (service_name, type, document, received_at) VALUES (\(service), \(type), \(event.jsonText), \(now))
                    """, logger: logger)
            }
        }
    }

    public func events(service: String) async throws -> [JSONValue] {
        try await rows("SELECT document FROM sdk_events WHERE service_name = \(service) ORDER BY seq")
            .map { try JSONValue.readStored(try $0["document"].decode(String.self)) }
    }

    static func binds(_ values: any PostgresDynamicTypeEncodable...) -> PostgresBindings {
        var binds = PostgresBindings()
        for value in values { binds.append(value) }
        return binds
    }
}
