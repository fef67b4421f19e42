import PostgresNIO
import TraceKitCore

/// Services (kill switch), API keys and dashboard sessions: shared by every
/// instance on the database.
extension PostgresStore {
    func touchService(_ connection: PostgresConnection, name: String, now: Double) async throws {
        try await connection.query("""
            INSERT INTO services (name, kill_switch, created_at, last_seen_at) VALUES (\(name), FALSE, \(now), \(now))
            ON CONFLICT (name) DO UPDATE SET last_seen_at = excluded.last_seen_at
            """, logger: logger)
    }

    public func touchService(_ name: String, now: Double) async throws -> Bool {
        try await rows("""
            INSERT INTO services (name, kill_switch, created_at, last_seen_at) VALUES (\(name), FALSE, \(now), \(now))
            ON CONFLICT (name) DO UPDATE SET last_seen_at = excluded.last_seen_at RETURNING kill_switch
            """).first?["kill_switch"].decode(Bool.self) ?? false
    }

    public func services() async throws -> [ServiceRecord] {
        try await rows("SELECT * FROM services ORDER BY name").map(ServiceRecord.init(postgres:))
    }

    public func service(_ name: String) async throws -> ServiceRecord? {
        try await rows("SELECT * FROM services WHERE name = \(name)").first.map(ServiceRecord.init(postgres:))
    }

    public func setKillSwitch(_ name: String, enabled: Bool) async throws -> ServiceRecord? {
        try await writing { connection in
            let service = try await rows("UPDATE services SET kill_switch = \(enabled) WHERE name = \(name) RETURNING *", on: connection)
                .first.map(ServiceRecord.init(postgres:))
            return (service, service == nil ? [] : [StoreChange(.killSwitch, service: name)])
        }
    }

    public func insertKey(_ record: APIKeyRecord, keyHash: String) async throws {
        let services = record.services.map { JSONValue.array($0.map { .string($0) }).jsonText }
        try await writing { connection in
            try await connection.query("""
                INSERT INTO api_keys (id, name, key_hash, prefix, role, services, created_at)
                VALUES (\(record.id), \(record.name), \(keyHash), \(record.prefix), \(record.role.rawValue), \(services), \(record.createdAt))
                """, logger: logger)
            return ((), [StoreChange(.keyCreated, id: record.id)])
        }
    }

    public func keys() async throws -> [APIKeyRecord] {
        try await rows("SELECT * FROM api_keys ORDER BY created_at, id").map(APIKeyRecord.init(postgres:))
    }

    public func keyCount() async throws -> Int {
        try await rows("SELECT COUNT(*) AS n FROM api_keys").first?["n"].decode(Int.self) ?? 0
    }

    public func key(hash: String) async throws -> APIKeyRecord? {
        try await rows("SELECT * FROM api_keys WHERE key_hash = \(hash) AND revoked_at IS NULL").first.map(APIKeyRecord.init(postgres:))
    }

    public func revokeKey(id: String, now: Double) async throws -> APIKeyRecord? {
        try await writing { connection in
            let record = try await rows("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, \(now)) WHERE id = \(id) RETURNING *",
                                        on: connection).first.map(APIKeyRecord.init(postgres:))
            return (record, record == nil ? [] : [StoreChange(.keyRevoked, id: id)])
        }
    }

    public func isKeyActive(id: String) async throws -> Bool {
        try await rows("SELECT revoked_at IS NULL AS active FROM api_keys WHERE id = \(id)").first?["active"].decode(Bool.self) ?? false
    }

    public func saveSession(tokenHash: String, keyID: String, createdAt: Double, expiredBefore: Double, capacity: Int) async throws {
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO dashboard_sessions (token_hash, key_id, created_at) VALUES (\(tokenHash), \(keyID), \(createdAt))
                ON CONFLICT (token_hash) DO UPDATE SET key_id = excluded.key_id, created_at = excluded.created_at
                """, logger: logger)
            try await connection.query("DELETE FROM dashboard_sessions WHERE created_at < \(expiredBefore)", logger: logger)
            try await connection.query("""
                DELETE FROM dashboard_sessions WHERE token_hash NOT IN
                    (SELECT token_hash FROM dashboard_sessions ORDER BY created_at DESC LIMIT \(capacity))
                """, logger: logger)
        }
    }

    public func storedSession(tokenHash: String, notBefore: Double) async throws -> (key: APIKeyRecord, createdAt: Double)? {
        guard let row = try await rows("""
            SELECT k.*, s.created_at AS session_created_at FROM dashboard_sessions s
            JOIN api_keys k ON k.id = s.key_id
            WHERE s.token_hash = \(tokenHash) AND s.created_at >= \(notBefore) AND k.revoked_at IS NULL
            """).first else { return nil }
        return (try APIKeyRecord(postgres: row), try row["session_created_at"].decode(Double.self))
    }

    public func deleteSession(tokenHash: String) async throws {
        try await writing { connection in
            try await connection.query("DELETE FROM dashboard_sessions WHERE token_hash = \(tokenHash)", logger: logger)
            return ((), [StoreChange(.sessionEnded, id: tokenHash)])
        }
    }

    public func reportConnections(instance: String, counts: [String: Int], now: Double, forgetBefore: Double) async throws {
        try await transaction { connection in
            // One report at a time, fleet-wide (one every 2 s per instance):
            // two that overlap (a slow database, or a report asked for
            // between two periodic ones) would insert the same rows, or
            // delete each other's stale rows in different orders.
            try await connection.query("SELECT pg_advisory_xact_lock(\(AdvisoryLock.connectionReports.rawValue))", logger: logger)
            try await connection.query("""
                DELETE FROM sdk_connections WHERE instance_id = \(instance) OR reported_at < \(forgetBefore)
                """, logger: logger)
            for (service, count) in counts where count > 0 {
                try await connection.query("""
                    INSERT INTO sdk_connections (instance_id, service_name, count, reported_at) VALUES (\(instance), \(service), \(count), \(now))
                    """, logger: logger)
            }
        }
    }

    public func connectionCounts(reportedSince: Double, excluding instance: String) async throws -> [String: Int] {
        let rows = try await rows("""
            SELECT service_name, SUM(count)::BIGINT AS total FROM sdk_connections
            WHERE reported_at >= \(reportedSince) AND instance_id <> \(instance) GROUP BY service_name
            """)
        return Dictionary(try rows.map { (try $0["service_name"].decode(String.self), try $0["total"].decode(Int.self)) },
                          uniquingKeysWith: +)
    }
}

extension ServiceRecord {
    init(postgres row: PostgresRandomAccessRow) throws {
        name = try row["name"].decode(String.self)
        killSwitch = try row["kill_switch"].decode(Bool.self)
        createdAt = try row["created_at"].decode(Double.self)
        lastSeenAt = try row["last_seen_at"].decode(Double.self)
    }
}

extension APIKeyRecord {
    init(postgres row: PostgresRandomAccessRow) throws {
        id = try row["id"].decode(String.self)
        name = try row["name"].decode(String.self)
        prefix = try row["prefix"].decode(String.self)
        role = Role(rawValue: try row["role"].decode(String.self)) ?? .sdk
        services = try row["services"].decode(String?.self).map(Breakpoint.storedStrings)
        createdAt = try row["created_at"].decode(Double.self)
        revokedAt = try row["revoked_at"].decode(Double?.self)
    }
}
