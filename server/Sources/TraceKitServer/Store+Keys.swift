import GRDB
import TraceKitCore

/// An API key as stored: only the SHA-256 of the secret is kept.
public struct APIKeyRecord: Sendable, Equatable {
    public enum Role: String, Sendable { case admin, sdk }
    public var id: String
    public var name: String
    /// The first characters of the secret, to recognise a key in a list.
    public var prefix: String
    public var role: Role
    /// Services an SDK key may report for; nil = all.
    public var services: [String]?
    public var createdAt: Double
    public var revokedAt: Double?

    public func allows(service: String) -> Bool {
        role == .admin || services == nil || services?.contains(service) == true
    }

    var json: JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(id), "name": .string(name), "prefix": .string(prefix), "role": .string(role.rawValue),
            "services": services.map { .array($0.map { .string($0) }) } ?? .null,
            "created_at": .string(Timestamps.format(createdAt)),
        ]
        o["revoked_at"] = revokedAt.map { .string(Timestamps.format($0)) } ?? .null
        return .object(o)
    }
}

extension Store {
    /// Creates a key and returns the record with the secret, which is shown
    /// once and never stored.
    public func createKey(name: String, role: APIKeyRecord.Role, services: [String]?, now: Double) async throws -> (APIKeyRecord, secret: String) {
        let secret = Self.newSecret()
        let record = APIKeyRecord(
            id: Store.newID(), name: name, prefix: String(secret.prefix(10)), role: role, services: services,
            createdAt: now, revokedAt: nil)
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO api_keys (id, name, key_hash, prefix, role, services, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [record.id, name, SHA256.hexDigest(secret), record.prefix, role.rawValue,
                                 services.map { JSONValue.array($0.map { .string($0) }).jsonText }, now])
        }
        return (record, secret)
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
        try await pool.write { db in
            try db.execute(sql: "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", arguments: [now, id])
            return try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE id = ?", arguments: [id]).map(APIKeyRecord.init(row:))
        }
    }

    /// `tk_` + 40 hex digits (160 random bits).
    static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        var hex = ""
        for _ in 0..<5 {
            let word = generator.next() as UInt32
            let text = String(word, radix: 16)
            hex += String(repeating: "0", count: 8 - text.count) + text
        }
        return "tk_" + hex
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
