import GRDB
import TraceKitCore

extension SQLiteStore {
    public func insertKey(_ record: APIKeyRecord, keyHash: String) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO api_keys (id, name, key_hash, prefix, role, services, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [record.id, record.name, keyHash, record.prefix, record.role.rawValue,
                                 record.services.map { JSONValue.array($0.map { .string($0) }).jsonText }, record.createdAt])
        }
        changes.announce(StoreChange(.keyCreated, id: record.id))
    }

    public func keys() async throws -> [APIKeyRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_keys ORDER BY created_at, id").map(APIKeyRecord.init(row:))
        }
    }

    public func keyCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM api_keys") ?? 0 }
    }

    /// The live (not revoked) key with this hash.
    public func key(hash: String) async throws -> APIKeyRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL", arguments: [hash])
                .map(APIKeyRecord.init(row:))
        }
    }

    /// Revokes a key; nil when no such key exists.
    public func revokeKey(id: String, now: Double) async throws -> APIKeyRecord? {
        let record = try await pool.write { db in
            try db.execute(sql: "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", arguments: [now, id])
            return try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE id = ?", arguments: [id]).map(APIKeyRecord.init(row:))
        }
        if record != nil { changes.announce(StoreChange(.keyRevoked, id: id)) }
        return record
    }
}

extension APIKeyRecord {
    init(row: Row) {
        id = row["id"] ?? ""
        name = row["name"] ?? ""
        prefix = row["prefix"] ?? ""
        role = Role(rawValue: row["role"] ?? "") ?? .sdk
        if let text: String = row["services"], case .array(let items) = JSONValue.parseStored(text) {
            services = items.compactMap { if case .string(let s) = $0 { s } else { nil } }
        } else {
            services = nil
        }
        createdAt = row["created_at"] ?? 0
        revokedAt = row["revoked_at"]
    }
}
