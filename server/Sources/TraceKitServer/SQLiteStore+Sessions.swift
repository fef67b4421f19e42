import GRDB

/// Dashboard sessions, persisted so a restart does not sign everyone out.
/// Only the SHA-256 of each token is stored (the table holds no usable
/// secret); a session lives while its key is not revoked.
extension SQLiteStore {
    static func registerSessionsMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3: dashboard sessions") { db in
            try db.execute(sql: """
                CREATE TABLE dashboard_sessions (
                    token_hash TEXT PRIMARY KEY NOT NULL,
                    key_id TEXT NOT NULL,
                    created_at REAL NOT NULL
                );
                """)
        }
    }

    public func saveSession(tokenHash: String, keyID: String, createdAt: Double, expiredBefore: Double, capacity: Int) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO dashboard_sessions (token_hash, key_id, created_at) VALUES (?, ?, ?)",
                           arguments: [tokenHash, keyID, createdAt])
            try db.execute(sql: "DELETE FROM dashboard_sessions WHERE created_at < ?", arguments: [expiredBefore])
            try db.execute(sql: """
                DELETE FROM dashboard_sessions WHERE token_hash NOT IN
                    (SELECT token_hash FROM dashboard_sessions ORDER BY created_at DESC LIMIT ?)
                """, arguments: [capacity])
        }
    }

    public func storedSession(tokenHash: String, notBefore: Double) async throws -> (key: APIKeyRecord, createdAt: Double)? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT k.*, s.created_at AS session_created_at FROM dashboard_sessions s
                JOIN api_keys k ON k.id = s.key_id
                WHERE s.token_hash = ? AND s.created_at >= ? AND k.revoked_at IS NULL
                """, arguments: [tokenHash, notBefore]) else { return nil }
            return (APIKeyRecord(row: row), row["session_created_at"])
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM dashboard_sessions WHERE token_hash = ?", arguments: [tokenHash])
        }
        changes.announce(StoreChange(.sessionEnded, id: tokenHash))
    }
}
