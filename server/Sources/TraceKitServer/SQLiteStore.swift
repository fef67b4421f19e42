import Foundation
import GRDB

/// The server's SQLite database (GRDB pool in WAL mode: one writer, many
/// concurrent readers). Every statement is parameterised. The per-table
/// queries live in the `SQLiteStore+*.swift` files.
public final class SQLiteStore: ServerStore {
    let pool: DatabasePool
    let captureBatcher: CaptureBatcher
    /// Every committed change, announced after its transaction (see `ChangePublisher`).
    public let changes = ChangeFeed()

    public init(path: String) throws {
        var config = Configuration()
        config.prepareDatabase { db in
            // WAL + NORMAL: durable across process crashes, fast enough for ingest.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Checkpoint every 10,000 WAL pages (~40 MB) rather than SQLite's 1,000:
            // under ingest a checkpoint (page copies and an fdatasync) ran several
            // times a second, and the pages every batch rewrites (index nodes, the
            // breakpoint row) are copied once per checkpoint however often they changed.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 10000")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        config.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: config)
        try Self.migrator.migrate(pool)
        captureBatcher = CaptureBatcher(pool: pool, changes: changes)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: services, breakpoints, snapshots, keys, events") { db in
            try db.execute(sql: """
                CREATE TABLE services (
                    name TEXT PRIMARY KEY NOT NULL,
                    kill_switch INTEGER NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL,
                    last_seen_at REAL NOT NULL
                );
                CREATE TABLE breakpoints (
                    id TEXT PRIMARY KEY NOT NULL,
                    service_name TEXT NOT NULL,
                    file_path TEXT NOT NULL DEFAULT '',
                    line_number INTEGER NOT NULL DEFAULT 0,
                    function_name TEXT NOT NULL DEFAULT '',
                    label TEXT NOT NULL DEFAULT '',
                    condition TEXT,
                    condition_eval TEXT NOT NULL,
                    max_captures INTEGER NOT NULL DEFAULT 0,
                    capture_count INTEGER NOT NULL DEFAULT 0,
                    capture_frequency INTEGER NOT NULL DEFAULT 0,
                    expire_at REAL,
                    enabled INTEGER NOT NULL,
                    mode TEXT NOT NULL,
                    stack_depth INTEGER,
                    max_depth INTEGER,
                    max_payload_bytes INTEGER,
                    capture_expressions TEXT NOT NULL DEFAULT '[]',
                    idle_timeout_hours INTEGER,
                    metadata TEXT NOT NULL DEFAULT '{}',
                    auto_registered INTEGER NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL,
                    last_capture_at REAL,
                    dropped_count INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX breakpoints_by_service ON breakpoints(service_name, function_name, label);
                CREATE TABLE snapshots (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    breakpoint_id TEXT NOT NULL,
                    service_name TEXT NOT NULL,
                    captured_at REAL NOT NULL,
                    received_at REAL NOT NULL,
                    document TEXT NOT NULL
                );
                CREATE INDEX snapshots_by_service ON snapshots(service_name, seq);
                CREATE INDEX snapshots_by_breakpoint ON snapshots(breakpoint_id, seq);
                CREATE INDEX snapshots_by_received ON snapshots(received_at);
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    key_hash TEXT NOT NULL UNIQUE,
                    prefix TEXT NOT NULL,
                    role TEXT NOT NULL,
                    services TEXT,
                    created_at REAL NOT NULL,
                    revoked_at REAL
                );
                CREATE TABLE sdk_events (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    service_name TEXT NOT NULL,
                    type TEXT NOT NULL,
                    document TEXT NOT NULL,
                    received_at REAL NOT NULL
                );
                """)
        }
        registerCodeIndexMigration(&migrator)
        registerSessionsMigration(&migrator)
        registerConnectionsMigration(&migrator)
        return migrator
    }
}
