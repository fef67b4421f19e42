import GRDB

extension SQLiteStore {
    static func touchService(_ db: Database, name: String, now: Double) throws {
        try db.execute(sql: """
            INSERT INTO services (name, kill_switch, created_at, last_seen_at) VALUES (?, 0, ?, ?)
            ON CONFLICT(name) DO UPDATE SET last_seen_at = excluded.last_seen_at
            """, arguments: [name, now, now])
    }

    /// Records that an SDK of `name` was seen, and returns its kill switch.
    public func touchService(_ name: String, now: Double) async throws -> Bool {
        try await pool.write { db in
            try Self.touchService(db, name: name, now: now)
            return try Bool.fetchOne(db, sql: "SELECT kill_switch FROM services WHERE name = ?", arguments: [name]) ?? false
        }
    }

    public func services() async throws -> [ServiceRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM services ORDER BY name").map(ServiceRecord.init(row:))
        }
    }

    public func service(_ name: String) async throws -> ServiceRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM services WHERE name = ?", arguments: [name]).map(ServiceRecord.init(row:))
        }
    }

    /// Sets the kill switch; nil when the service is unknown.
    public func setKillSwitch(_ name: String, enabled: Bool) async throws -> ServiceRecord? {
        let service = try await pool.write { db in
            try db.execute(sql: "UPDATE services SET kill_switch = ? WHERE name = ?", arguments: [enabled, name])
            return try Row.fetchOne(db, sql: "SELECT * FROM services WHERE name = ?", arguments: [name]).map(ServiceRecord.init(row:))
        }
        if service != nil { changes.announce(StoreChange(.killSwitch, service: name)) }
        return service
    }
}

extension ServiceRecord {
    init(row: Row) {
        name = row["name"] ?? ""
        killSwitch = row["kill_switch"] ?? false
        createdAt = row["created_at"] ?? 0
        lastSeenAt = row["last_seen_at"] ?? 0
    }
}
