import GRDB

extension SQLiteStore {
    public func dashboardMarkers() async throws -> (latestSnapshot: Int64, codeLocations: Int, codeHits: Int) {
        try await pool.read { db in
            let seq = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM snapshots") ?? 0
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, COALESCE(SUM(hit_count), 0) AS hits FROM code_locations")
            return (seq, row?["n"] ?? 0, row?["hits"] ?? 0)
        }
    }
}

extension SQLiteStore {
    /// Whether the stored key `id` exists and is not revoked (sessions check
    /// it so that revoking a key also ends the dashboard sessions it opened).
    public func isKeyActive(id: String) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT revoked_at IS NULL FROM api_keys WHERE id = ?", arguments: [id]) ?? false
        }
    }
}
