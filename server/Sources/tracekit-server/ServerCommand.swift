import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import TraceKitServer

/// `tracekit-server`: parses flags / TRACEKIT_SERVER_* variables and runs the server.
@main
struct TraceKitServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tracekit-server",
        abstract: "Self-hosted TraceKit backend, wire-compatible with the official SDKs.",
        subcommands: [ExportCommand.self, ImportCommand.self])

    @Option(help: "Address to bind (env TRACEKIT_SERVER_HOST).")
    var host: String?
    @Option(help: "Port to listen on; 0 picks a free one (env TRACEKIT_SERVER_PORT).")
    var port: Int?
    @Option(help: "SQLite file (path or sqlite://path) or postgres://user:password@host:port/database (env TRACEKIT_SERVER_DATABASE).")
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
    @Flag(help: "Auto-registered breakpoints start disabled (env TRACEKIT_SERVER_AUTO_REGISTER_DISABLED=1); by default they start enabled, at most 100 captures, disabled after 24 h without a capture.")
    var autoRegisterDisabled = false
    @Option(help: "PEM certificate chain: serve HTTPS (with --tls-key) (env TRACEKIT_SERVER_TLS_CERT).")
    var tlsCert: String?
    @Option(help: "PEM private key of --tls-cert (env TRACEKIT_SERVER_TLS_KEY).")
    var tlsKey: String?
    @Flag(help: "Trust X-Forwarded-Proto from a reverse proxy (https makes the session cookie Secure) (env TRACEKIT_SERVER_TRUST_FORWARDED_PROTO=1).")
    var trustForwardedProto = false
    @Option(help: "Seconds a client has to send a complete request head (env TRACEKIT_SERVER_HEADER_TIMEOUT).")
    var headerTimeout: Double?
    @Option(help: "Seconds a client has to send a request body (env TRACEKIT_SERVER_BODY_TIMEOUT).")
    var bodyTimeout: Double?
    @Option(help: "Seconds an idle keep-alive connection stays open (env TRACEKIT_SERVER_IDLE_TIMEOUT).")
    var idleTimeout: Double?
    @Option(help: "Connections open at once, at most (env TRACEKIT_SERVER_MAX_CONNECTIONS).")
    var maxConnections: Int?
    @Option(help: "Connections open at once per client address; raise it behind a proxy (env TRACEKIT_SERVER_MAX_CONNECTIONS_PER_ADDRESS).")
    var maxConnectionsPerAddress: Int?
    @Flag(help: "Run request handlers on Swift's default thread pool rather than on the network event loops (env TRACEKIT_SERVER_SWIFT_CONCURRENCY_POOL=1).")
    var swiftConcurrencyPool = false

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        if !(swiftConcurrencyPool || env["TRACEKIT_SERVER_SWIFT_CONCURRENCY_POOL"] == "1") {
            runTasksOnEventLoops()
        }
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
        let tls = try tlsConfiguration(env)
        config.tlsEnabled = tls != nil
        config.trustForwardedProto = trustForwardedProto || env["TRACEKIT_SERVER_TRUST_FORWARDED_PROTO"] == "1"
        try applyConnectionLimits(env, to: &config.connectionLimits)
        let levelText = logLevel ?? env["TRACEKIT_SERVER_LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw ValidationError("unknown log level '\(levelText)'")
        }
        config.logLevel = level
        guard (0...65535).contains(config.port) else { throw ValidationError("port must be 0...65535") }
        guard config.maxBodyBytes > 0 else { throw ValidationError("max body bytes must be positive") }

        var logger = Logger(label: "tracekit-server")
        logger.logLevel = config.logLevel
        let location = try storeLocation(config.databasePath)
        let store = try await location.open(logger: logger)
        let state = ServerState(config: config, store: store, logger: logger)
        if let secret = try await TraceKitServer.bootstrapDevelopmentKey(state: state) {
            // Printed once, to stdout only (never logged): it is stored hashed.
            // Written unbuffered so it appears even when stdout is a pipe.
            FileHandle.standardOutput.write(Data("Development admin API key (shown once, store it now): \(secret)\n".utf8))
        }
        logger.info("starting", metadata: ["host": "\(config.host)", "port": "\(config.port)", "database": "\(location)"])
        var group = ServiceGroupConfiguration(
            services: [.init(service: try TraceKitServer.makeApplication(state: state, tls: tls)), .init(service: ShutdownDeadline(logger: logger), successTerminationBehavior: .ignore)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // Clients still connected after this are cancelled (their connections closed).
        group.maximumGracefulShutdownDuration = .seconds(3)
        try await ServiceGroup(configuration: group).run()
    }

    /// Every task (request handlers, group commit, background services) then
    /// runs on NIO's event loops, which also do the sockets' I/O: a request no
    /// longer hops from its connection's loop to Swift's thread pool and back
    /// (on ingest: half the context switches per capture; see
    /// server/Benchmarks/RESULTS.md). Safe here because no task blocks its
    /// thread: database work runs on GRDB's own queues and PostgresNIO's
    /// channels, CPU-heavy trace decoding on NIO's thread pool
    /// (`CPUWorkLimiter`). Installed before the server starts its tasks.
    private func runTasksOnEventLoops() {
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    private func tlsConfiguration(_ env: [String: String]) throws -> TLSConfiguration? {
        let certificate = tlsCert ?? env["TRACEKIT_SERVER_TLS_CERT"]
        let key = tlsKey ?? env["TRACEKIT_SERVER_TLS_KEY"]
        switch (certificate, key) {
        case (nil, nil): return nil
        case let (certificate?, key?):
            do {
                return try TraceKitServer.tlsConfiguration(certificatePath: certificate, keyPath: key)
            } catch {
                throw ValidationError("cannot load the TLS certificate or key: \(error)")
            }
        default: throw ValidationError("--tls-cert and --tls-key go together")
        }
    }

    private func applyConnectionLimits(_ env: [String: String], to limits: inout ConnectionLimits) throws {
        func seconds(_ flag: Double?, _ name: String) throws -> Duration? {
            guard let value = try flag ?? env[name].map({ text in
                guard let value = Double(text) else { throw ValidationError("\(name) must be a number of seconds") }
                return value
            }) else { return nil }
            guard value > 0, value <= 86_400 else { throw ValidationError("\(name) must be between 0 and 86400 seconds") }
            return .milliseconds(Int64(value * 1000))
        }
        limits.headerTimeout = try seconds(headerTimeout, "TRACEKIT_SERVER_HEADER_TIMEOUT") ?? limits.headerTimeout
        limits.bodyTimeout = try seconds(bodyTimeout, "TRACEKIT_SERVER_BODY_TIMEOUT") ?? limits.bodyTimeout
        limits.idleTimeout = try seconds(idleTimeout, "TRACEKIT_SERVER_IDLE_TIMEOUT") ?? limits.idleTimeout
        limits.maxConnections = try maxConnections ?? integer(env, "TRACEKIT_SERVER_MAX_CONNECTIONS") ?? limits.maxConnections
        limits.maxConnectionsPerAddress = try maxConnectionsPerAddress
            ?? integer(env, "TRACEKIT_SERVER_MAX_CONNECTIONS_PER_ADDRESS") ?? limits.maxConnectionsPerAddress
        guard limits.maxConnections > 0, limits.maxConnectionsPerAddress > 0 else {
            throw ValidationError("connection limits must be positive")
        }
    }

    private func integer(_ env: [String: String], _ name: String) throws -> Int? {
        guard let text = env[name] else { return nil }
        guard let value = Int(text) else { throw ValidationError("\(name) must be an integer") }
        return value
    }
}

/// SIGTERM/SIGINT → exit within `deadline`, whatever the clients do: graceful
/// shutdown closes idle connections at once, cancels the rest after 3 s
/// (ServiceGroup); if anything still holds the process, it exits here.
/// Acknowledged captures are already committed, so nothing is lost.
struct ShutdownDeadline: Service {
    let logger: Logger
    var deadline: Duration = .milliseconds(4500)

    func run() async throws {
        try? await gracefulShutdown()
        let logger = logger
        let seconds = Double(deadline.components.seconds) + Double(deadline.components.attoseconds) / 1e18
        // A thread, not a task: it must fire even if the cooperative pool is stuck.
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: seconds)
            logger.warning("shutdown deadline passed; exiting with connections still open")
            exit(0)
        }
    }
}
