import ArgumentParser
import Foundation
import Logging
import TraceKitServer

/// `tracekit-server`: parses flags / TRACEKIT_SERVER_* variables and runs the server.
@main
struct TraceKitServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tracekit-server",
        abstract: "Self-hosted TraceKit backend, wire-compatible with the official SDKs.")

    @Option(help: "Address to bind (env TRACEKIT_SERVER_HOST).")
    var host: String?
    @Option(help: "Port to listen on; 0 picks a free one (env TRACEKIT_SERVER_PORT).")
    var port: Int?
    @Option(help: "SQLite database file (env TRACEKIT_SERVER_DATABASE).")
    var database: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical (env TRACEKIT_SERVER_LOG_LEVEL).")
    var logLevel: String?
    @Option(help: "An extra admin key for /api/, never stored (env TRACEKIT_SERVER_ADMIN_KEY).")
    var adminKey: String?
    @Option(help: "Largest request body in bytes (env TRACEKIT_SERVER_MAX_BODY_BYTES).")
    var maxBodyBytes: Int?
    @Option(help: "Delete snapshots older than this many seconds; 0 keeps them (env TRACEKIT_SERVER_RETENTION_SECONDS).")
    var retentionSeconds: Int?
    @Option(help: "Keep at most this many snapshots; 0 = no limit (env TRACEKIT_SERVER_RETENTION_COUNT).")
    var retentionCount: Int?
    @Flag(help: "Auto-registered breakpoints start disabled (env TRACEKIT_SERVER_AUTO_REGISTER_DISABLED=1); by default they start enabled, at most 100 captures, expiring after 24 h.")
    var autoRegisterDisabled = false

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        var config = ServerConfig()
        config.host = host ?? env["TRACEKIT_SERVER_HOST"] ?? config.host
        config.port = try port ?? integer(env, "TRACEKIT_SERVER_PORT") ?? config.port
        config.databasePath = database ?? env["TRACEKIT_SERVER_DATABASE"] ?? config.databasePath
        config.adminKey = adminKey ?? env["TRACEKIT_SERVER_ADMIN_KEY"]
        // With a configured admin key there is no need for a printed one.
        config.createDevelopmentKey = config.adminKey == nil
        config.maxBodyBytes = try maxBodyBytes ?? integer(env, "TRACEKIT_SERVER_MAX_BODY_BYTES") ?? config.maxBodyBytes
        config.retentionMaxAgeSeconds = try retentionSeconds ?? integer(env, "TRACEKIT_SERVER_RETENTION_SECONDS") ?? config.retentionMaxAgeSeconds
        config.retentionMaxCount = try retentionCount ?? integer(env, "TRACEKIT_SERVER_RETENTION_COUNT") ?? config.retentionMaxCount
        config.autoRegister.enabled = !(autoRegisterDisabled || env["TRACEKIT_SERVER_AUTO_REGISTER_DISABLED"] == "1")
        let levelText = logLevel ?? env["TRACEKIT_SERVER_LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw ValidationError("unknown log level '\(levelText)'")
        }
        config.logLevel = level
        guard (0...65535).contains(config.port) else { throw ValidationError("port must be 0...65535") }
        guard config.maxBodyBytes > 0 else { throw ValidationError("max body bytes must be positive") }

        var logger = Logger(label: "tracekit-server")
        logger.logLevel = config.logLevel
        let store = try Store(path: config.databasePath)
        let state = ServerState(config: config, store: store, logger: logger)
        if let secret = try await TraceKitServer.bootstrapDevelopmentKey(state: state) {
            // Printed once, to stdout only (never logged): it is stored hashed.
            // Written unbuffered so it appears even when stdout is a pipe.
            FileHandle.standardOutput.write(Data("Development admin API key (shown once, store it now): \(secret)\n".utf8))
        }
        logger.info("starting", metadata: ["host": "\(config.host)", "port": "\(config.port)", "database": "\(config.databasePath)"])
        try await TraceKitServer.makeApplication(state: state).runService()
    }

    private func integer(_ env: [String: String], _ name: String) throws -> Int? {
        guard let text = env[name] else { return nil }
        guard let value = Int(text) else { throw ValidationError("\(name) must be an integer") }
        return value
    }
}
