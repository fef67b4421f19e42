import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import TraceKitCore

/// Builds the whole server: routes, middleware and background service.
/// `tracekit-server` runs it; tests run it on an ephemeral port.
public enum TraceKitServer {
    /// `onServerRunning` receives the bound port (useful with port 0).
    /// With `tls` (see `TLSFiles`) the server speaks HTTPS only.
    public static func makeApplication(
        state: ServerState, dashboardEventInterval: Duration = .seconds(1), tls: TLSConfiguration? = nil,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let router = Router(context: ServerContext.self)
        router.add(middleware: JSONErrorMiddleware())
        // Method and path only: headers and query strings (which may carry API keys) are never logged.
        router.add(middleware: RequestLogMiddleware())

        router.get("/api/health") { _, _ in JSONResponse.make(JSONValue.object(["status": .string("ok")])) }
        router.get("/api/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.text)))
        }

        let sdk = router.group("sdk/snapshots").add(middleware: APIKeyMiddleware(authenticator: state.authenticator, requireAdmin: false))
        SDKRoutes(state: state).register(on: sdk)

        let otlp = router.group("v1").add(middleware: APIKeyMiddleware(authenticator: state.authenticator, requireAdmin: false))
        TelemetrySinkRoutes(state: state).register(on: otlp)
        TraceIngestRoutes(state: state).register(on: otlp)

        // The dashboard's session cookie also opens /api/ (DashboardAuthMiddleware).
        let sessions = DashboardSessions()
        DashboardRoutes(state: state, sessions: sessions, assets: .load(), eventInterval: dashboardEventInterval).register(on: router)
        let api = router.group("api").add(middleware: DashboardAuthMiddleware(
            sessions: sessions, store: state.store, keys: APIKeyMiddleware(authenticator: state.authenticator, requireAdmin: true)))
        ServiceRoutes(state: state).register(on: api)
        BreakpointRoutes(state: state).register(on: api)
        SnapshotRoutes(state: state).register(on: api)
        KeyRoutes(state: state).register(on: api)
        CodeIndexRoutes(state: state).register(on: api)

        let http1 = HTTPServerBuilder.http1(configuration: .init(additionalChannelHandlers: [state.connections.makeGuard()]))
        return Application(
            router: router,
            server: try tls.map { try .tls(http1, tlsConfiguration: $0) } ?? http1,
            configuration: .init(
                address: .hostname(state.config.host, port: state.config.port), serverName: "tracekit-server",
                availableConnectionsDelegate: state.connections.acceptanceDelegate),
            services: [MaintenanceService(state: state), ChangePublisher(state: state, sessions: sessions)],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: state.logger)
    }

    /// A server TLS configuration from PEM files: the certificate chain
    /// (leaf first) and its private key.
    public static func tlsConfiguration(certificatePath: String, keyPath: String) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        guard !chain.isEmpty else { throw TLSFileError(message: "no certificate in \(certificatePath)") }
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
    }

    public struct TLSFileError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// On a database with no keys, creates an admin key for development and
    /// returns its secret (to be printed once). Nil when keys already exist.
    public static func bootstrapDevelopmentKey(state: ServerState) async throws -> String? {
        guard state.config.createDevelopmentKey, try await state.store.keyCount() == 0 else { return nil }
        let (_, secret) = try await state.store.createKey(name: "development", role: .admin, services: nil, now: Timestamps.now())
        return secret
    }
}
