import GRDB

/// Connected SDKs per instance (see `FleetConnections`).
extension SQLiteStore {
    static func registerConnectionsMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4: sdk connections per instance") { db in
            try db.execute(sql: """
                CREATE TABLE sdk_connections (
                    instance_id TEXT NOT NULL,
                    service_name TEXT NOT NULL,
                    count INTEGER NOT NULL,
                    reported_at REAL NOT NULL,
                    PRIMARY KEY (instance_id, service_name)
                );
                """)
        }
    }

    public func reportConnections(instance: String, counts: [String: Int], now: Double, forgetBefore: Double) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM sdk_connections WHERE instance_id = ? OR reported_at < ?", arguments: [instance, forgetBefore])
            for (service, count) in counts where count > 0 {
                try db.execute(sql: "INSERT INTO sdk_connections (instance_id, service_name, count, reported_at) VALUES (?, ?, ?, ?)",
                               arguments: [instance, service, count, now])
            }
        }
    }

    public func connectionCounts(reportedSince: Double, excluding instance: String) async throws -> [String: Int] {
        try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT service_name, SUM(count) AS total FROM sdk_connections
                WHERE reported_at >= ? AND instance_id <> ? GROUP BY service_name
                """, arguments: [reportedSince, instance])
            return Dictionary(rows.map { (row: Row) in (row["service_name"] as String? ?? "", row["total"] as Int? ?? 0) },
                              uniquingKeysWith: +)
        }
    }
}
