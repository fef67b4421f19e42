import GRDB

extension SQLiteStore {
    static func registerCodeIndexMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2: code index") { db in
            try db.execute(sql: """
                CREATE TABLE code_locations (
                    service_name TEXT NOT NULL,
                    file_path TEXT NOT NULL,
                    namespace TEXT NOT NULL,
                    function_name TEXT NOT NULL,
                    line_number INTEGER NOT NULL,
                    first_seen_at REAL NOT NULL,
                    last_seen_at REAL NOT NULL,
                    hit_count INTEGER NOT NULL,
                    PRIMARY KEY (service_name, file_path, namespace, function_name, line_number)
                ) WITHOUT ROWID;
                """)
        }
    }

    /// Adds one export's locations (with their occurrence counts) in one
    /// transaction, and marks each service as seen.
    public func recordCodeLocations(_ counts: [String: [CodeLocation: Int]], now: Double) async throws {
        guard !counts.isEmpty else { return }
        try await pool.write { db in
            for (service, locations) in counts {
                try Self.touchService(db, name: service, now: now)
                var stored = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM code_locations WHERE service_name = ?",
                                              arguments: [service]) ?? 0
                for (location, hits) in locations {
                    try db.execute(sql: """
                        UPDATE code_locations SET hit_count = hit_count + ?, last_seen_at = ?
                        WHERE service_name = ? AND file_path = ? AND namespace = ? AND function_name = ? AND line_number = ?
                        """, arguments: [hits, now, service, location.filePath, location.namespace, location.functionName, location.lineNumber])
                    guard db.changesCount == 0, stored < maxCodeLocationsPerService else { continue }
                    try db.execute(sql: """
                        INSERT INTO code_locations (service_name, file_path, namespace, function_name, line_number,
                                                    first_seen_at, last_seen_at, hit_count)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [service, location.filePath, location.namespace, location.functionName, location.lineNumber,
                                         now, now, hits])
                    stored += 1
                }
            }
        }
    }

    /// Every indexed location of `service`, ordered by file, namespace, function, line.
    public func codeLocations(service: String) async throws -> [CodeIndexRow] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM code_locations WHERE service_name = ?
                ORDER BY file_path, namespace, function_name, line_number
                """, arguments: [service]).map { row in
                CodeIndexRow(
                    location: CodeLocation(filePath: row["file_path"] ?? "", functionName: row["function_name"] ?? "",
                                           namespace: row["namespace"] ?? "", lineNumber: row["line_number"] ?? 0),
                    firstSeenAt: row["first_seen_at"] ?? 0, lastSeenAt: row["last_seen_at"] ?? 0, hitCount: row["hit_count"] ?? 0)
            }
        }
    }

    /// Services with indexed code: name, distinct files, locations and hits.
    public func codeIndexSummary() async throws -> [CodeIndexSummary] {
        try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT service_name, COUNT(DISTINCT file_path) AS files, COUNT(*) AS locations, SUM(hit_count) AS hits
                FROM code_locations GROUP BY service_name ORDER BY service_name
                """)
            return rows.map(CodeIndexSummary.init(row:))
        }
    }
}

extension CodeIndexSummary {
    init(row: Row) {
        self.init(service: row["service_name"] ?? "", files: row["files"] ?? 0,
                  locations: row["locations"] ?? 0, hits: row["hits"] ?? 0)
    }
}
