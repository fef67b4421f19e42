import ServiceLifecycle

/// Background duties: SSE heartbeats, this instance's connected-SDK report
/// (`FleetConnections`), and the sweep that disables expired breakpoints
/// (announcing the change) and applies snapshot retention. On graceful
/// shutdown it stops and closes every SSE stream.
struct MaintenanceService: Service {
    let state: ServerState

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await every(state.config.heartbeatSeconds) { await state.hub.heartbeat(now: Timestamps.now()) } }
                group.addTask {
                    await every(FleetConnections.reportInterval) {
                        do { try await state.fleet.exchange(state: state, now: Timestamps.now()) } catch is CancellationError {
                            // Shutting down: not a failure.
                        } catch {
                            state.logger.warning("could not report connected SDKs", metadata: ["error": "\(error)"])
                        }
                    }
                }
                group.addTask {
                    await every(state.config.sweepIntervalSeconds) {
                        do { try await state.sweep(now: Timestamps.now()) } catch is CancellationError {
                            // Shutting down: not a failure.
                        } catch {
                            state.logger.error("maintenance sweep failed", metadata: ["error": "\(error)"])
                        }
                    }
                }
            }
        }
        state.hub.closeAll()
        // This instance's streams are gone: the fleet's count drops now, not when the report goes stale.
        try? await state.fleet.report(state: state, now: Timestamps.now())
    }

    private func every(_ seconds: Double, _ action: @Sendable () async -> Void) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: .seconds(max(seconds, 0.01))) } catch { return }
            await action()
        }
    }
}
