import Hummingbird
import Logging

/// Builds the whole server: routes, middleware and background service.
/// `tracekit-server` runs it; tests run it on an ephemeral port.
public enum TraceKitServer {
    /// `onServerRunning` receives the bound port (useful with port 0).
    public static func makeApplication(
        state: ServerState, dashboardEventInterval: Duration = .seconds(1),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router(context: ServerContext.self)
        router.add(middleware: JSONErrorMiddleware())
        // Method and path only: headers (which carry API keys) are never logged.
        router.add(middleware: LogRequestsMiddleware(.debug))

        router.get("/api/health") { _, _ in JSONResponse.make(AnyJSON.object(["status": .string("ok")])) }
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

        return Application(
            router: router,
            configuration: .init(address: .hostname(state.config.host, port: state.config.port), serverName: "tracekit-server"),
            services: [MaintenanceService(state: state)],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: state.logger)
    }

    /// On a database with no keys, creates an admin key for development and
    /// returns its secret (to be printed once). Nil when keys already exist.
    public static func bootstrapDevelopmentKey(state: ServerState) async throws -> String? {
        guard state.config.createDevelopmentKey, try await state.store.keyCount() == 0 else { return nil }
        let (_, secret) = try await state.store.createKey(name: "development", role: .admin, services: nil, now: Timestamps.now())
        return secret
    }
}
