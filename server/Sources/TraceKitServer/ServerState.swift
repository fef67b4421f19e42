import Foundation
import Hummingbird
import Logging

/// What every route needs: configuration, storage, the SSE hub and the key
/// authenticator. Changes reach the streams through the store's change feed
/// (`ChangePublisher`).
public final class ServerState: Sendable {
    public let config: ServerConfig
    public let store: any ServerStore
    public let hub: SSEHub
    public let authenticator: KeyAuthenticator
    let conditions = ConditionCache()
    /// One dashboard digest per interval, shared by every open dashboard.
    let dashboardDigest = SharedDigest()
    /// Advanced on sign-out and key revocation (see `DashboardEvents`).
    let authorizationEpoch = Epoch()
    /// Advanced after each batch of store changes is published (dashboards refresh at once).
    let storeEpoch = Epoch()
    /// Connected SDKs over every instance on the database.
    let fleet: FleetConnections
    /// Open connections per client address, timeouts (see `ConnectionLimits`).
    public let connections: ConnectionRegistry
    /// Bounds how many trace exports are decoded and scanned at once.
    let cpuWork = CPUWorkLimiter()
    let logger: Logger

    public init(config: ServerConfig, store: any ServerStore, logger: Logger) {
        self.config = config
        self.store = store
        self.hub = SSEHub(bufferEvents: config.sseBufferEvents)
        self.authenticator = KeyAuthenticator(store: store, adminKey: config.adminKey)
        self.logger = logger
        self.fleet = FleetConnections(instanceID: store.changes.instanceID)
        self.connections = ConnectionRegistry(limits: config.connectionLimits, logger: logger)
    }

    static func ssePath(service: String) -> String {
        let encoded = service.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? service
        return "/sdk/snapshots/stream/\(encoded)"
    }

    /// What a new (or resynchronised) stream of `service` starts from.
    func initialState(service: String) async throws -> (breakpoints: [Breakpoint], killSwitch: Bool) {
        let now = Timestamps.now()
        let killSwitch = try await store.touchService(service, now: now)
        return (killSwitch ? [] : try await store.activeBreakpoints(service: service, now: now), killSwitch)
    }

    /// Disables expired breakpoints (the store announces them) and applies
    /// snapshot retention; run periodically by `MaintenanceService`.
    public func sweep(now: Double) async throws {
        for bp in try await store.disableExpiredBreakpoints(now: now) {
            logger.info("breakpoint expired", metadata: ["breakpoint": "\(bp.id)", "service": "\(bp.serviceName)"])
        }
        let deleted = try await store.applyRetention(maxAge: config.retentionMaxAgeSeconds, maxCount: config.retentionMaxCount, now: now)
        if deleted > 0 { logger.info("retention deleted snapshots", metadata: ["count": "\(deleted)"]) }
    }
}
