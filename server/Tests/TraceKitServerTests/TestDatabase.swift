import Foundation
import Logging
import PostgresNIO
@testable import TraceKitServer

/// The database a test runs on. By default a fresh SQLite file; with
/// TRACEKIT_TEST_DATABASE_URL=postgres://... (scripts/test.sh starts a
/// throwaway cluster) a fresh PostgreSQL database per test on that server,
/// so the same suite runs on both backends and tests stay independent.
struct TestDatabase: Sendable {
    let store: any ServerStore
    /// Opens another store on the same database (a second "instance").
    let openAnother: @Sendable () async throws -> any ServerStore
    private let dispose: @Sendable () async -> Void

    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["TRACEKIT_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `sqlitePath` is used when no PostgreSQL server is configured.
    static func open(sqlitePath: String, logger: Logger) async throws -> TestDatabase {
        guard let url = postgresURL else {
            let store = try SQLiteStore(path: sqlitePath)
            return TestDatabase(store: store, openAnother: { try SQLiteStore(path: sqlitePath) }) {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: sqlitePath + suffix) }
            }
        }
        guard case .postgres(let server) = try StoreLocation(url) else {
            throw StoreLocationError(message: "TRACEKIT_TEST_DATABASE_URL must be a postgres:// URL")
        }
        let name = try await createDatabase(on: server, logger: logger)
        let location = { var location = server; location.database = name; return location }()
        let store = try await PostgresStore(location, maximumConnections: 4, logger: logger)
        return TestDatabase(store: store, openAnother: {
            try await PostgresStore(location, maximumConnections: 4, logger: logger)
        }) {
            store.close()
            try? await administer(server, logger: logger) { "DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)" }
        }
    }

    func close() async { await dispose() }

    private static func createDatabase(on server: PostgresLocation, logger: Logger) async throws -> String {
        // A generated name (not input): safe as an identifier.
        let name = "tracekit_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await administer(server, logger: logger) { "CREATE DATABASE \(unescaped: name)" }
        return name
    }

    /// Runs one statement on the server's own database.
    private static func administer(_ server: PostgresLocation, logger: Logger, _ query: () -> PostgresQuery) async throws {
        let connection = try await PostgresConnection.connect(
            on: PostgresClient.defaultEventLoopGroup.any(),
            configuration: .init(host: server.host, port: server.port, username: server.username, password: server.password,
                                 database: server.database, tls: .disable),
            id: 0, logger: logger
        ).get()
        do {
            try await connection.query(query(), logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
