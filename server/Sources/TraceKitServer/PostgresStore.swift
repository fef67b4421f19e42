import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// The server's storage on PostgreSQL (PostgresNIO client with a connection
/// pool), for several instances sharing one database. The tables and the
/// named migrations are those of `SQLiteStore`; the migrations run once, in
/// order, recorded in `schema_migrations`, under an advisory lock so that
/// instances starting together do not race. Every statement is
/// parameterised. Cross-instance rules live in the database: each batch of
/// captures locks its breakpoint rows (`FOR UPDATE`) so counts and limits hold whatever
/// instance stores them, and sweeps take an advisory lock so one instance
/// sweeps at a time. The per-table queries live in `PostgresStore+*.swift`.
public final class PostgresStore: ServerStore {
    let client: PostgresClient
    let logger: Logger
    /// Where it is connected (its description hides the password).
    public let location: PostgresLocation
    /// Every committed change, announced after its transaction here and
    /// NOTIFYed to the other instances (see `PostgresStore+ChangeFeed`).
    public let changes = ChangeFeed()
    private let runner: Task<Void, Never>
    /// LISTENs for the other instances' changes (`PostgresChangeListener`).
    private let listener: Task<Void, Never>
    /// Queues captures and stores them a batch per transaction.
    let captureQueue = GroupCommitQueue(maxBatch: 512)
    /// The breakpoint rows recent capture batches saw (see `PostgresUnlockedCaptures`).
    let captureRows = CaptureRowCache()

    /// Advisory lock keys (one namespace for this server's locks).
    enum AdvisoryLock: Int64 {
        case migrations = 0x7472_6163_6b01
        case expirySweep = 0x7472_6163_6b02
        case retentionSweep = 0x7472_6163_6b03
        case connectionReports = 0x7472_6163_6b04
    }

    /// Starts the pool, which opens connections on demand (at most
    /// `maximumConnections`), and applies pending migrations over a
    /// connection of its own (a refused connection or bad credentials fail
    /// here, at once, rather than in the pool's retries).
    public init(_ location: PostgresLocation, maximumConnections: Int = 20, logger: Logger) async throws {
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: Self.clientTLS(location.sslMode))
        configuration.options.maximumConnections = max(maximumConnections, 1)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let runner = Task { await client.run() }  // started first: it is running by the first query
        do {
            let connection = try await PostgresConnection.connect(
                on: PostgresClient.defaultEventLoopGroup.any(),
                configuration: .init(host: location.host, port: location.port, username: location.username,
                                     password: location.password, database: location.database,
                                     tls: try Self.connectionTLS(location.sslMode)),
                id: 0, logger: logger
            ).get()
            do {
                try await Self.migrate(connection, logger: logger)
                try await connection.close()
            } catch {
                try? await connection.close()
                throw error
            }
        } catch {
            runner.cancel()
            throw PostgresStoreError("cannot open the PostgreSQL database \(location)", error)
        }
        self.client = client
        self.runner = runner
        self.logger = logger
        self.location = location
        let changeListener = PostgresChangeListener(
            configuration: .init(host: location.host, port: location.port, username: location.username,
                                 password: location.password, database: location.database,
                                 tls: try Self.connectionTLS(location.sslMode)),
            feed: changes, logger: logger)
        listener = Task { await changeListener.run() }
    }

    deinit {
        runner.cancel()
        listener.cancel()
    }

    /// Closes the connection pool and the change listener.
    public func close() {
        runner.cancel()
        listener.cancel()
    }

    private static func clientTLS(_ sslMode: String) -> PostgresClient.Configuration.TLS {
        switch sslMode {
        case "disable": .disable
        case "require": .require(.makeClientConfiguration())
        default: .prefer(.makeClientConfiguration())
        }
    }

    private static func connectionTLS(_ sslMode: String) throws -> PostgresConnection.Configuration.TLS {
        switch sslMode {
        case "disable": .disable
        case "require": .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        default: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
    }

    // MARK: migrations

    /// Named, ordered, each a list of statements (one statement per query in
    /// PostgreSQL's extended protocol). The names are SQLiteStore's.
    static let migrations: [(name: String, statements: [String])] = [
        ("v1: services, breakpoints, snapshots, keys, events", [
            """
            CREATE TABLE services (
                name TEXT PRIMARY KEY NOT NULL,
                kill_switch BOOLEAN NOT NULL DEFAULT FALSE,
                created_at DOUBLE PRECISION NOT NULL,
                last_seen_at DOUBLE PRECISION NOT NULL)
            """,
            """
            CREATE TABLE breakpoints (
                id TEXT PRIMARY KEY NOT NULL,
                service_name TEXT NOT NULL,
                file_path TEXT NOT NULL DEFAULT '',
                line_number BIGINT NOT NULL DEFAULT 0,
                function_name TEXT NOT NULL DEFAULT '',
                label TEXT NOT NULL DEFAULT '',
                condition TEXT,
                condition_eval TEXT NOT NULL,
                max_captures BIGINT NOT NULL DEFAULT 0,
                capture_count BIGINT NOT NULL DEFAULT 0,
                capture_frequency BIGINT NOT NULL DEFAULT 0,
                expire_at DOUBLE PRECISION,
                enabled BOOLEAN NOT NULL,
                mode TEXT NOT NULL,
                stack_depth BIGINT,
                max_depth BIGINT,
                max_payload_bytes BIGINT,
                capture_expressions TEXT NOT NULL DEFAULT '[]',
                idle_timeout_hours BIGINT,
                metadata TEXT NOT NULL DEFAULT '{}',
                auto_registered BOOLEAN NOT NULL DEFAULT FALSE,
                created_at DOUBLE PRECISION NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL,
                last_capture_at DOUBLE PRECISION,
                dropped_count BIGINT NOT NULL DEFAULT 0)
            """,
            "CREATE INDEX breakpoints_by_service ON breakpoints(service_name, function_name, label)",
            """
            CREATE TABLE snapshots (
                seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                breakpoint_id TEXT NOT NULL,
                service_name TEXT NOT NULL,
                captured_at DOUBLE PRECISION NOT NULL,
                received_at DOUBLE PRECISION NOT NULL,
                document TEXT NOT NULL)
            """,
            "CREATE INDEX snapshots_by_service ON snapshots(service_name, seq)",
            "CREATE INDEX snapshots_by_breakpoint ON snapshots(breakpoint_id, seq)",
            "CREATE INDEX snapshots_by_received ON snapshots(received_at)",
            """
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                key_hash TEXT NOT NULL UNIQUE,
                prefix TEXT NOT NULL,
                role TEXT NOT NULL,
                services TEXT,
                created_at DOUBLE PRECISION NOT NULL,
                revoked_at DOUBLE PRECISION)
            """,
            """
            CREATE TABLE sdk_events (
                seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                service_name TEXT NOT NULL,
                type TEXT NOT NULL,
                document TEXT NOT NULL,
                received_at DOUBLE PRECISION NOT NULL)
            """,
        ]),
        ("v2: code index", [
            """
            CREATE TABLE code_locations (
                service_name TEXT NOT NULL,
                file_path TEXT NOT NULL,
                namespace TEXT NOT NULL,
                function_name TEXT NOT NULL,
                line_number BIGINT NOT NULL,
                first_seen_at DOUBLE PRECISION NOT NULL,
                last_seen_at DOUBLE PRECISION NOT NULL,
                hit_count BIGINT NOT NULL,
                PRIMARY KEY (service_name, file_path, namespace, function_name, line_number))
            """,
        ]),
        ("v3: dashboard sessions", [
            """
            CREATE TABLE dashboard_sessions (
                token_hash TEXT PRIMARY KEY NOT NULL,
                key_id TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL)
            """,
        ]),
        ("v4: sdk connections per instance", [
            """
            CREATE TABLE sdk_connections (
                instance_id TEXT NOT NULL,
                service_name TEXT NOT NULL,
                count BIGINT NOT NULL,
                reported_at DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (instance_id, service_name))
            """,
        ]),
    ]

    /// Applies the migrations not yet recorded, all in one transaction that
    /// holds an advisory lock: a second instance waits, then finds them done.
    private static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(AdvisoryLock.migrations.rawValue))", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY NOT NULL, applied_at DOUBLE PRECISION NOT NULL)
                """, logger: logger)
            var applied: Set<String> = []
            for try await row in try await connection.query("SELECT name FROM schema_migrations", logger: logger) {
                applied.insert(try row.makeRandomAccess()["name"].decode(String.self))
            }
            for migration in migrations where !applied.contains(migration.name) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (name, applied_at) VALUES (\(migration.name), \(Timestamps.now()))", logger: logger)
            }
        }
    }

    // MARK: helpers

    /// Runs `body` in one transaction on one pooled connection.
    func transaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        do {
            return try await client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                do {
                    let result = try await body(connection)
                    try await connection.query("COMMIT", logger: logger)
                    return result
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        }
    }

    /// All rows of a query, each as random-access (columns by name).
    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        try await client.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
    }

    func rows(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [PostgresRandomAccessRow] {
        try await connection.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
    }

    func execute(_ query: PostgresQuery) async throws {
        try await client.query(query, logger: logger).collect()
    }

    /// Rows affected by an UPDATE/DELETE ... RETURNING 1.
    func count(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> Int {
        try await connection.query(query, logger: logger).collect().count
    }

    /// Runs `body` only when this instance gets the advisory lock `lock`
    /// (held on one connection for the duration); nil when another holds it.
    func whileHolding<Result: Sendable>(_ lock: AdvisoryLock, _ body: (PostgresConnection) async throws -> Result) async throws -> Result? {
        try await client.withConnection { connection in
            let got = try await rows("SELECT pg_try_advisory_lock(\(lock.rawValue)) AS got", on: connection)
                .first?["got"].decode(Bool.self) ?? false
            guard got else { return nil }
            do {
                let result = try await body(connection)
                try await connection.query("SELECT pg_advisory_unlock(\(lock.rawValue))", logger: logger)
                return result
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(lock.rawValue))", logger: logger)
                throw error
            }
        }
    }
}

/// A PostgreSQL failure with context; its text names the server's error
/// (SQLSTATE and message) but never the connection's password.
public struct PostgresStoreError: Error, CustomStringConvertible {
    public var description: String

    init(_ context: String, _ error: any Error) {
        description = "\(context): \(Self.describe(error))"
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let server = error.serverInfo {
                return "\(server[.sqlState] ?? "") \(server[.message] ?? "")"
            }
            return error.underlying.map { "\(error.code): \($0)" } ?? "\(error.code)"
        }
        if let error = error as? PostgresTransactionError {
            return (error.closureError ?? error.commitError ?? error.beginError).map(describe) ?? "transaction failed"
        }
        return "\(error)"
    }
}
