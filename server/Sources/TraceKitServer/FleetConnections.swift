import Foundation

/// Connected-SDK counts over every instance sharing the database. Each
/// instance reports its own open SDK streams every `reportInterval`; a
/// report older than `staleAfter` (an instance that stopped or was killed)
/// no longer counts and is deleted by the next report of any instance. An
/// instance's own streams are counted live, the others' as last reported:
/// in `/api/services`, the dashboard and the SDK-facing `sdk_count` event.
struct FleetConnections: Sendable {
    static let reportInterval = 2.0
    static let staleAfter = 10.0
    /// Identifies this process's rows; new on every start.
    let instanceID: String

    func report(state: ServerState, now: Double) async throws {
        try await state.store.reportConnections(
            instance: instanceID, counts: state.hub.connectionCounts(), now: now, forgetBefore: now - Self.staleAfter)
    }

    /// Reports this instance's streams and hands the others' to the SSE hub,
    /// so the `sdk_count` its SDKs receive counts the whole fleet (at most
    /// about two `reportInterval`s behind another instance's change).
    func exchange(state: ServerState, now: Double) async throws {
        try await report(state: state, now: now)
        state.hub.setOtherInstancesCounts(
            try await state.store.connectionCounts(reportedSince: now - Self.staleAfter, excluding: instanceID))
    }

    /// Per service: this instance's open streams plus the other instances' fresh reports.
    func counts(state: ServerState, now: Double) async throws -> [String: Int] {
        let others = try await state.store.connectionCounts(reportedSince: now - Self.staleAfter, excluding: instanceID)
        return others.merging(state.hub.connectionCounts(), uniquingKeysWith: +)
    }
}
