import Foundation
import Synchronization

/// One committed change as the store announces it: what changed, not the new
/// value. `ChangePublisher` reads the current state back, so the same small
/// message works in process (SQLite) and between instances (PostgreSQL
/// NOTIFY payload), and an old announcement can never push a stale value.
public struct StoreChange: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable {
        case breakpointCreated = "breakpoint_created"
        case breakpointUpdated = "breakpoint_updated"
        case breakpointDeleted = "breakpoint_deleted"
        case killSwitch = "kill_switch"
        case keyCreated = "key_created"
        case keyRevoked = "key_revoked"
        /// `id` is the SHA-256 of the session token.
        case sessionEnded = "session_ended"
        /// Announcements may have been missed (a lost listener connection):
        /// everything is read back.
        case resync
    }

    public var kind: Kind
    /// Breakpoint id, key id or session token hash; empty otherwise.
    public var id: String
    /// The service a breakpoint or kill switch belongs to; empty otherwise.
    public var service: String

    public init(_ kind: Kind, id: String = "", service: String = "") {
        self.kind = kind
        self.id = id
        self.service = service
    }

    /// Compact JSON (`{"kind":…,"id":…,"service":…}`), the NOTIFY payload.
    public var payload: String {
        (try? JSONEncoder().encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    public init?(payload: String) {
        guard let change = try? JSONDecoder().decode(StoreChange.self, from: Data(payload.utf8)) else { return nil }
        self = change
    }
}

/// The store's announcements of committed changes, consumed by one
/// `ChangePublisher`. Pending announcements are coalesced (a burst of
/// captures on one breakpoint is read back once), so the queue is bounded by
/// the number of distinct things that changed, never by the write rate.
public final class ChangeFeed: Sendable {
    private struct State {
        var pending: [StoreChange] = []
        var queued: Set<StoreChange> = []
        /// Announcements so far, and how many of them the consumer has applied.
        var announced: UInt64 = 0
        var applied: UInt64 = 0
        var consumer: CheckedContinuation<Void, Never>?
        var consumerAttached = false
        var settleWaiters: [(through: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())
    /// This process, as other instances see it (notification origins, connected-SDK reports).
    public let instanceID = StoreIDs.newID()

    public init() {}

    /// Called by the store after a transaction committed (never for one that rolled back).
    public func announce(_ change: StoreChange) {
        let consumer = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.announced += 1
            if state.queued.insert(change).inserted { state.pending.append(change) }
            defer { state.consumer = nil }
            return state.consumer
        }
        consumer?.resume()
    }

    /// Waits for announcements and returns every pending one, oldest first,
    /// each distinct change once. Empty when the task is cancelled. The
    /// caller reports `applied(through:)` with the returned mark once done.
    func next() async -> (changes: [StoreChange], mark: UInt64) {
        while !Task.isCancelled {
            if let taken = take() { return taken }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let resumeNow = state.withLock { state -> Bool in
                        guard state.pending.isEmpty, !Task.isCancelled else { return true }
                        state.consumer = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                let consumer = state.withLock { state -> CheckedContinuation<Void, Never>? in
                    defer { state.consumer = nil }
                    return state.consumer
                }
                consumer?.resume()
            }
        }
        return ([], 0)
    }

    /// The pending announcements, without waiting (nil when there are none).
    func take() -> (changes: [StoreChange], mark: UInt64)? {
        state.withLock { state in
            guard !state.pending.isEmpty else { return nil }
            defer {
                state.pending = []
                state.queued = []
            }
            return (state.pending, state.announced)
        }
    }

    /// The consumer applied every announcement up to `mark`.
    func applied(through mark: UInt64) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.applied = max(state.applied, mark)
            let ready = state.settleWaiters.filter { $0.through <= state.applied }
            state.settleWaiters.removeAll { $0.through <= state.applied }
            return ready.map(\.continuation)
        }
        for continuation in ready { continuation.resume() }
    }

    /// A consumer runs from now on: `settled()` waits for it.
    func attach() {
        state.withLock { $0.consumerAttached = true }
    }

    /// The consumer stopped (shutdown): nobody waits for it any more.
    func detach() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.consumerAttached = false
            defer { state.settleWaiters = [] }
            return state.settleWaiters.map(\.continuation)
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Returns once every change announced so far has been applied on this
    /// instance (its SSE streams got the change), or at once when no consumer
    /// runs. Routes await it so a caller that got a response can rely on it.
    public func settled() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                guard state.consumerAttached, state.applied < state.announced else { return true }
                state.settleWaiters.append((state.announced, continuation))
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}
