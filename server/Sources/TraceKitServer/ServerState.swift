import Synchronization
import Foundation
import Hummingbird
import Logging

/// What every route needs: configuration, storage, the SSE hub and the key
/// authenticator, plus helpers that keep the store and the streams in step.
public final class ServerState: Sendable {
    public let config: ServerConfig
    public let store: any ServerStore
    public let hub: SSEHub
    /// The newest commit ticket pushed per breakpoint id.
    private let lastPushedTickets = Mutex<[String: UInt64]>([:])
    public let authenticator: KeyAuthenticator
    let conditions = ConditionCache()
    /// One dashboard digest per interval, shared by every open dashboard.
    let dashboardDigest = SharedDigest()
    /// Advanced on sign-out and key revocation (see `DashboardEvents`).
    let authorizationEpoch = AuthorizationEpoch()
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
        self.connections = ConnectionRegistry(limits: config.connectionLimits, logger: logger)
    }

    static func ssePath(service: String) -> String {
        let encoded = service.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? service
        return "/sdk/snapshots/stream/\(encoded)"
    }

    // MARK: pushing changes to SDKs

    func pushCreated(_ bp: Breakpoint) {
        guard isNewest(bp) else { return }
        hub.publish(service: bp.serviceName, event: "breakpoint_created", data: bp.json)
    }

    func pushUpdated(_ bp: Breakpoint) {
        guard isNewest(bp) else { return }
        hub.publish(service: bp.serviceName, event: "breakpoint_updated", data: bp.json)
    }

    func pushDeleted(_ bp: Breakpoint) {
        guard isNewest(bp) else { return }
        hub.publish(service: bp.serviceName, event: "breakpoint_deleted", data: .object(["id": .string(bp.id)]))
    }

    /// False when a later write of this breakpoint was already pushed (see
    /// `CommitTicket`); records the ticket otherwise.
    private func isNewest(_ bp: Breakpoint) -> Bool {
        guard bp.ticket.value != 0 else { return true }
        return lastPushedTickets.withLock { tickets in
            if let pushed = tickets[bp.id], pushed > bp.ticket.value { return false }
            if tickets.count > 100_000 { tickets.removeAll() }
            tickets[bp.id] = bp.ticket.value
            return true
        }
    }
    func pushKillSwitch(service: String, enabled: Bool) {
        hub.publish(service: service, event: "kill_switch", data: .object(["enabled": .bool(enabled)]))
    }

    /// Disables expired breakpoints and applies snapshot retention; run
    /// periodically by `MaintenanceService`.
    public func sweep(now: Double) async throws {
        for bp in try await store.disableExpiredBreakpoints(now: now) {
            logger.info("breakpoint expired", metadata: ["breakpoint": "\(bp.id)", "service": "\(bp.serviceName)"])
            pushUpdated(bp)
        }
        let deleted = try await store.applyRetention(maxAge: config.retentionMaxAgeSeconds, maxCount: config.retentionMaxCount, now: now)
        if deleted > 0 { logger.info("retention deleted snapshots", metadata: ["count": "\(deleted)"]) }
    }
}
