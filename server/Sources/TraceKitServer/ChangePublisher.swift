import ServiceLifecycle

/// Turns the store's change feed into what this instance shows: SSE events
/// to the SDK streams, closed streams and sessions after a revocation, and a
/// nudge to the dashboard streams. It is the only place that pushes changes,
/// whichever route, sweep or other instance made them.
///
/// Changes are applied one batch after another and each reads the current
/// state back, so the last event an SDK gets for a breakpoint is its newest
/// committed state, however the announcements interleave.
struct ChangePublisher: Service {
    let state: ServerState
    let sessions: DashboardSessions

    func run() async throws {
        let feed = state.store.changes
        feed.attach()
        defer { feed.detach() }
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let (changes, mark) = await feed.next()
                for change in changes { await apply(change) }
                if !changes.isEmpty {
                    state.storeEpoch.advance()
                    feed.applied(through: mark)
                }
            }
        }
    }

    func apply(_ change: StoreChange) async {
        do {
            switch change.kind {
            case .breakpointCreated, .breakpointUpdated, .breakpointDeleted:
                try await publishBreakpoint(change)
            case .killSwitch:
                guard state.hub.connectionCount(service: change.service) > 0,
                      let service = try await state.store.service(change.service) else { return }
                await state.hub.publish(service: service.name, event: "kill_switch", data: .object(["enabled": .bool(service.killSwitch)]))
            case .keyCreated:
                break  // only dashboards care (storeEpoch)
            case .keyRevoked:
                state.authenticator.invalidate()
                // Dashboards signed in with the key end at their next check (DashboardEvents).
                state.authorizationEpoch.advance()
                let closed = state.hub.closeStreams(keyID: change.id)
                if closed > 0 { state.logger.notice("streams of a revoked key closed", metadata: ["key_id": "\(change.id)", "streams_closed": "\(closed)"]) }
            case .sessionEnded:
                sessions.end(tokenHash: change.id)
                state.authorizationEpoch.advance()
            case .resync:
                try await resync()
            }
        } catch {
            state.logger.error("could not publish a change", metadata: ["kind": "\(change.kind.rawValue)", "error": "\(error)"])
        }
    }

    /// The breakpoint as it is now: created/updated, or deleted when it is gone.
    private func publishBreakpoint(_ change: StoreChange) async throws {
        // Nobody streams this service here: nothing to read back (the common case on ingest).
        guard state.hub.connectionCount(service: change.service) > 0 else { return }
        if let bp = try await state.store.breakpoint(id: change.id), bp.serviceName == change.service {
            let event = change.kind == .breakpointCreated ? "breakpoint_created" : "breakpoint_updated"
            await state.hub.publish(service: bp.serviceName, event: event, data: bp.json)
        } else {
            await state.hub.publish(service: change.service, event: "breakpoint_deleted", data: .object(["id": .string(change.id)]))
        }
    }

    /// Announcements may have been lost: every stream gets a fresh `init`,
    /// cached keys and sessions are dropped (they are read again from the store).
    private func resync() async throws {
        state.authenticator.invalidate()
        sessions.forgetStored()
        state.authorizationEpoch.advance()
        for service in state.hub.connectedServices() {
            let (breakpoints, killSwitch) = try await state.initialState(service: service)
            await state.hub.publish(service: service, event: "init", data: SSEHub.initData(breakpoints: breakpoints, killSwitch: killSwitch))
        }
        state.logger.notice("change feed resynchronised")
    }
}
